"""Calendar construction, administrator overrides, uploaded years, DST zones, the lazily
built range, and thread safety."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from supportline.worktime import (
    MAX_YEAR,
    Calendar,
    DayKind,
    YearStatus,
    build_calendar,
    default_calendar,
    fallback_year,
    load_packaged_years,
    parse_year_file,
)

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MSK)  # type: ignore[misc]


# -- overrides --------------------------------------------------------------------------------


def test_override_day_off_shifts_the_deadline() -> None:
    # Mon 2025-03-03 17:00 + 2 h: normally Tue 10:00; with Tue made a day off, Wed 10:00.
    start = msk(2025, 3, 3, 17)
    assert default_calendar().add_working_time(start, 2 * H) == msk(2025, 3, 4, 10)
    calendar = build_calendar(overrides={date(2025, 3, 4): "day_off"})
    assert calendar.add_working_time(start, 2 * H) == msk(2025, 3, 5, 10)
    assert calendar.working_time_between(msk(2025, 3, 3), msk(2025, 3, 6)) == 18 * H
    info = calendar.day_info(date(2025, 3, 4))
    assert info.kind == DayKind.DAY_OFF
    assert info.overridden


def test_override_kinds_on_weekend_and_weekday() -> None:
    calendar = build_calendar(
        overrides={
            date(2025, 3, 15): "working",  # a Saturday
            date(2025, 3, 16): DayKind.SHORT,  # a Sunday
            date(2025, 3, 19): "holiday",  # a Wednesday
        }
    )
    assert calendar.working_time_between(msk(2025, 3, 15), msk(2025, 3, 17)) == 17 * H
    assert calendar.working_hours(date(2025, 3, 16)) == (time(9), time(17))
    assert calendar.day_kind(date(2025, 3, 19)) == "holiday"
    assert calendar.working_time_between(msk(2025, 3, 19), msk(2025, 3, 20)) == timedelta(0)
    # An override has no side effects: the eve of the new holiday keeps its full hours.
    assert calendar.day_kind(date(2025, 3, 18)) == "working"
    assert calendar.overrides[date(2025, 3, 15)] is DayKind.WORKING


def test_override_of_transferred_day_off_drops_its_origin() -> None:
    calendar = build_calendar(overrides={date(2024, 4, 29): "working"})
    info = calendar.day_info(date(2024, 4, 29))
    assert info.kind == DayKind.WORKING
    assert info.moved_from is None
    assert info.overridden
    assert info.hours == (time(9), time(18))


def test_override_in_a_provisional_year() -> None:
    calendar = build_calendar(overrides={date(2030, 2, 25): "working"})
    assert calendar.day_kind(date(2030, 2, 25)) == "working"
    assert calendar.year_status(2030) == YearStatus.PROVISIONAL


def test_overrides_do_not_leak_into_other_calendars() -> None:
    build_calendar(overrides={date(2025, 3, 4): "day_off"}).preload(2025, 2025)
    assert default_calendar().day_kind(date(2025, 3, 4)) == "working"


@pytest.mark.parametrize(
    ("overrides", "error", "message"),
    [
        ({date(2025, 3, 4): "weekend"}, ValueError, "not one of"),
        ({date(2025, 3, 4): "rest"}, ValueError, "not one of"),
        ({datetime(2025, 3, 4, tzinfo=UTC): "working"}, TypeError, "must be dates"),
        ({"2025-03-04": "working"}, TypeError, "must be dates"),
        ({date(1850, 3, 4): "working"}, ValueError, "outside"),
    ],
)
def test_invalid_overrides_are_refused(overrides: object, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        Calendar(overrides=overrides)  # type: ignore[arg-type]


# -- years --------------------------------------------------------------------------------------


def test_uploaded_year_replaces_the_fallback_without_code_change() -> None:
    upload = b"""{
      "year": 2028, "status": "official", "decree": "Test decree No. 1", "source": "test",
      "holidays": ["2028-01-01", "2028-01-02", "2028-01-03", "2028-01-04", "2028-01-05",
                   "2028-01-06", "2028-01-07", "2028-01-08", "2028-02-23", "2028-03-08",
                   "2028-05-01", "2028-05-09", "2028-06-12", "2028-11-04"],
      "days_off": [{"date": "2028-01-10", "from": "2028-01-01"}],
      "working_weekends": [], "short_days": []
    }"""
    year = parse_year_file(upload)
    calendar = build_calendar(extra_years=[year])
    assert calendar.year_status(2028) == YearStatus.OFFICIAL
    assert calendar.day_kind(date(2028, 1, 10)) == DayKind.DAY_OFF
    assert default_calendar().day_kind(date(2028, 1, 10)) == DayKind.WORKING
    # Dec 31 2027 is a day off and Jan 1-9 2028 are off: work resumes on Jan 11.
    assert calendar.add_working_time(msk(2027, 12, 30, 17), 2 * H) == msk(2028, 1, 11, 10)
    assert sorted(calendar.years) == [2023, 2024, 2025, 2026, 2027, 2028]


def test_years_mapping_must_be_keyed_by_its_own_year() -> None:
    with pytest.raises(ValueError, match="holds the data of year 2024"):
        Calendar(years={2025: load_packaged_years()[2024]})


def test_provisional_year_data_cannot_be_passed_as_data() -> None:
    with pytest.raises(ValueError, match="reserved"):
        Calendar(years={2030: fallback_year(2030)})


# -- settings and zones ------------------------------------------------------------------------


def test_constructor_validates_settings() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        Calendar(tz="Europe/Atlantis")
    with pytest.raises(ValueError, match="day_start < short_day_end <= day_end"):
        Calendar(day_start=time(9), day_end=time(18), short_day_end=time(19))
    with pytest.raises(TypeError, match=r"naive datetime\.time"):
        Calendar(day_start=time(9, tzinfo=UTC))


def test_dst_zone_days_keep_their_local_hours_across_spring_switch() -> None:
    # Europe/Berlin moved to summer time on Sun 2024-03-31; no Russian holiday is near.
    calendar = Calendar(tz="Europe/Berlin", years={})
    friday = datetime(2024, 3, 29, 9, tzinfo=BERLIN)
    monday = datetime(2024, 4, 1, 9, tzinfo=BERLIN)
    assert friday.utcoffset() == H
    assert monday.utcoffset() == 2 * H
    assert calendar.working_time_between(friday, monday + 9 * H) == 18 * H
    assert calendar.working_time_between(monday, monday + timedelta(days=1)) == 9 * H
    assert calendar.add_working_time(friday + 8 * H, 2 * H) == monday + H
    # In UTC the Monday opening is one hour earlier than the Friday one.
    assert calendar.next_working_instant(friday + 10 * H).astimezone(UTC).hour == 7


def test_dst_zone_autumn_switch() -> None:
    calendar = Calendar(tz="Europe/Berlin", years={})
    friday = datetime(2024, 10, 25, 9, tzinfo=BERLIN)
    monday = datetime(2024, 10, 28, 9, tzinfo=BERLIN)
    assert calendar.working_time_between(friday, monday + 9 * H) == 18 * H
    assert calendar.add_working_time(friday + 8 * H, 2 * H) == monday + H


def test_custom_hours() -> None:
    calendar = Calendar(
        tz="Asia/Vladivostok", day_start=time(8, 30), day_end=time(17), short_day_end=time(16)
    )
    start = datetime(2025, 3, 4, 8, 30, tzinfo=ZoneInfo("Asia/Vladivostok"))
    assert calendar.add_working_time(start, 8 * H + 30 * timedelta(minutes=1)) == start.replace(
        hour=17, minute=0
    )
    assert calendar.working_hours(date(2025, 3, 7)) == (time(8, 30), time(16))


# -- the lazily built range --------------------------------------------------------------------


def test_far_years_are_built_on_demand_and_agree_both_ways() -> None:
    calendar = Calendar()
    near = calendar.working_time_between(msk(2025, 1, 1), msk(2025, 7, 1))
    # Extending backwards renumbers the prefix sums; answers must not change.
    far = calendar.working_time_between(msk(1990, 1, 1), msk(1990, 7, 1))
    assert calendar.working_time_between(msk(2025, 1, 1), msk(2025, 7, 1)) == near
    assert far == Calendar().working_time_between(msk(1990, 1, 1), msk(1990, 7, 1))
    # Across the whole gap in one call.
    total = calendar.working_time_between(msk(1990, 1, 1), msk(2099, 1, 1))
    assert 100 * 240 * 9 * H < total < 110 * 252 * 9 * H


def test_long_duration_extends_forward() -> None:
    calendar = Calendar()
    start = msk(2025, 3, 4, 9)
    deadline = calendar.add_working_time(start, 2000 * 9 * H)
    assert calendar.working_time_between(start, deadline) == 2000 * 9 * H
    assert deadline.year == 2033


def test_supported_range_is_enforced() -> None:
    calendar = default_calendar()
    with pytest.raises(ValueError, match="supported"):
        calendar.working_time_between(msk(2025, 1, 1), datetime(2101, 6, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="supported"):
        calendar.is_working_time(datetime(1899, 6, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match=str(MAX_YEAR)):
        calendar.add_working_time(msk(2099, 1, 1), timedelta(days=10_000))
    with pytest.raises(ValueError, match="supported"):
        calendar.day_kind(date(2200, 1, 1))


def test_concurrent_first_use_from_threads_agrees() -> None:
    calendar = Calendar()
    reference = Calendar()
    starts = [msk(2000 + n, 3, 4, 17) for n in range(40)]
    expected = [reference.add_working_time(s, 20 * H) for s in starts]
    results: dict[int, list[datetime]] = {}

    def work(index: int) -> None:
        order = starts[index:] + starts[:index]
        got = [calendar.add_working_time(s, 20 * H) for s in order]
        results[index] = got[-index:] + got[:-index] if index else got

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(got == expected for got in results.values())


@pytest.mark.parametrize("year", [1900, 1970, 2038, 2100])
def test_microsecond_exactness_holds_at_the_ends_of_the_supported_range(year: int) -> None:
    # Results go through a float of epoch seconds, exact only while |seconds| < 2**32.
    calendar = default_calendar()
    day = date(year, 3, 1)
    while calendar.day_kind(day) != "working":
        day += timedelta(days=1)
    start = datetime.combine(day, time(17, 59, 59, 999998), MSK)
    us = timedelta(microseconds=1)
    assert calendar.add_working_time(start, us) == start + us
    assert calendar.add_working_time(start, 2 * us) == start + 2 * us
    following = calendar.next_working_instant(start + 2 * us)
    assert calendar.add_working_time(start, 3 * us) == following + us
    assert calendar.working_time_between(start, following + us) == 3 * us


def test_working_days_before_skips_weekends_and_holidays() -> None:
    cal = default_calendar()
    msk = ZoneInfo("Europe/Moscow")
    # Monday 30 Nov 2026, 13:00: Friday, Thursday, Wednesday back (the weekend skipped).
    monday = datetime(2026, 11, 30, 13, 0, tzinfo=msk)
    assert cal.working_days_before(monday, 3) == datetime(2026, 11, 25, 13, 0, tzinfo=msk)
    # Friday 6 Nov 2026: 4 Nov (National Unity Day) is not a working day.
    friday = datetime(2026, 11, 6, 13, 0, tzinfo=msk)
    assert cal.working_days_before(friday, 3) == datetime(2026, 11, 2, 13, 0, tzinfo=msk)
    # From a Saturday, counted back from Friday; the answer keeps the caller's zone.
    saturday = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    assert cal.working_days_before(saturday, 1) == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert cal.working_days_before(monday, 0) == monday
    with pytest.raises(ValueError):
        cal.working_days_before(datetime(2026, 11, 30, 13, 0), 3)
