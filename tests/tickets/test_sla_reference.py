"""The SLA figures the API reports, against an independent minute-stepping reference on the
official calendar (issue 5 «checked by»; R7, R8, R9, R10, R12, R13). tests/mail/test_reaction.py
checks an e-mail ticket with the automatic request for R1 data (``data_requested``) against it.

The scenario crosses the 2025/2026 New Year holidays (31.12.2025 and 01.01–11.01.2026 are
days off) with a pause, a rejection and a level change; the reference shares no code with
the engine: it walks minute by minute over tests/worktime/worktime_oracle.py's day table.
"""

from __future__ import annotations

import datetime as dt

import time_machine

from supportline.core.demo import load_demo
from tests.tickets.conftest import Line, api_for, msk
from tests.worktime import worktime_oracle as oracle

MINUTE = dt.timedelta(minutes=1)
TARGETS = {"standard": (480, 1440), "operational": (240, 480), "development_request": (480, 2400)}


def reference(
    level: str, now: dt.datetime, events: list[tuple[dt.datetime, str, str | None]]
) -> dict[str, object]:
    """Minute stepping: which clock runs in each working minute, from the event types alone."""
    for _, kind, new_level in events:
        if kind == "level_changed" and new_level:
            level = new_level
    reaction_target, resolution_target = TARGETS[level]
    reacted = False
    data_wait = False  # the automatic request for R1 data waits: reaction paused too (R7)
    state = "running"  # of the resolution clock: running / waiting / evaluation / done
    used_reaction = used_resolution = paused = 0
    pending = sorted(events, key=lambda e: e[0])  # stable: same-instant events keep their order
    minute = events[0][0]
    while minute < now:
        while pending and pending[0][0] <= minute:
            _, kind, _ = pending.pop(0)
            if kind in {"accepted", "asked", "resolved", "refused", "redirected", "closed"}:
                reacted = True
            if kind in {"data_requested", "client_replied"}:
                data_wait = kind == "data_requested"
            state = {
                "asked": "waiting",
                "data_requested": "waiting",
                "client_replied": "running",
                "resolved": "evaluation",
                "reopened": "running",
                "closed": "done",
                "refused": "done",
                "redirected": "done",
            }.get(kind, state)
        if oracle.is_working(minute):
            used_reaction += not reacted and not data_wait
            used_resolution += state == "running"
            paused += state == "waiting"
        minute += MINUTE
    return {
        "level": level,
        "reaction": (reaction_target, used_reaction),
        "resolution": (resolution_target, used_resolution, paused),
    }


def test_api_sla_matches_the_reference_across_new_year(db: None) -> None:
    start = msk(2025, 12, 30, 16, 10)  # 30.12.2025 is a full working day; 31.12 is off
    with time_machine.travel(start, tick=False) as clock:
        load_demo(today=start.date())
        line = Line(
            *(
                api_for(u)
                for u in (
                    "consultant1",
                    "consultant2",
                    "supervisor",
                    "methodologist",
                    "developer",
                    "client",
                    "client2",
                    "partner",
                )
            )
        )
        number = line.ticket()["number"]
        steps = [
            (msk(2025, 12, 30, 17, 40), line.consultant, "accept", {}),
            (
                msk(2026, 1, 12, 9, 30),
                line.consultant,
                "ask",
                {"text": "Уточните версию платформы"},
            ),
            (msk(2026, 1, 13, 15, 0), line.client, "reply", {"text": "8.3.25.1445"}),
            (
                msk(2026, 1, 14, 10, 0),
                line.consultant,
                "change-level",
                {"level": "operational", "reason": "Ошибка подтверждена"},
            ),
            (
                msk(2026, 1, 14, 11, 0),
                line.consultant,
                "resolve",
                {"text": "Исправлено настройкой"},
            ),
            (
                msk(2026, 1, 15, 9, 0),
                line.client,
                "evaluate",
                {"accepted": False, "comment": "Ошибка повторилась"},
            ),
        ]
        for when, who, action, body in steps:
            clock.move_to(when)
            response = who.post(f"/tickets/{number}/{action}", body)
            assert response.status_code == 200, response.content.decode()
        for now in (msk(2026, 1, 15, 12, 30), msk(2026, 1, 16, 18, 0)):
            clock.move_to(now)
            ticket = line.consultant.get(f"/tickets/{number}").json()
            events = [
                (dt.datetime.fromisoformat(e["at"]), e["type"], e["data"].get("level"))
                for e in ticket["events"]
            ]
            expected = reference("standard", now, events)
            sla = ticket["sla"]
            assert sla["level"] == expected["level"] == "operational"
            assert (
                sla["reaction"]["target_minutes"],
                sla["reaction"]["elapsed_minutes"],
            ) == expected["reaction"]
            resolution = sla["resolution"]
            assert (
                resolution["target_minutes"],
                resolution["elapsed_minutes"],
                resolution["paused_minutes"],
            ) == expected["resolution"]
            used, target = expected["resolution"][1], expected["resolution"][0]
            assert resolution["state"] == ("breached" if used > target else "running")
    # Hand check of the reference itself: 30.12 16:10→17:40 is 90 working minutes of reaction.
    assert expected["reaction"] == (240, 90)
