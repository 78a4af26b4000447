"""Working time on the Russian production calendar (SPEC rule R9).

R9: working time is 09:00-18:00 Moscow time with no lunch break, Monday to Friday, except
the days off of the official production calendar (holidays, transferred days off), plus the
transferred working Saturdays/Sundays; pre-holiday days end at 17:00. A ticket registered
outside working time starts its clocks at the next working minute. All SLA arithmetic is
exact (integer microseconds).

    from supportline.worktime import default_calendar
    deadline = default_calendar().add_working_time(registered_at, timedelta(hours=4))

No Django imports: the admin table of overrides and the year-upload command build a
`Calendar` (or use `build_calendar`) on top of this package.
"""

from __future__ import annotations

from functools import lru_cache

from .fallback import ART112_HOLIDAYS, fallback_year
from .kinds import (
    OVERRIDE_KINDS,
    CalendarDataError,
    DayInfo,
    DayKind,
    DayOff,
    Totals,
    YearData,
    YearStatus,
)
from .workcalendar import (
    R9_DAY_END,
    R9_DAY_START,
    R9_SHORT_DAY_END,
    R9_TIMEZONE,
    Calendar,
    build_calendar,
)
from .yearfile import (
    MAX_YEAR,
    MIN_YEAR,
    calendar_keys,
    load_packaged_years,
    merge_years,
    parse_calendar_document,
    parse_xmlcalendar,
    parse_year,
    parse_year_file,
    validate_year,
    year_to_json,
)

__all__ = [
    "ART112_HOLIDAYS",
    "MAX_YEAR",
    "MIN_YEAR",
    "OVERRIDE_KINDS",
    "R9_DAY_END",
    "R9_DAY_START",
    "R9_SHORT_DAY_END",
    "R9_TIMEZONE",
    "Calendar",
    "CalendarDataError",
    "DayInfo",
    "DayKind",
    "DayOff",
    "Totals",
    "YearData",
    "YearStatus",
    "build_calendar",
    "calendar_keys",
    "default_calendar",
    "fallback_year",
    "load_packaged_years",
    "merge_years",
    "parse_calendar_document",
    "parse_xmlcalendar",
    "parse_year",
    "parse_year_file",
    "validate_year",
    "year_to_json",
]


@lru_cache(maxsize=1)
def default_calendar() -> Calendar:
    """The R9 calendar (09:00-18:00 Europe/Moscow, short days to 17:00, packaged years, no
    overrides), built once per process. A calendar with administrator overrides is built by
    the caller with `build_calendar(overrides=...)` and cached where the overrides live."""
    return Calendar()
