from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class ConnectConfig(AppConfig):
    """The 1C-Connect messenger channel: incoming webhook, replies through the outbox."""

    name = "supportline.connect"
    verbose_name = _("1С-Коннект")

    def ready(self) -> None:
        from supportline.connect.config import connect_settings

        # Fail fast: with USE_CONNECT on and a setting missing, no process starts.
        connect_settings()
        checks.register(check_connect_channel)


def check_connect_channel(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """R6, R21: the messenger switched on needs the 1C-Connect channel in the regulation."""
    from supportline.connect.config import enabled
    from supportline.core.checks import channel_errors

    if not enabled():
        return []
    return channel_errors("connect", "USE_CONNECT", "connect.E001")
