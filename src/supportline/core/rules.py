"""The regulation and the working calendar the running service uses (SPEC R9, R21).

One place decides which regulation file is in force (settings.REGULATION_FILE or the shipped
1C:CRM regulation) and builds the calendar from it, so services never read files themselves.
"""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar, Token
from functools import lru_cache
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.conf import settings

from supportline.regulation import (
    Regulation,
    RegulationError,
    Text,
    default_regulation,
    load_regulation,
)
from supportline.worktime import Calendar


@lru_cache(maxsize=1)
def regulation() -> Regulation:
    path = getattr(settings, "REGULATION_FILE", "")
    return load_regulation(path) if path else default_regulation()


def regulation_or_none() -> Regulation | None:
    """The regulation, or None when its file is broken: for what the start-up checks read
    before `core.E001` reports the file's error (model choices)."""
    try:
        return regulation()
    except RegulationError:
        return None


# The calendar in force: packaged years + years uploaded by the administrator + single-day
# overrides. Rebuilt when those tables change (signals) and at most every minute otherwise, so
# another process's admin edit is picked up without a restart.
_CALENDAR: dict[str, Any] = {}
_CALENDAR_TTL = dt.timedelta(seconds=60)


def forget_calendar() -> None:
    _CALENDAR.clear()


def calendar() -> Calendar:
    built = _CALENDAR.get("at")
    now = dt.datetime.now(dt.UTC)
    if built is None or now - built > _CALENDAR_TTL:
        _CALENDAR["calendar"] = _build_calendar()
        _CALENDAR["at"] = now
    return cast(Calendar, _CALENDAR["calendar"])


def _build_calendar() -> Calendar:
    """The production calendar with the regulation's working hours (R9, R21), the years an
    administrator uploaded and the single-day overrides."""
    from supportline.registry.models import CalendarOverride, CalendarYear
    from supportline.worktime import Calendar, load_packaged_years, merge_years, parse_year

    hours = regulation().working_hours
    years = [parse_year(row.data) for row in CalendarYear.objects.all()]
    overrides = dict(CalendarOverride.objects.values_list("date", "kind"))
    return Calendar(
        tz=hours.time_zone,
        day_start=hours.start,
        day_end=hours.end,
        short_day_end=hours.short_day_end,
        years=merge_years(load_packaged_years(hours.calendar), years),
        overrides=overrides,
    )


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
    return calendar().is_working_time(moment)


# The zone times are shown in for the current request: the line's (Moscow) unless the signed-in
# user chose another (UserTimeZoneMiddleware sets it). Never used for SLA maths.
_DISPLAY_ZONE: ContextVar[ZoneInfo | None] = ContextVar("display_zone", default=None)


def display_zone() -> ZoneInfo:
    return _DISPLAY_ZONE.get() or line_zone()


def set_display_zone(zone: ZoneInfo | None) -> Token[ZoneInfo | None]:
    return _DISPLAY_ZONE.set(zone)


def reset_display_zone(token: Token[ZoneInfo | None]) -> None:
    _DISPLAY_ZONE.reset(token)
