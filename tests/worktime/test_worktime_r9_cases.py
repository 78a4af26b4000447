"""Hand-checked R9 cases: each expected instant was worked out on the production calendar.

R9: 09:00-18:00 Moscow, no lunch break (9 h a day), Mon-Fri except the calendar's days off,
plus working weekend days; pre-holiday days 09:00-17:00 (8 h). Clocks of a ticket
registered outside working time start at the next working minute.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from supportline.worktime import DayKind, YearStatus, default_calendar

MSK = ZoneInfo("Europe/Moscow")
YEKT = ZoneInfo("Asia/Yekaterinburg")
H = timedelta(hours=1)
US = timedelta(microseconds=1)


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)  # type: ignore[misc]


def add(start: datetime, duration: timedelta) -> datetime:
    return default_calendar().add_working_time(start, duration)


def between(a: datetime, b: datetime) -> timedelta:
    return default_calendar().working_time_between(a, b)


# -- short days and day close -------------------------------------------------------------


def test_r9_registered_1630_on_short_working_saturday_continues_after_long_weekend() -> None:
    # Sat 2025-11-01 is a working Saturday shortened to 17:00; Nov 2 is Sunday, Nov 3 a day
    # off moved from Nov 1, Nov 4 a holiday. 30 min on Saturday + 30 min on Wed Nov 5.
    assert add(msk(2025, 11, 1, 16, 30), H) == msk(2025, 11, 5, 9, 30)


def test_r9_registered_1730_on_short_day_starts_next_working_morning() -> None:
    registered = msk(2025, 11, 1, 17, 30)
    assert not default_calendar().is_working_time(registered)
    assert default_calendar().next_working_instant(registered) == msk(2025, 11, 5, 9)
    assert add(registered, H) == msk(2025, 11, 5, 10)


def test_r9_full_day_from_opening_ends_at_1800_same_day_not_next_morning() -> None:
    # Tue 2025-03-04 is an ordinary working day of 9 hours.
    assert add(msk(2025, 3, 4, 9), 9 * H) == msk(2025, 3, 4, 18)
    assert add(msk(2025, 3, 4, 9), 8 * H) == msk(2025, 3, 4, 17)
    assert add(msk(2025, 3, 4, 9), 9 * H + US) == msk(2025, 3, 5, 9, 0, 0, 1)


def test_r9_short_day_from_opening_ends_at_1700() -> None:
    # Fri 2025-03-07 precedes the Saturday holiday Mar 8 and is shortened.
    assert add(msk(2025, 3, 7, 9), 8 * H) == msk(2025, 3, 7, 17)
    # One microsecond more spills over the weekend (Mar 8 stays a Saturday holiday, its day
    # off having moved to Jun 13) to Monday.
    assert add(msk(2025, 3, 7, 9), 8 * H + US) == msk(2025, 3, 10, 9, 0, 0, 1)
    assert between(msk(2025, 3, 7), msk(2025, 3, 8)) == 8 * H


def test_r9_short_day_before_may_holidays_2026() -> None:
    # Thu 2026-04-30 ends at 17:00; May 1 (Fri) holiday, May 2-3 weekend.
    assert add(msk(2026, 4, 30, 16), 2 * H) == msk(2026, 5, 4, 10)


def test_r9_working_short_saturday_2024_11_02_is_eight_hours() -> None:
    assert add(msk(2024, 11, 2, 9), 8 * H) == msk(2024, 11, 2, 17)
    # Nov 3 Sunday, Nov 4 Monday holiday: the ninth hour falls on Tuesday.
    assert add(msk(2024, 11, 2, 9), 9 * H) == msk(2024, 11, 5, 10)


def test_r9_eve_of_defenders_day_2023_then_transferred_day_off() -> None:
    # Wed 2023-02-22 short, Feb 23 holiday, Fri Feb 24 day off moved from Sun Jan 1.
    assert add(msk(2023, 2, 22, 16), 2 * H) == msk(2023, 2, 27, 10)


# -- zero duration, outside hours, opening and closing instants ---------------------------


def test_r9_zero_duration_outside_hours_returns_start_unchanged() -> None:
    start = msk(2025, 3, 9, 3, 15)  # a Sunday night
    assert add(start, timedelta(0)) is start


def test_r9_ticket_on_sunday_night_starts_monday_0900() -> None:
    assert add(msk(2025, 3, 9, 22), 4 * H) == msk(2025, 3, 10, 13)
    assert default_calendar().next_working_instant(msk(2025, 3, 9, 22)) == msk(2025, 3, 10, 9)


def test_r9_opening_instant_is_working_and_closing_instant_is_not() -> None:
    calendar = default_calendar()
    assert calendar.is_working_time(msk(2025, 3, 4, 9))
    assert calendar.is_working_time(msk(2025, 3, 4, 17, 59, 59, 999999))
    assert not calendar.is_working_time(msk(2025, 3, 4, 18))
    assert not calendar.is_working_time(msk(2025, 3, 4, 8, 59, 59, 999999))
    assert calendar.next_working_instant(msk(2025, 3, 4, 18)) == msk(2025, 3, 5, 9)
    inside = msk(2025, 3, 4, 12, 34, 56, 789)
    assert calendar.next_working_instant(inside) is inside


# -- transfers --------------------------------------------------------------------------


def test_r9_working_saturday_counts_as_full_day() -> None:
    # Sat 2024-04-27 worked in full; Apr 29-30 days off, May 1 holiday.
    assert default_calendar().day_kind(date(2024, 4, 27)) == DayKind.WORKING
    assert add(msk(2024, 4, 27, 10), 8 * H) == msk(2024, 4, 27, 18)
    assert between(msk(2024, 4, 26, 9), msk(2024, 5, 2, 9)) == 18 * H
    # The other full working Saturday of 2024.
    assert between(msk(2024, 12, 28), msk(2024, 12, 29)) == 9 * H


def test_r9_transferred_day_off_does_not_count() -> None:
    calendar = default_calendar()
    assert calendar.day_kind(date(2024, 4, 29)) == DayKind.DAY_OFF
    assert not calendar.is_working_time(msk(2024, 4, 29, 12))
    assert between(msk(2024, 4, 29), msk(2024, 5, 1)) == timedelta(0)
    assert add(msk(2024, 4, 26, 17), 2 * H) == msk(2024, 4, 27, 10)


def test_r9_new_year_block_2025_2026() -> None:
    # Tue 2025-12-30 ends 18:00 (not shortened); Dec 31 day off, Jan 1-8 holidays, Jan 9
    # a day off moved from Sat Jan 3, Jan 10-11 weekend: work resumes Mon 2026-01-12.
    assert add(msk(2025, 12, 30, 17), 2 * H) == msk(2026, 1, 12, 10)
    assert between(msk(2025, 12, 30, 18), msk(2026, 1, 12, 9)) == timedelta(0)


def test_r9_new_year_block_2023_2024() -> None:
    # Fri 2023-12-29, weekend Dec 30-31, holidays Jan 1-8 2024 (Jan 8 is a Monday).
    assert add(msk(2023, 12, 29, 17), 2 * H) == msk(2024, 1, 9, 10)


def test_r9_year_end_into_provisional_2028() -> None:
    # Dec 31 2027 day off (moved from Jan 3); 2028 has no data: Jan 1-8 holidays (Sat-Sat),
    # Jan 9 Sunday, so the deadline is Mon 2028-01-10 and lies in a provisional year.
    calendar = default_calendar()
    deadline = add(msk(2027, 12, 30, 17), 2 * H)
    assert deadline == msk(2028, 1, 10, 10)
    assert calendar.is_provisional(deadline)
    assert not calendar.is_provisional(msk(2027, 12, 30, 17))


# -- signs, zones, precision ------------------------------------------------------------


def test_r9_between_is_negative_when_reversed() -> None:
    a, b = msk(2025, 3, 4, 9), msk(2025, 3, 5, 9)
    assert between(a, b) == 9 * H
    assert between(b, a) == -9 * H
    assert between(a, a) == timedelta(0)


@pytest.mark.parametrize("operation", ["add", "between", "is_working", "next_working"])
def test_r9_naive_datetime_raises_value_error(operation: str) -> None:
    calendar = default_calendar()
    naive = datetime(2025, 3, 4, 10)
    aware = msk(2025, 3, 4, 10)
    with pytest.raises(ValueError, match="naive"):
        if operation == "add":
            calendar.add_working_time(naive, H)
        elif operation == "between":
            calendar.working_time_between(aware, naive)
        elif operation == "is_working":
            calendar.is_working_time(naive)
        else:
            calendar.next_working_instant(naive)


def test_r9_negative_duration_and_wrong_types_are_refused() -> None:
    calendar = default_calendar()
    with pytest.raises(ValueError, match="negative"):
        calendar.add_working_time(msk(2025, 3, 4, 10), -US)
    with pytest.raises(TypeError):
        calendar.add_working_time(msk(2025, 3, 4, 10), 3600)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        calendar.working_time_between(date(2025, 3, 4), msk(2025, 3, 4, 10))  # type: ignore[arg-type]


def test_r9_other_zones_give_the_same_instants() -> None:
    # 06:00 UTC = 11:00 Yekaterinburg = 09:00 Moscow.
    in_utc = datetime(2025, 3, 4, 6, tzinfo=UTC)
    in_yekt = datetime(2025, 3, 4, 11, tzinfo=YEKT)
    result_utc = add(in_utc, H)
    result_yekt = add(in_yekt, H)
    assert result_utc == result_yekt == msk(2025, 3, 4, 10)
    assert result_utc.tzinfo is UTC
    assert result_utc.hour == 7
    assert result_yekt.tzinfo is YEKT
    assert result_yekt.hour == 12
    assert between(in_utc, in_yekt + 2 * H) == 2 * H
    # 05:59 UTC is 08:59 in Moscow: outside working time though it is daytime in Yekaterinburg.
    assert not default_calendar().is_working_time(datetime(2025, 3, 4, 5, 59, tzinfo=UTC))


def test_r9_microseconds_are_exact() -> None:
    assert add(msk(2025, 3, 4, 17, 59, 59, 999999), US) == msk(2025, 3, 4, 18)
    assert add(msk(2025, 3, 4, 17, 59, 59, 999999), 2 * US) == msk(2025, 3, 5, 9, 0, 0, 1)
    assert between(msk(2025, 3, 4, 9, 0, 0, 1), msk(2025, 3, 4, 9, 0, 0, 3)) == 2 * US
    assert between(msk(2025, 3, 4, 8, 59, 59, 999999), msk(2025, 3, 4, 9, 0, 0, 1)) == US
    odd = timedelta(hours=3, minutes=7, seconds=11, microseconds=123457)
    assert add(msk(2025, 3, 4, 16, 0, 0, 500000), odd) == msk(2025, 3, 5, 10, 7, 11, 623457)


def test_r9_day_kinds_and_hours() -> None:
    calendar = default_calendar()
    assert calendar.day_kind(date(2025, 3, 4)) == "working"
    assert calendar.day_kind(date(2025, 3, 7)) == "short"
    assert calendar.day_kind(date(2025, 3, 8)) == "holiday"
    assert calendar.day_kind(date(2025, 3, 9)) == "weekend"
    assert calendar.day_kind(date(2025, 6, 13)) == "day_off"
    assert calendar.working_hours(date(2025, 3, 4)) == (time(9), time(18))
    assert calendar.working_hours(date(2025, 11, 1)) == (time(9), time(17))
    assert calendar.working_hours(date(2025, 11, 3)) is None
    info = calendar.day_info(date(2025, 11, 3))
    assert info.kind == DayKind.DAY_OFF
    assert info.moved_from == date(2025, 11, 1)
    assert info.status == YearStatus.OFFICIAL
    assert not info.overridden
    assert not info.is_working
    # An aware datetime means its Moscow date: 22:00 UTC on Sat Mar 8 is Sun Mar 9 01:00.
    assert calendar.day_kind(datetime(2025, 3, 8, 22, tzinfo=UTC)) == "weekend"


def test_r9_year_statuses() -> None:
    calendar = default_calendar()
    assert calendar.year_status(2023) == "official"
    assert calendar.year_status(2026) == "official"
    assert calendar.year_status(2027) == "unconfirmed"
    assert calendar.year_status(2030) == "provisional"
    assert calendar.is_provisional(date(2030, 5, 5))
    assert not calendar.is_provisional(date(2027, 5, 5))


def test_default_calendar_is_cached_and_r9_configured() -> None:
    calendar = default_calendar()
    assert default_calendar() is calendar
    assert str(calendar.tz) == "Europe/Moscow"
    assert (calendar.day_start, calendar.day_end, calendar.short_day_end) == (
        time(9),
        time(18),
        time(17),
    )
    assert sorted(calendar.years) == [2023, 2024, 2025, 2026, 2027]
