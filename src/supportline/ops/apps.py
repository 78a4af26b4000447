from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operations: readiness, metrics, backup/restore, pruning (no models of its own)."""

    name = "supportline.ops"
    verbose_name = _("Эксплуатация")
