"""Issue 16 §4: the report's percentages and percentiles against a brute-force count over the
event log (R7, R8, R9, R12, R13, R16), minute by minute on a hand-written November 2026."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
import time_machine

from supportline.core import rules
from supportline.reports.figures import Period, compute_report
from supportline.tickets.models import EventType, TicketEvent
from tests.reports.conftest import Month, msk

MSK = rules.line_zone()
END = msk(2026, 12, 1, 0, 0)
TARGETS = {"standard": (8 * 60, 24 * 60), "operational": (4 * 60, 8 * 60)}
REACTION_STOPPERS = {"accepted", "asked", "resolved", "refused", "redirected", "closed"}


def working_minute(moment: dt.datetime) -> bool:
    """R9 by hand for November–December 2026: 09-18 Mon-Fri, 3.11 to 17:00, 4.11 off."""
    local = moment.astimezone(MSK)
    day = local.date()
    if day.weekday() >= 5 or day == dt.date(2026, 11, 4):
        return False
    end = 17 if day == dt.date(2026, 11, 3) else 18
    return 9 <= local.hour < end


def minutes_between(a: dt.datetime, b: dt.datetime) -> int:
    n = 0
    t = a
    while t < b:
        n += working_minute(t)
        t += dt.timedelta(minutes=1)
    return n


def brute(events: list[TicketEvent], as_of: dt.datetime) -> dict[str, Any]:
    """Reaction, resolution and pause of one ticket, straight from its events."""
    events = [e for e in events if e.at <= as_of]
    start = events[0].at
    level = events[0].data["level"]
    reaction_end = next((e.at for e in events if e.type in REACTION_STOPPERS), None)
    resolution = paused = 0
    running_since: dt.datetime | None = start
    paused_since: dt.datetime | None = None
    finished = False
    for e in events[1:]:
        if e.type == EventType.LEVEL_CHANGED:
            level = e.data["level"]
        elif e.type == EventType.ASKED and running_since is not None:
            resolution += minutes_between(running_since, e.at)
            running_since, paused_since = None, e.at
        elif e.type == EventType.CLIENT_REPLIED and paused_since is not None:
            paused += minutes_between(paused_since, e.at)
            running_since, paused_since = e.at, None
        elif e.type == EventType.RESOLVED and running_since is not None:
            resolution += minutes_between(running_since, e.at)
            running_since = None
            finished = True
        elif e.type == EventType.REOPENED:
            running_since = e.at
            finished = False
        elif e.type == EventType.CLOSED:
            finished = True
    if running_since is not None:
        resolution += minutes_between(running_since, as_of)
    reaction = minutes_between(start, reaction_end or as_of)
    return {
        "level": level,
        "reaction": reaction,
        "reaction_stopped": reaction_end is not None,
        "resolution": resolution,
        "resolution_stopped": finished and running_since is None,
        "paused": paused,
    }


def nearest_rank(values: list[int], p: int) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(p * len(ordered) / 100) - 1]


def pct(part: int, whole: int) -> float | None:
    return None if not whole else round(100 * part / whole, 1)


@pytest.mark.django_db  # the calendar in force is built from the database's years and overrides
def test_brute_force_working_minutes_agree_with_the_calendar() -> None:
    cal = rules.calendar()
    assert cal.working_hours(dt.date(2026, 11, 3)) == (dt.time(9), dt.time(17))
    assert cal.working_hours(dt.date(2026, 11, 4)) is None
    a, b = msk(2026, 11, 2, 7, 13), msk(2026, 11, 9, 11, 5)
    assert minutes_between(a, b) == cal.working_time_between(a, b) // dt.timedelta(minutes=1)


def test_r7_r8_report_percentages_and_percentiles_match_brute_force_over_events(
    month: Month, clock: time_machine.Coordinates
) -> None:
    report = compute_report(Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30)))
    assert report["as_of"] == END.astimezone(dt.UTC).isoformat()
    figures = []
    for t in month.tickets:
        figures.append(brute(list(t.events.order_by("at", "id")), END))
    assert report["summary"]["tickets"] == len(month.tickets) == 25
    checked: list[Any] = []
    for level in report["levels"]:
        mine = [f for f in figures if f["level"] == level["level"]]
        assert level["tickets"] == len(mine)
        if not mine:
            continue
        reaction_target, resolution_target = TARGETS[level["level"]]
        for clock_name, target in (
            ("reaction", reaction_target),
            ("resolution", resolution_target),
        ):
            breached = sum(1 for f in mine if f[clock_name] > target)
            met = sum(1 for f in mine if f[clock_name] <= target and f[f"{clock_name}_stopped"])
            got = level[clock_name]
            assert (got["met"], got["breached"]) == (met, breached), (level["level"], clock_name)
            assert got["met_pct"] == pct(met, met + breached)
            stopped = [f[clock_name] for f in mine if f[f"{clock_name}_stopped"]]
            assert got["median_minutes"] == nearest_rank(stopped, 50)
            assert got["p90_minutes"] == nearest_rank(stopped, 90)
        checked.append((level["level"], level["reaction"], level["resolution"]))
        paused = sum(f["paused"] for f in mine)
        elapsed = sum(f["resolution"] for f in mine)
        assert level["paused_share_pct"] == pct(paused, paused + elapsed)
    # The month is not trivial: both levels, breaches and met clocks, pauses and open tickets.
    assert {name for name, _r, _s in checked} == {"standard", "operational"}
    assert sum(r["breached"] + s["breached"] for _n, r, s in checked) > 0
    assert sum(r["met"] + s["met"] for _n, r, s in checked) > 0
    assert sum(r["in_progress"] + s["in_progress"] for _n, r, s in checked) > 0
    assert any(f["paused"] for f in figures)
    print(checked)


@pytest.mark.django_db
def test_r9_period_norm_is_the_calendars() -> None:
    report = compute_report(
        Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30)), now=msk(2026, 12, 14, 10, 0)
    )
    # November 2026: 20 working days (4.11 off), one of them 8 hours (3.11).
    assert report["norm"] == {"working_days": 20, "working_hours": 179.0}


def test_r7_percentiles_are_nearest_rank() -> None:
    from supportline.reports.figures import percentile

    assert percentile([5, 1, 3, 2, 4], 50) == 3
    assert percentile([1, 2, 3, 4], 50) == 2
    assert percentile(list(range(1, 11)), 90) == 9
    assert percentile([], 90) is None
