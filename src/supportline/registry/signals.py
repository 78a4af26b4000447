from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from supportline.registry.models import CalendarOverride, CalendarYear


@receiver([post_save, post_delete], sender=CalendarOverride)
@receiver([post_save, post_delete], sender=CalendarYear)
def calendar_changed(**kwargs: Any) -> None:
    from supportline.core import rules

    rules.forget_calendar()
