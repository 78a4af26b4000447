"""The JSON form of tickets and SLA results (``supportline sla explain``, the REST API).

Ticket::

    {"level": "standard", "now": "2025-03-03T12:00:00+03:00",
     "events": [{"at": "2025-03-03T10:00:00+03:00", "type": "registered"},
                {"at": "2025-03-03T11:00:00+03:00", "type": "level_changed",
                 "level": "operational"}]}

Event types: see :mod:`supportline.sla.clock` (``registered``, ``accepted``, ``asked``,
``data_requested`` — the automatic request for missing R1 data, ``client_replied``,
``resolved``, ``reopened``, ``closed``, ``refused``, ``redirected``, ``merged``, ``level_changed``).

Result::

    {"level": L, "reaction": CLOCK, "resolution": CLOCK}   (+ "explain" on request)
    CLOCK = {"target_minutes", "elapsed_minutes", "paused_minutes", "due_at", "state"}
    explain = {"registered_at", "now", "level_changes": [...],
               "reaction": [INTERVAL], "resolution": [INTERVAL]}
    INTERVAL = {"kind", "start", "end", "working_minutes", "current"}
               + "reason" on a paused interval: "asked" or "data_requested"

Times are ISO 8601 with an offset; an ISO string without one is naive and rejected. Unknown
keys are rejected too (a misspelt key must not be silently ignored).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from supportline.sla.clock import Clock, Interval, SlaEvent, SlaInputError, TicketSla

TICKET_KEYS = frozenset({"level", "now", "events"})
EVENT_KEYS = frozenset({"at", "type", "level"})


@dataclass(frozen=True)
class TicketInput:
    """A ticket as :func:`~supportline.sla.compute_sla` takes it."""

    level: str
    now: dt.datetime
    events: tuple[SlaEvent, ...]


def _parse_time(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return None


def ticket_from_json(data: object) -> TicketInput:
    """Read one ticket from parsed JSON; :class:`SlaInputError` names the key or event.

    Only the shape is checked here (keys, types, ISO format); the rules — aware times, order,
    known types and levels — are checked by :func:`~supportline.sla.compute_sla`.
    """
    if not isinstance(data, dict):
        raise SlaInputError("обращение должно быть JSON-объектом с ключами level, now, events")
    ticket = cast(dict[str, object], data)
    unknown = sorted(set(ticket) - TICKET_KEYS)
    if unknown:
        raise SlaInputError(f"неизвестный ключ {unknown[0]!r}; допустимые: level, now, events")
    for key in ("level", "now", "events"):
        if key not in ticket:
            raise SlaInputError(f"нет обязательного ключа {key!r}")
    level = ticket["level"]
    if not isinstance(level, str):
        raise SlaInputError("ключ 'level': ожидается строка — идентификатор уровня поддержки")
    now = _parse_time(ticket["now"])
    if now is None:
        raise SlaInputError(
            f"ключ 'now': ожидается дата и время ISO 8601, например 2025-03-03T10:00:00+03:00; "
            f"получено: {ticket['now']!r}"
        )
    raw_events = ticket["events"]
    if not isinstance(raw_events, list):
        raise SlaInputError("ключ 'events': ожидается массив событий")
    events = tuple(
        _event_from_json(index, raw) for index, raw in enumerate(cast(list[object], raw_events))
    )
    return TicketInput(level=level, now=now, events=events)


def _event_from_json(index: int, raw: object) -> SlaEvent:
    if not isinstance(raw, dict):
        raise SlaInputError("событие должно быть JSON-объектом с ключами at, type", index=index)
    event = cast(dict[str, object], raw)
    kind = event.get("type")
    shown_type = kind if isinstance(kind, str) else None
    shown_at = event.get("at") if isinstance(event.get("at"), str) else None

    def fail(reason: str) -> SlaInputError:
        return SlaInputError(
            reason, index=index, event_type=shown_type, at=cast(str | None, shown_at)
        )

    unknown = sorted(set(event) - EVENT_KEYS)
    if unknown:
        raise fail(f"неизвестный ключ {unknown[0]!r}; допустимые: at, type, level")
    for key in ("at", "type"):
        if key not in event:
            raise fail(f"нет обязательного ключа {key!r}")
    if not isinstance(kind, str):
        raise fail(f"ключ 'type': ожидается строка, получено: {kind!r}")
    at = _parse_time(event["at"])
    if at is None:
        raise fail(
            "ключ 'at': ожидается дата и время ISO 8601, например 2025-03-03T10:00:00+03:00; "
            f"получено: {event['at']!r}"
        )
    level = event.get("level")
    if level is not None and not isinstance(level, str):
        raise fail(f"ключ 'level': ожидается строка, получено: {level!r}")
    return SlaEvent(at=at, type=kind, level=level)


def _iso(moment: dt.datetime, tz: dt.tzinfo) -> str:
    return moment.astimezone(tz).isoformat()


def _clock_to_json(clock: Clock, tz: dt.tzinfo) -> dict[str, object]:
    return {
        "target_minutes": clock.target_minutes,
        "elapsed_minutes": clock.elapsed_minutes,
        "paused_minutes": clock.paused_minutes,
        "due_at": None if clock.due_at is None else _iso(clock.due_at, tz),
        "state": str(clock.state),
    }


def _interval_to_json(interval: Interval, tz: dt.tzinfo) -> dict[str, object]:
    data: dict[str, object] = {
        "kind": str(interval.kind),
        "start": _iso(interval.start, tz),
        "end": _iso(interval.end, tz),
        "working_minutes": interval.working_minutes,
        "current": interval.current,
    }
    if interval.reason is not None:
        data["reason"] = interval.reason  # why the clock was paused (R7, R12)
    return data


def sla_to_json(result: TicketSla, *, tz: dt.tzinfo, explain: bool = False) -> dict[str, object]:
    """The JSON form of ``result`` with times shown in ``tz`` (the regulation's time zone).

    With ``explain`` an ``"explain"`` key lists the intervals of each clock and the level
    changes (R11).
    """
    data: dict[str, object] = {
        "level": result.level,
        "reaction": _clock_to_json(result.reaction, tz),
        "resolution": _clock_to_json(result.resolution, tz),
    }
    if explain:
        data["explain"] = {
            "registered_at": _iso(result.registered_at, tz),
            "now": _iso(result.now, tz),
            "level_changes": [
                {
                    "event": change.index,
                    "at": _iso(change.at, tz),
                    "from": change.from_level,
                    "to": change.to_level,
                }
                for change in result.level_changes
            ],
            "reaction": [_interval_to_json(i, tz) for i in result.reaction.intervals],
            "resolution": [_interval_to_json(i, tz) for i in result.resolution.intervals],
        }
    return data
