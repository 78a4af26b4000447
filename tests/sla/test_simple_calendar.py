"""The test calendar agrees with its brute-force minute-stepping reference (R9, simplified)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .simple_calendar import (
    MINUTE,
    TEST_CALENDAR,
    brute_add_minutes,
    brute_working_minutes,
    msk,
)

BASE = msk(2025, 3, 1)
instants = st.integers(0, 30 * 24 * 60).map(lambda m: BASE + m * MINUTE)


@settings(max_examples=60, deadline=None)
@given(a=instants, span=st.integers(0, 4 * 24 * 60))
def test_r9_working_time_between_matches_minute_stepping(a: dt.datetime, span: int) -> None:
    b = a + span * MINUTE
    expected = brute_working_minutes(TEST_CALENDAR, a, b) * MINUTE
    assert TEST_CALENDAR.working_time_between(a, b) == expected
    assert TEST_CALENDAR.working_time_between(b, a) == -expected


@settings(max_examples=60, deadline=None)
@given(start=instants, minutes=st.integers(0, 1500))
def test_r9_add_working_time_matches_minute_stepping(start: dt.datetime, minutes: int) -> None:
    assert TEST_CALENDAR.add_working_time(start, minutes * MINUTE) == brute_add_minutes(
        TEST_CALENDAR, start, minutes
    )


def test_r9_test_calendar_special_days() -> None:
    # Fri 7 March is short (until 17:00), Mon 10 is a holiday, Sat 22 is a working Saturday.
    assert TEST_CALENDAR.working_time_between(msk(2025, 3, 7), msk(2025, 3, 8)) == dt.timedelta(
        hours=8
    )
    assert TEST_CALENDAR.working_time_between(msk(2025, 3, 8), msk(2025, 3, 11)) == dt.timedelta()
    assert TEST_CALENDAR.working_time_between(msk(2025, 3, 22), msk(2025, 3, 23)) == dt.timedelta(
        hours=9
    )
    assert TEST_CALENDAR.add_working_time(msk(2025, 3, 7, 16, 30), 31 * MINUTE) == msk(
        2025, 3, 11, 9, 1
    )


def test_r9_test_calendar_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        TEST_CALENDAR.working_time_between(dt.datetime(2025, 3, 3), msk(2025, 3, 4))
