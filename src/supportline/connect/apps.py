from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectConfig(AppConfig):
    """The 1C-Connect messenger channel: incoming webhook, replies through the outbox."""

    name = "supportline.connect"
    verbose_name = _("1С-Коннект")

    def ready(self) -> None:
        from supportline.connect.config import connect_settings

        # Fail fast: with USE_CONNECT on and a setting missing, no process starts.
        connect_settings()
