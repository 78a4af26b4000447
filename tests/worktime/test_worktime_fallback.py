"""The Labour Code fallback for years without a production calendar."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from supportline.worktime import (
    Calendar,
    DayKind,
    YearStatus,
    default_calendar,
    fallback_year,
    load_packaged_years,
    validate_year,
)
from supportline.worktime.fallback import is_january_holiday

MSK = ZoneInfo("Europe/Moscow")


def _fallback_only() -> Calendar:
    return Calendar(years={})


def _kinds(calendar: Calendar, year: int) -> dict[date, DayKind]:
    day, kinds = date(year, 1, 1), {}
    while day.year == year:
        kinds[day] = calendar.day_kind(day)
        day += timedelta(days=1)
    return kinds


@pytest.mark.parametrize("year", [2023, 2026])
def test_fallback_reproduces_official_calendar_except_january_transfers(year: int) -> None:
    official = _kinds(default_calendar(), year)
    fallback = _kinds(_fallback_only(), year)
    differing = {day for day in official if official[day] != fallback[day]}
    # Only the days the decree filled with the rest of weekend January holidays differ.
    january_transfers = {
        off.day
        for off in load_packaged_years()[year].days_off
        if off.moved_from is not None and is_january_holiday(off.moved_from)
    }
    assert differing == january_transfers
    assert differing == ({date(2023, 2, 24), date(2023, 5, 8)} if year == 2023 else
                         {date(2026, 1, 9), date(2026, 12, 31)})  # fmt: skip
    for day in differing:
        assert official[day] == DayKind.DAY_OFF
        # Unmoved, those days stay working; the eves of holidays are even shortened.
        assert fallback[day] in {DayKind.WORKING, DayKind.SHORT}


def test_fallback_2030_saturday_holiday_moves_to_monday_and_eves_are_short() -> None:
    data = fallback_year(2030)
    assert data.status is YearStatus.PROVISIONAL
    assert date(2030, 2, 23).weekday() == 5
    days_off = {off.day: off.moved_from for off in data.days_off}
    assert days_off == {date(2030, 2, 25): date(2030, 2, 23)}
    # art. 95: the working day right before a holiday; Nov 4 is a Monday, so its eve is a
    # Sunday and no day is shortened; Dec 31 precedes Jan 1 of the next year.
    assert data.short_days == (
        date(2030, 2, 22),
        date(2030, 3, 7),
        date(2030, 4, 30),
        date(2030, 5, 8),
        date(2030, 6, 11),
        date(2030, 12, 31),
    )
    calendar = _fallback_only()
    assert calendar.day_kind(date(2030, 1, 5)) == DayKind.HOLIDAY  # Saturday, not moved
    assert calendar.day_kind(date(2030, 1, 9)) == DayKind.WORKING
    assert calendar.day_kind(date(2030, 11, 1)) == DayKind.WORKING


def test_fallback_2032_weekend_may_and_june_holidays() -> None:
    data = fallback_year(2032)
    assert {off.day: off.moved_from for off in data.days_off} == {
        date(2032, 5, 3): date(2032, 5, 1),  # Saturday -> Monday
        date(2032, 5, 10): date(2032, 5, 9),  # Sunday -> Monday
        date(2032, 6, 14): date(2032, 6, 12),  # Saturday -> Monday
    }
    # Fri Apr 30 is the eve of the Saturday holiday May 1; Sat May 8 is no working day.
    assert date(2032, 4, 30) in data.short_days
    assert date(2032, 6, 11) in data.short_days
    assert date(2032, 5, 7) not in data.short_days
    assert date(2032, 12, 31) in data.short_days


def test_fallback_2033_sunday_holidays_and_weekend_eves() -> None:
    data = fallback_year(2033)
    assert {off.day: off.moved_from for off in data.days_off} == {
        date(2033, 5, 2): date(2033, 5, 1),
        date(2033, 6, 13): date(2033, 6, 12),
    }
    # Apr 30 and Jun 11 are Saturdays, May 8 a Sunday: no eve to shorten. Dec 31 is a
    # Saturday too.
    assert data.short_days == (date(2033, 2, 22), date(2033, 3, 7), date(2033, 11, 3))


def test_fallback_transfer_skips_days_already_off() -> None:
    # 2036: Feb 23 and Mar 8 both on Saturdays; each moves to its own Monday.
    data = fallback_year(2036)
    assert {off.day for off in data.days_off} == {date(2036, 2, 25), date(2036, 3, 10)}
    assert date(2036, 2, 22) in data.short_days
    assert date(2036, 3, 7) in data.short_days


@pytest.mark.parametrize("year", range(2028, 2101))
def test_fallback_years_are_valid_and_plausible(year: int) -> None:
    data = fallback_year(year)
    # The fallback is correct by construction; check it passes the data-file rules too.
    validate_year(dataclasses.replace(data, status=YearStatus.UNCONFIRMED))
    assert 244 <= data.count_working_days() <= 252
    for off in data.days_off:
        assert off.moved_from is not None
        assert not is_january_holiday(off.moved_from)


def test_fallback_years_are_flagged_provisional() -> None:
    calendar = default_calendar()
    assert calendar.year_status(2028) == YearStatus.PROVISIONAL
    assert calendar.is_provisional(date(2028, 3, 1))
    assert calendar.is_provisional(datetime(2028, 3, 1, 12, tzinfo=MSK))
    info = calendar.day_info(date(2028, 11, 6))  # Nov 4 2028 is a Saturday
    assert info.kind == DayKind.DAY_OFF
    assert info.moved_from == date(2028, 11, 4)
    assert info.provisional
    # An explicit empty year set makes even 2025 provisional.
    assert _fallback_only().year_status(2025) == YearStatus.PROVISIONAL
