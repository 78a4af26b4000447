"""Property test: `sla_figures` (the figures-only clock on epoch microseconds, for reports and
the what-if) equals `compute_sla` over the same events — and the minute-stepping reference —
on valid histories, and raises the same error on invalid ones."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supportline.regulation import Regulation, default_regulation
from supportline.sla import EVENT_TYPES, SlaEvent, SlaInputError, compute_sla
from supportline.sla.clock import ClockFigures, sla_figures
from supportline.worktime import default_calendar

from .simple_calendar import MINUTE, TEST_CALENDAR, SimpleCalendar, msk
from .test_sla_property import LEVELS, reference, tickets

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
US = dt.timedelta(microseconds=1)


def us(moment: dt.datetime) -> int:
    return (moment - EPOCH) // US


class MicrosecondsOf:
    """A datetime calendar seen through integer instants (the simple test calendar)."""

    def __init__(self, calendar: SimpleCalendar) -> None:
        self.calendar = calendar

    def working_us_between(self, a: int, b: int) -> int:
        return self.calendar.working_time_between(EPOCH + a * US, EPOCH + b * US) // US


def figures_of(
    level: str, now: dt.datetime, events: list[SlaEvent], regulation: Regulation, calendar: object
) -> object:
    return sla_figures(
        level,
        us(now),
        [(us(e.at), e.type, e.level) for e in events],
        calendar=calendar,  # type: ignore[arg-type]
        regulation=regulation,
    )


def expected_figures(
    level: str, now: dt.datetime, events: list[SlaEvent], regulation: Regulation, calendar: object
) -> tuple[str, ClockFigures, ClockFigures]:
    sla = compute_sla(level, now, events, calendar=calendar, regulation=regulation)  # type: ignore[arg-type]

    def clock(which: str) -> ClockFigures:
        c = sla.reaction if which == "reaction" else sla.resolution
        last = c.intervals[-1]
        return ClockFigures(
            c.state,
            c.elapsed_minutes,
            c.target_minutes,
            c.paused_minutes,
            last.kind in ("stopped", "evaluation"),
            us(last.start) if last.kind == "paused" else None,
        )

    return sla.level, clock("reaction"), clock("resolution")


@settings(max_examples=400, deadline=None)
@given(ticket=tickets())
def test_figures_equal_compute_sla_and_the_reference_on_the_test_calendar(
    ticket: tuple[str, dt.datetime, list[SlaEvent], Regulation],
) -> None:
    level, now, events, regulation = ticket
    result = figures_of(level, now, events, regulation, MicrosecondsOf(TEST_CALENDAR))
    assert result == expected_figures(level, now, events, regulation, TEST_CALENDAR)
    brute = reference(level, now, events, regulation)
    assert result.level == brute["level"]["id"]  # type: ignore[attr-defined]
    for name in ("reaction", "resolution"):
        clock = getattr(result, name)
        assert clock.elapsed_minutes == brute[name]["elapsed_minutes"]
        assert clock.paused_minutes == brute[name]["paused_minutes"]
        assert str(clock.state) == brute[name]["state"]


@settings(max_examples=300, deadline=None)
@given(ticket=tickets(), shift_days=st.integers(-60, 400), seconds=st.integers(0, 59))
def test_figures_equal_compute_sla_on_the_production_calendar(
    ticket: tuple[str, dt.datetime, list[SlaEvent], Regulation], shift_days: int, seconds: int
) -> None:
    level, now, events, regulation = ticket
    # Spread over the production calendar's holidays, short days and years; odd seconds.
    shift = dt.timedelta(days=shift_days, seconds=seconds)
    events = [SlaEvent(e.at + shift, e.type, e.level) for e in events]
    now += shift
    calendar = default_calendar()
    assert figures_of(level, now, events, regulation, calendar) == expected_figures(
        level, now, events, regulation, calendar
    )


def _error(call: object) -> tuple[int | None, str | None, str] | str:
    try:
        call()  # type: ignore[operator]
    except SlaInputError as error:
        return (error.index, error.event_type, error.reason)
    return "ok"


@settings(max_examples=400, deadline=None)
@given(
    level=st.sampled_from([*LEVELS, "nope"]),
    steps=st.lists(
        st.tuples(
            st.integers(-120, 600),
            st.sampled_from([*EVENT_TYPES, "other"]),
            st.none() | st.sampled_from([*LEVELS, "nope"]),
        ),
        max_size=8,
    ),
    after=st.integers(-60, 600),
)
def test_figures_raise_the_same_errors_as_compute_sla(
    level: str, steps: list[tuple[int, str, str | None]], after: int
) -> None:
    regulation = default_regulation()
    at = msk(2025, 3, 3, 10)
    events = []
    for gap, kind, lv in steps:
        at += gap * MINUTE
        events.append(SlaEvent(at, kind, lv))
    now = at + after * MINUTE
    calendar = default_calendar()
    expected = _error(
        lambda: compute_sla(level, now, events, calendar=calendar, regulation=regulation)
    )
    got = _error(lambda: figures_of(level, now, events, regulation, calendar))
    if isinstance(expected, tuple) and isinstance(got, tuple):
        # The same event and the same problem (a message naming an instant prints it in UTC).
        assert got[:2] == expected[:2]
        if "now (" not in expected[2] and "предыдущего (" not in expected[2]:
            assert got[2] == expected[2]
    else:
        assert got == expected
    if expected == "ok":
        assert figures_of(level, now, events, regulation, calendar) == expected_figures(
            level, now, events, regulation, calendar
        )


def test_instants_must_be_integers() -> None:
    regulation = default_regulation()
    with pytest.raises(SlaInputError, match="целым числом микросекунд"):
        sla_figures(
            "standard",
            10**15,
            [(1.5, "registered", None)],
            calendar=default_calendar(),
            regulation=regulation,
        )  # type: ignore[list-item]
    with pytest.raises(SlaInputError, match="now"):
        sla_figures(
            "standard", msk(2025, 3, 3), [], calendar=default_calendar(), regulation=regulation
        )  # type: ignore[arg-type]
