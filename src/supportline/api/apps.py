from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "supportline.api"
    verbose_name = "REST API"

    def ready(self) -> None:
        from supportline.api import signals

        signals.connect()
