from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Project-wide commands (demo data, the SLA explainer) and template helpers."""

    name = "supportline.core"
    verbose_name = "SupportLine"

    def ready(self) -> None:
        from supportline.core import checks  # noqa: F401 - registers the regulation's checks
