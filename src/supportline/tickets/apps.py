from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "supportline.tickets"
    verbose_name = _("Обращения")

    def ready(self) -> None:
        from supportline.tickets import registry_watch  # noqa: F401 - connects the receivers
        from supportline.tickets.sqlite_indexes import ensure_sqlite_indexes

        post_migrate.connect(ensure_sqlite_indexes, sender=self)
