"""SLA clocks on the real production calendar (R9 via supportline.worktime), hand-checked.

2025: Sat 1 November is a working day shortened to 17:00; Mon 3 and Tue 4 November are days
off. 2026: 1-11 January are days off.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import pytest

from supportline.regulation import default_regulation
from supportline.sla import ClockState, SlaEvent, TicketSla, compute_sla
from supportline.sla.cli import explain_main

worktime = pytest.importorskip("supportline.worktime")

MOSCOW = ZoneInfo("Europe/Moscow")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=MOSCOW)


def sla(level: str, now: dt.datetime, *events: SlaEvent) -> TicketSla:
    return compute_sla(
        level,
        now,
        list(events),
        calendar=worktime.default_calendar(),
        regulation=default_regulation(),
    )


def test_r7_r8_r9_across_the_november_2025_holidays() -> None:
    # Fri 31 Oct 17:00-18:00 (60) + Sat 1 Nov 09:00-17:00 (480) + Wed 5 Nov 09:00-12:00 (180).
    result = sla(
        "standard", at(2025, 11, 5, 12, 0), SlaEvent(at(2025, 10, 31, 17, 0), "registered")
    )
    assert result.reaction.elapsed_minutes == 720
    assert result.reaction.state == ClockState.BREACHED
    assert result.reaction.due_at == at(2025, 11, 1, 16, 0)
    assert result.resolution.elapsed_minutes == 720
    assert result.resolution.state == ClockState.RUNNING
    # 720 min left from Wed 12:00: Wed 6 h, Thu 6 Nov 6 h -> 15:00.
    assert result.resolution.due_at == at(2025, 11, 6, 15, 0)


def test_r9_r12_pause_over_the_days_off_excludes_only_working_minutes() -> None:
    result = sla(
        "operational",
        at(2025, 11, 5, 10, 0),
        SlaEvent(at(2025, 11, 1, 15, 0), "registered"),
        SlaEvent(at(2025, 11, 1, 15, 30), "asked"),
        SlaEvent(at(2025, 11, 5, 9, 30), "client_replied"),
    )
    assert result.reaction.elapsed_minutes == 30
    assert result.resolution.paused_minutes == 90 + 30  # Sat 15:30-17:00, Wed 09:00-09:30
    assert result.resolution.elapsed_minutes == 30 + 30
    # 420 min left from Wed 10:00 -> 17:00.
    assert result.resolution.due_at == at(2025, 11, 5, 17, 0)


def test_r9_registered_during_the_new_year_holidays_starts_on_12_january_2026() -> None:
    result = sla(
        "operational", at(2026, 1, 12, 10, 0), SlaEvent(at(2026, 1, 9, 12, 0), "registered")
    )
    assert result.reaction.elapsed_minutes == 60
    assert result.reaction.due_at == at(2026, 1, 12, 13, 0)
    assert result.resolution.due_at == at(2026, 1, 12, 17, 0)


def test_cli_uses_the_production_calendar_by_default() -> None:
    ticket = {
        "level": "standard",
        "now": "2025-11-05T12:00:00+03:00",
        "events": [{"at": "2025-10-31T14:00:00Z", "type": "registered"}],  # 17:00 Moscow
    }
    out, err = io.StringIO(), io.StringIO()
    assert explain_main(["-"], io.StringIO(json.dumps(ticket)), out, err) == 0
    result = json.loads(out.getvalue())
    assert result["reaction"]["due_at"] == "2025-11-01T16:00:00+03:00"
    assert result["resolution"]["due_at"] == "2025-11-06T15:00:00+03:00"
