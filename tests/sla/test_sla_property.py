"""Property test: compute_sla agrees with a brute-force minute-stepping reference clock.

The reference steps minute by minute from registration to ``now``, applies the events due at
each minute to its own per-minute state machine and counts the working minutes of each state;
deadlines are found by stepping on past ``now``. Histories are random but valid; targets are
random too, so that breaches, past deadlines and projections all occur (R7, R8, R10-R13).
The automatic request for R1 data (``data_requested``) pauses both clocks until the client
answers, the reaction clock only until a person of the line reacts (R7).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from supportline.regulation import Regulation, default_regulation
from supportline.sla import SlaEvent, compute_sla

from .simple_calendar import MINUTE, TEST_CALENDAR, msk

LEVELS = ("operational", "standard", "development_request")
BASE = msk(2025, 3, 1)

# Which non-finishing event may follow in each status of the ticket (generator only); the
# finishing events (FINAL) may follow in every status.
ALLOWED = {
    "run": ["accepted", "asked", "data_requested", "resolved", "level_changed"],
    "wait": ["accepted", "asked", "data_requested", "client_replied", "resolved", "level_changed"],
    "eval": ["accepted", "reopened", "level_changed"],
}
NEXT = {
    ("run", "asked"): "wait",
    ("wait", "asked"): "wait",
    ("run", "data_requested"): "wait",
    ("wait", "data_requested"): "wait",
    ("wait", "client_replied"): "run",
    ("run", "resolved"): "eval",
    ("wait", "resolved"): "eval",
    ("eval", "reopened"): "run",
}
FINAL = {"closed", "refused", "redirected", "merged"}
REACTION_ACTS = {"accepted", "asked", "resolved", "refused", "redirected", "closed", "merged"}
# R7: the automatic request for R1 data pauses a reaction clock still running; the client's
# answer resumes it.


def advance(draw: st.DrawFn, at: dt.datetime, gaps: st.SearchStrategy[int]) -> dt.datetime:
    """The next instant: a calendar gap, or a gap in working minutes (most acts of the line
    happen in working time, which makes deadlines inside later running intervals common)."""
    if draw(st.booleans()):
        return at + draw(gaps) * MINUTE
    return TEST_CALENDAR.add_working_time(at, draw(st.integers(0, 600)) * MINUTE)


@st.composite
def tickets(draw: st.DrawFn) -> tuple[str, dt.datetime, list[SlaEvent], Regulation]:
    at = BASE + draw(st.integers(0, 16 * 24 * 60)) * MINUTE
    # Hypothesis favours small integers; sampled hours spread the histories over days.
    hours = st.sampled_from([0, 0, 1, 2, 3, 5, 8, 13, 17, 24, 40, 64])
    gaps = st.builds(lambda h, m: 60 * h + m, hours, st.integers(0, 59))
    events = [SlaEvent(at, "registered")]
    status = "run"
    for _ in range(draw(st.sampled_from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))):
        at = advance(draw, at, gaps)
        # Finishing events are drawn less often, so that long histories occur.
        if draw(st.integers(0, 9)) == 0:
            kind = draw(st.sampled_from(sorted(FINAL)))
        else:
            kind = draw(st.sampled_from(ALLOWED[status]))
        level = draw(st.sampled_from(LEVELS)) if kind == "level_changed" else None
        events.append(SlaEvent(at, kind, level))
        if kind in FINAL:
            break
        status = NEXT.get((status, kind), status)
    now = advance(draw, at, gaps)
    base = default_regulation()
    levels = tuple(
        dataclasses.replace(
            level,
            reaction_minutes=draw(st.integers(1, 9) | st.integers(10, 480)),
            resolution_minutes=draw(st.integers(1, 9) | st.integers(10, 900)),
        )
        for level in base.levels
    )
    return (
        draw(st.sampled_from(LEVELS)),
        now,
        events,
        dataclasses.replace(base, levels=levels),
    )


def reference(
    initial_level: str, now: dt.datetime, events: list[SlaEvent], regulation: Regulation
) -> dict[str, dict[str, object]]:
    level = initial_level
    for event in events:
        if event.type == "level_changed":
            assert event.level is not None
            level = event.level
    targets = {
        "reaction": regulation.level(level).reaction_minutes,
        "resolution": regulation.level(level).resolution_minutes,
    }
    reacted, status = False, "run"
    data_wait = False  # the reaction clock waits for the client's R1 data (R7)
    used = {"reaction": 0, "resolution": 0}
    paused = {"reaction": 0, "resolution": 0}
    due: dict[str, dt.datetime | None] = {"reaction": None, "resolution": None}

    pending = list(events)
    minute = events[0].at
    while True:
        while pending and pending[0].at <= minute:
            event = pending.pop(0)
            reacted = reacted or event.type in REACTION_ACTS
            if event.type == "data_requested":
                data_wait = True
            elif event.type == "client_replied":
                data_wait = False
            status = "done" if event.type in FINAL else NEXT.get((status, event.type), status)
        if minute >= now:
            break
        if TEST_CALENDAR.is_working_minute(minute):
            running = {"reaction": not reacted and not data_wait, "resolution": status == "run"}
            waiting = {"reaction": not reacted and data_wait, "resolution": status == "wait"}
            for clock in ("reaction", "resolution"):
                if running[clock]:
                    used[clock] += 1
                    if used[clock] == targets[clock]:
                        due[clock] = minute + MINUTE
                paused[clock] += waiting[clock]
        minute += MINUTE

    running_now = {"reaction": not reacted and not data_wait, "resolution": status == "run"}
    stopped_now = {"reaction": reacted, "resolution": status in ("eval", "done")}
    result: dict[str, dict[str, object]] = {}
    for clock in ("reaction", "resolution"):
        if due[clock] is None and running_now[clock]:
            count, moment = used[clock], now
            while count < targets[clock]:
                count += TEST_CALENDAR.is_working_minute(moment)
                moment += MINUTE
            due[clock] = moment
        if used[clock] > targets[clock]:
            state = "breached"
        elif stopped_now[clock]:
            state = "met"
        elif running_now[clock]:
            state = "running"
        else:
            state = "paused"
        result[clock] = {
            "target_minutes": targets[clock],
            "elapsed_minutes": used[clock],
            "paused_minutes": paused[clock],
            "due_at": due[clock],
            "state": state,
        }
    result["level"] = {"id": level}
    return result


@settings(max_examples=400, deadline=None)
@given(ticket=tickets())
def test_r7_r8_r10_r12_r13_clocks_match_minute_stepping_reference(
    ticket: tuple[str, dt.datetime, list[SlaEvent], Regulation],
) -> None:
    level, now, events, regulation = ticket
    result = compute_sla(level, now, events, calendar=TEST_CALENDAR, regulation=regulation)
    expected = reference(level, now, events, regulation)
    assert result.level == expected["level"]["id"]
    for name, clock in (("reaction", result.reaction), ("resolution", result.resolution)):
        actual = {
            "target_minutes": clock.target_minutes,
            "elapsed_minutes": clock.elapsed_minutes,
            "paused_minutes": clock.paused_minutes,
            "due_at": clock.due_at,
            "state": str(clock.state),
        }
        assert actual == expected[name], name
        # R11: the intervals tile [registration, now] and explain the figures exactly.
        intervals = clock.intervals
        assert intervals[0].start == events[0].at
        assert intervals[-1].end == now
        assert all(a.end == b.start for a, b in itertools.pairwise(intervals))
        assert sum(i.working_minutes for i in intervals if i.kind == "running") == (
            clock.elapsed_minutes
        )
        assert sum(i.working_minutes for i in intervals if i.kind == "paused") == (
            clock.paused_minutes
        )
        # A pause names its reason (R7, R12); nothing else does.
        assert all((i.kind == "paused") == (i.reason is not None) for i in intervals)
        assert {i.reason for i in intervals} <= {None, "asked", "data_requested"}
