"""The registries (R2): organisations and partners with their registration numbers and
contracts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q

from supportline.desk.selectors.common import RegistrationCard, registration_card
from supportline.registry.models import Contract, Organisation, Partner, RegistrationNumber


@dataclass(frozen=True)
class HolderCard:
    holder: Organisation | Partner
    registrations: list[RegistrationCard]

    @property
    def eligible_today(self) -> bool:
        return any(card.eligible_today for card in self.registrations)


def _registrations() -> Prefetch[Any]:
    return Prefetch(
        "registrations",
        queryset=RegistrationNumber.objects.select_related("product", "organisation", "partner")
        .prefetch_related(Prefetch("contracts", queryset=Contract.objects.order_by("kind")))
        .order_by("number"),
    )


# Holders shown per page of the registries; a search narrows them (the admin lists them all).
REGISTRY_LIMIT = 50


def registry_overview(today: dt.date, query: str = "") -> tuple[list[HolderCard], list[HolderCard]]:
    """Organisations and partners with their registration numbers and contracts (R2)."""
    organisations = Organisation.objects.all()
    partners = Partner.objects.all()
    if query:
        organisations = organisations.filter(
            Q(name__icontains=query)
            | Q(full_name__icontains=query)
            | Q(inn=query)
            | Q(registrations__number=query)
        ).distinct()
        partners = partners.filter(
            Q(name__icontains=query) | Q(code=query) | Q(registrations__number=query)
        ).distinct()
    organisations = organisations.prefetch_related(_registrations()).order_by("name")[
        :REGISTRY_LIMIT
    ]
    partners = partners.prefetch_related(_registrations()).order_by("name")[:REGISTRY_LIMIT]

    def cards(holders: Iterable[Organisation | Partner]) -> list[HolderCard]:
        return [
            HolderCard(h, [registration_card(r, today) for r in h.registrations.all()])
            for h in holders
        ]

    return cards(organisations), cards(partners)
