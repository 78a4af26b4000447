from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConnectConfig(AppConfig):
    """The 1C-Connect messenger channel: incoming webhook, replies through the outbox."""

    name = "supportline.connect"
    verbose_name = _("1С-Коннект")
