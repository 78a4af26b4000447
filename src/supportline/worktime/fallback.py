"""The calendar of a year the Government has not published yet, from the Labour Code alone.

Such a year is only a forecast: the decree usually moves the January weekend holidays to
other dates, which no rule can predict. Calendars flag it as provisional.
"""

from __future__ import annotations

from datetime import date, timedelta

from .kinds import DayOff, YearData, YearStatus

__all__ = ["ART112_HOLIDAYS", "fallback_year", "is_january_holiday"]

# Non-working public holidays, Labour Code art. 112 part 1, as (month, day).
ART112_HOLIDAYS: tuple[tuple[int, int], ...] = (
    (1, 1),
    (1, 2),
    (1, 3),
    (1, 4),
    (1, 5),
    (1, 6),
    (1, 8),  # Jan 1-6 and 8: New Year holidays
    (1, 7),  # Christmas
    (2, 23),
    (3, 8),
    (5, 1),
    (5, 9),
    (6, 12),
    (11, 4),
)

FALLBACK_SOURCE = (
    "No production calendar for this year: computed from the Labour Code (art. 112 holidays, "
    "art. 112 part 2 weekend-holiday transfer except the January holidays, art. 95 "
    "shortened pre-holiday days). Provisional until the Government decree is loaded."
)

_ONE_DAY = timedelta(days=1)


def is_january_holiday(day: date) -> bool:
    """Jan 1-8: when they fall on a weekend, art. 112 part 2 leaves their transfer to the
    Government's decree, so the fallback does not move them."""
    return day.month == 1 and day.day <= 8


def fallback_year(year: int) -> YearData:
    """The provisional calendar of `year` by the Labour Code rules.

    - art. 112: the fixed holidays are days off;
    - art. 112 part 2: a holiday on a Saturday/Sunday moves the day off to the next working
      day after it (skipping weekends, holidays and already moved days off), except the
      January holidays (see `is_january_holiday`);
    - art. 95: the working day immediately preceding a holiday is shortened by one hour; Jan 1
      of the next year counts, so a working Dec 31 is short.
    """
    holidays = sorted(date(year, month, day) for month, day in ART112_HOLIDAYS)
    off = set(holidays)
    days_off: list[DayOff] = []
    for holiday in holidays:
        if holiday.weekday() < 5 or is_january_holiday(holiday):
            continue
        target = holiday + _ONE_DAY
        while target.weekday() >= 5 or target in off:
            target += _ONE_DAY
        # None of the art. 112 dates is close enough to Dec 31 for this to cross the year.
        if target.year == year:
            days_off.append(DayOff(target, holiday))
            off.add(target)

    short_days: list[date] = []
    for holiday in [*holidays, date(year + 1, 1, 1)]:
        eve = holiday - _ONE_DAY
        if eve.year == year and eve.weekday() < 5 and eve not in off:
            short_days.append(eve)

    return YearData(
        year=year,
        status=YearStatus.PROVISIONAL,
        decree=None,
        source=FALLBACK_SOURCE,
        holidays=tuple(holidays),
        days_off=tuple(days_off),
        working_weekends=(),
        short_days=tuple(sorted(set(short_days))),
    )
