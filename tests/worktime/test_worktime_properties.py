"""Property tests of the R9 engine against the independent brute-force model."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from supportline.worktime import default_calendar
from tests.worktime import worktime_oracle as oracle

MOSCOW = ZoneInfo("Europe/Moscow")
# The same instants presented in other zones must give the same answers.
PRESENTATION_ZONES = (
    MOSCOW,
    UTC,
    ZoneInfo("Asia/Yekaterinburg"),
    ZoneInfo("America/New_York"),
    timezone(timedelta(hours=-3, minutes=-30)),
)
US = timedelta(microseconds=1)
WORKING_DAY = timedelta(hours=9)

PROPERTY_SETTINGS = settings(max_examples=400, deadline=None)


@cache
def special_dates() -> list[date]:
    """Every date the data single out, their neighbours, and the year edges."""
    days: set[date] = set()
    for item in oracle.raw_years().values():
        listed = [
            *item["holidays"],
            *(o["date"] for o in item["days_off"]),
            *item["working_weekends"],
            *item["short_days"],
        ]
        for text in listed:
            day = date.fromisoformat(text)
            days.update(day + timedelta(days=n) for n in (-1, 0, 1))
        year = item["year"]
        days.update({date(year, 1, 1), date(year, 12, 30), date(year, 12, 31)})
    return sorted(d for d in days if oracle.FIRST_DAY <= d <= oracle.LAST_DAY)


BOUNDARY_TIMES = [
    time(0, 0),
    time(8, 59),
    time(8, 59, 59, 999999),
    time(9, 0),
    time(9, 0, 0, 1),
    time(12, 30),
    time(16, 59),
    time(16, 59, 59, 999999),
    time(17, 0),
    time(17, 0, 0, 1),
    time(17, 59),
    time(17, 59, 59, 999999),
    time(18, 0),
    time(18, 0, 0, 1),
    time(23, 59, 59, 999999),
]

days_strategy = st.one_of(
    st.sampled_from(special_dates()),
    st.dates(min_value=oracle.FIRST_DAY, max_value=oracle.LAST_DAY),
)
times_strategy = st.one_of(st.sampled_from(BOUNDARY_TIMES), st.times())


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    local = datetime.combine(draw(days_strategy), draw(times_strategy), MOSCOW)
    return local.astimezone(draw(st.sampled_from(PRESENTATION_ZONES)))


durations = st.one_of(
    st.sampled_from(
        [
            timedelta(0),
            US,
            timedelta(seconds=1),
            timedelta(minutes=1),
            timedelta(hours=1),
            timedelta(hours=8),
            timedelta(hours=8) + US,
            WORKING_DAY - US,
            WORKING_DAY,
            WORKING_DAY + US,
            2 * WORKING_DAY,
            5 * WORKING_DAY,
        ]
    ),
    st.integers(0, 10 * 9 * 60).map(lambda minutes: timedelta(minutes=minutes)),
    st.integers(0, 12 * 9 * 3600 * 1_000_000).map(lambda us: timedelta(microseconds=us)),
)


def test_oracle_assumptions() -> None:
    # The model takes Moscow as a fixed UTC+3 over the whole period.
    for year in range(2023, 2029):
        for month in (1, 4, 7, 10):
            assert datetime(year, month, 1, tzinfo=MOSCOW).utcoffset() == timedelta(hours=3)
    assert len(oracle.day_table()) == oracle.DAYS


@PROPERTY_SETTINGS
@given(instants(), instants())
def test_r9_between_matches_brute_force(a: datetime, b: datetime) -> None:
    assert default_calendar().working_time_between(a, b) == oracle.between(a, b)


@PROPERTY_SETTINGS
@given(instants(), durations)
def test_r9_add_matches_brute_force_and_is_minimal(start: datetime, duration: timedelta) -> None:
    expected = oracle.add(start, duration)
    assume(expected is not None)
    calendar = default_calendar()
    result = calendar.add_working_time(start, duration)
    assert result == expected
    assert result.tzinfo is start.tzinfo
    assert calendar.working_time_between(start, result) == duration
    if duration:
        # Minimal: one microsecond earlier the duration is not yet used up.
        assert oracle.between(start, result - US) < duration


@PROPERTY_SETTINGS
@given(instants(), instants())
def test_r9_add_of_between_returns_to_b(a: datetime, b: datetime) -> None:
    a, b = min(a, b), max(a, b)
    calendar = default_calendar()
    spent = calendar.working_time_between(a, b)
    back = calendar.add_working_time(a, spent)
    assert back <= b
    if spent and oracle.is_working(b - US):
        # Working time runs right up to b, so nothing earlier reaches the same amount.
        assert back == b
    else:
        assert calendar.working_time_between(back, b) == timedelta(0)


@PROPERTY_SETTINGS
@given(instants(), instants(), instants())
def test_r9_between_is_additive_and_antisymmetric(a: datetime, b: datetime, c: datetime) -> None:
    calendar = default_calendar()
    ab = calendar.working_time_between(a, b)
    bc = calendar.working_time_between(b, c)
    assert ab + bc == calendar.working_time_between(a, c)
    assert calendar.working_time_between(b, a) == -ab


@PROPERTY_SETTINGS
@given(instants())
def test_r9_clock_start_matches_brute_force(dt: datetime) -> None:
    calendar = default_calendar()
    assert calendar.is_working_time(dt) == oracle.is_working(dt)
    expected = oracle.next_working(dt)
    assume(expected is not None)
    start = calendar.next_working_instant(dt)
    assert start == expected
    assert start.tzinfo is dt.tzinfo
    local = start.astimezone(MOSCOW)
    assert calendar.day_kind(local.date()) in {"working", "short"}


EPOCH_US_2020 = 1_577_826_000_000_000  # 2020-01-01 00:00 Moscow time
EPOCH_US_2028 = 1_830_286_800_000_000  # 2028-01-01 00:00 Moscow time


@PROPERTY_SETTINGS
@given(
    a=st.integers(EPOCH_US_2020, EPOCH_US_2028),
    span=st.integers(-40 * 86_400_000_000, 400 * 86_400_000_000),
    whole_minutes=st.booleans(),
)
def test_working_us_between_equals_working_time_between(
    a: int, span: int, whole_minutes: bool
) -> None:
    """The integer form (reports over many instants) is the datetime form in microseconds."""
    cal = default_calendar()
    if whole_minutes:
        a -= a % 60_000_000
        span -= span % 60_000_000
    b = min(max(EPOCH_US_2020, a + span), EPOCH_US_2028)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    expected = cal.working_time_between(epoch + a * US, epoch + b * US)
    assert cal.working_us_between(a, b) == expected // US
