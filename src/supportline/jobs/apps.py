from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    """Background work as rows in the database (a transactional outbox) claimed by workers."""

    name = "supportline.jobs"
    verbose_name = _("Фоновые задания")

    def ready(self) -> None:
        from supportline.jobs import checks  # noqa: F401 - registers the system checks
