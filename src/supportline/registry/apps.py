from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "supportline.registry"
    verbose_name = _("Реестры")

    def ready(self) -> None:
        from supportline.registry import signals  # noqa: F401 - connects the receivers
