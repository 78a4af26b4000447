"""A finished ticket's SLA figures, frozen (R21: changing the regulation or the calendar never
rewrites history).

`freeze` turns a :class:`TicketSla` into plain JSON values (UTC instants, durations in
microseconds) and `thaw` gives back an equal object, so a finished ticket shows exactly the
figures it had when it finished, whatever the calendar or the regulation say later.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from supportline.sla.clock import (
    Clock,
    ClockState,
    Interval,
    IntervalKind,
    LevelChange,
    TicketSla,
)

# The format of the frozen form; a newer form would be read by a newer `thaw`.
FORMAT = 1


def _at(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat()


def _from_at(value: object) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(str(value))


def _us(delta: dt.timedelta) -> int:
    return delta // dt.timedelta(microseconds=1)


def _clock(clock: Clock) -> dict[str, Any]:
    return {
        "target_minutes": clock.target_minutes,
        "elapsed_minutes": clock.elapsed_minutes,
        "paused_minutes": clock.paused_minutes,
        "due_at": _at(clock.due_at),
        "state": clock.state.value,
        "elapsed_us": _us(clock.elapsed),
        "paused_us": _us(clock.paused),
        "at_risk": clock.at_risk,
        "intervals": [
            [i.kind.value, _at(i.start), _at(i.end), _us(i.working_time), i.current, i.reason]
            for i in clock.intervals
        ],
    }


def _thaw_clock(data: dict[str, Any]) -> Clock:
    return Clock(
        target_minutes=int(data["target_minutes"]),
        elapsed_minutes=int(data["elapsed_minutes"]),
        paused_minutes=int(data["paused_minutes"]),
        due_at=_from_at(data["due_at"]),
        state=ClockState(data["state"]),
        elapsed=dt.timedelta(microseconds=int(data["elapsed_us"])),
        paused=dt.timedelta(microseconds=int(data["paused_us"])),
        at_risk=bool(data["at_risk"]),
        intervals=tuple(_thaw_interval(*row) for row in data["intervals"]),
    )


def _thaw_interval(
    kind: str, start: str, end: str, us: int, current: bool, reason: str | None = None
) -> Interval:
    """One frozen interval; figures frozen before pauses named their reason have five items."""
    return Interval(
        kind=IntervalKind(kind),
        start=_from_at(start) or dt.datetime.min.replace(tzinfo=dt.UTC),
        end=_from_at(end) or dt.datetime.min.replace(tzinfo=dt.UTC),
        working_time=dt.timedelta(microseconds=int(us)),
        current=bool(current),
        reason=reason,
    )


def freeze(sla: TicketSla) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "level": sla.level,
        "reaction": _clock(sla.reaction),
        "resolution": _clock(sla.resolution),
        "registered_at": _at(sla.registered_at),
        "now": _at(sla.now),
        "level_changes": [
            [c.index, _at(c.at), c.from_level, c.to_level] for c in sla.level_changes
        ],
        "evaluation_since": _at(sla.evaluation_since),
    }


def thaw(data: dict[str, Any]) -> TicketSla:
    if data.get("format") != FORMAT:
        raise ValueError(f"unknown frozen SLA format {data.get('format')!r}")
    registered_at = _from_at(data["registered_at"])
    now = _from_at(data["now"])
    assert registered_at is not None and now is not None
    return TicketSla(
        level=str(data["level"]),
        reaction=_thaw_clock(data["reaction"]),
        resolution=_thaw_clock(data["resolution"]),
        registered_at=registered_at,
        now=now,
        level_changes=tuple(
            LevelChange(index=int(i), at=_from_at(at) or now, from_level=a, to_level=b)
            for i, at, a, b in data["level_changes"]
        ),
        evaluation_since=_from_at(data["evaluation_since"]),
    )
