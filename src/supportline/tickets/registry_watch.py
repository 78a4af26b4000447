"""Keep the search rows (`tickets.search`) true to the registries (issue 14 §2).

A ticket's searched text carries its organisation's names and INN, its registration number and
its partner's name and code, read from the registry when the row is built. When the registry
changes one of those (the import's `_update`, the admin), a job is written in the same
transaction (`tickets.search_registry`); the worker rebuilds the affected tickets' rows in
bounded batches, each batch writing the job for the next, so a large organisation never holds
one long transaction.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from supportline.jobs.core import enqueue
from supportline.registry.models import Organisation, Partner, RegistrationNumber

JOB = "tickets.search_registry"
# The tickets' foreign key to each registry model, and the registry fields their rows carry.
WATCHED: dict[type[Any], tuple[str, frozenset[str]]] = {
    Organisation: ("organisation", frozenset({"name", "full_name", "inn"})),
    RegistrationNumber: ("registration", frozenset({"number", "organisation", "partner"})),
    Partner: ("partner", frozenset({"name", "code"})),
}


def refresh_job(field: str, pk: int, after: int = 0) -> None:
    """Write the job that rebuilds the rows of tickets whose `field` is `pk`, past id `after`."""
    enqueue(JOB, {"field": field, "id": pk, "after": after})


@receiver(post_save, sender=Organisation)
@receiver(post_save, sender=RegistrationNumber)
@receiver(post_save, sender=Partner)
def registry_saved(
    sender: type[Any], instance: Any, created: bool, update_fields: Any = None, **kwargs: Any
) -> None:
    if created or kwargs.get("raw"):
        return  # a new registry row has no tickets yet; fixtures load as they are
    field, carried = WATCHED[sender]
    if update_fields is not None and not carried & {f.removesuffix("_id") for f in update_fields}:
        return  # only fields the search rows do not carry changed (kpp, product…)
    refresh_job(field, instance.pk)
