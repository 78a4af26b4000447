"""The regulation and the working calendar the running service uses (SPEC R9, R21).

One place decides which regulation file is in force (settings.REGULATION_FILE or the shipped
1C:CRM regulation) and builds the calendar from it, so services never read files themselves.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings

from supportline.regulation import Regulation, Text, default_regulation, load_regulation
from supportline.sla import WorkingCalendar


@lru_cache(maxsize=1)
def regulation() -> Regulation:
    path = getattr(settings, "REGULATION_FILE", "")
    return load_regulation(path) if path else default_regulation()


def calendar() -> WorkingCalendar:
    from supportline.worktime import default_calendar

    return default_calendar()


def line_zone() -> ZoneInfo:
    return ZoneInfo(regulation().working_hours.time_zone)


def local_date(moment: dt.datetime) -> dt.date:
    """The date in the line's zone (contracts are valid by Moscow dates, R2)."""
    return moment.astimezone(line_zone()).date()


def tr(text: Text | None) -> str:
    """A regulation text in the active language (Russian first, English when asked and present)."""
    if text is None:
        return ""
    from django.utils import translation

    if translation.get_language() == "en" and text.en:
        return text.en
    return text.ru


def is_open(moment: dt.datetime) -> bool:
    """Is the line working at this instant (R9, production calendar)?"""
    from supportline.worktime import default_calendar

    return default_calendar().is_working_time(moment)
