from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    """The consultant desk, the methodologist/developer views and the supervisor's board."""

    name = "supportline.desk"
    verbose_name = _("Рабочее место линии")
