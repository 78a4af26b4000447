"""The bridge between stored events and the pure SLA clock (R11, R16).

`ticket_sla` computes both clocks from the ticket's events, with the targets the ticket kept
from its registration (R21); a finished ticket answers with its frozen figures. `store_sla` writes
the due-at and state columns that queues and warnings query, and freezes the figures once the
ticket is finished.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from supportline.core import rules
from supportline.regulation import Regulation
from supportline.sla import Clock, TicketSla, compute_sla
from supportline.sla import clock as sla
from supportline.sla.frozen import freeze, thaw
from supportline.tickets.models import CLOCK_EVENTS, FINAL_STATUSES, EventType, Ticket, TicketEvent

# The ticket event log's types → the pure clock's event vocabulary (the rest are audit only).
SLA_EVENT_OF: dict[str, str] = {
    EventType.REGISTERED: sla.REGISTERED,
    EventType.ACCEPTED: sla.ACCEPTED,
    EventType.ASKED: sla.ASKED,
    # R7: the automatic request for missing R1 data pauses both clocks, it is no reaction.
    EventType.DATA_REQUESTED: sla.DATA_REQUESTED,
    EventType.CLIENT_REPLIED: sla.CLIENT_REPLIED,
    EventType.RESOLVED: sla.RESOLVED,
    EventType.REOPENED: sla.REOPENED,
    EventType.CLOSED: sla.CLOSED,
    EventType.REFUSED: sla.REFUSED,
    EventType.REDIRECTED: sla.REDIRECTED,
    EventType.MERGED: sla.MERGED,
    EventType.LEVEL_CHANGED: sla.LEVEL_CHANGED,
}


class EventLike(Protocol):
    """What the clock reads of an event: a `TicketEvent`, or a row of its columns."""

    @property
    def at(self) -> dt.datetime: ...
    @property
    def type(self) -> str: ...
    @property
    def data(self) -> dict[str, Any]: ...


def clock_events(events: Sequence[EventLike]) -> list[tuple[dt.datetime, str, str | None]]:
    return [
        (
            e.at,
            SLA_EVENT_OF[e.type],
            e.data.get("level") if e.type == EventType.LEVEL_CHANGED else None,
        )
        for e in events
        if e.type in CLOCK_EVENTS
    ]


def initial_level(events: Sequence[EventLike], fallback: str) -> str:
    for event in events:
        if event.type == EventType.REGISTERED:
            return str(event.data.get("level", fallback))
    return fallback


def regulation_for(ticket: Ticket) -> Regulation:
    """The regulation in force, with the levels' targets the ticket kept from registration."""
    return regulation_with_kept(rules.regulation(), ticket.sla_targets)


def regulation_with_kept(regulation: Regulation, sla_targets: dict[str, Any]) -> Regulation:
    """`regulation` with the levels' targets a ticket kept (`Ticket.sla_targets`), if any."""
    if not sla_targets:
        return regulation
    kept = {level: (int(r), int(s)) for level, (r, s) in sla_targets.items()}
    return regulation.with_targets(kept)


def clock_event_rows(
    rows: Iterable[tuple[dt.datetime, str, dict[str, Any]]],
) -> list[tuple[dt.datetime, str, str | None]]:
    """`clock_events` for plain `(at, type, data)` rows (reports read values, not models)."""
    return [
        (at, SLA_EVENT_OF[kind], data.get("level") if kind == EventType.LEVEL_CHANGED else None)
        for at, kind, data in rows
        if kind in CLOCK_EVENTS
    ]


def ticket_sla(
    ticket: Ticket, *, now: dt.datetime, events: Sequence[EventLike] | None = None
) -> TicketSla:
    if ticket.sla_frozen:
        return thaw(ticket.sla_frozen)
    return live_sla(ticket, now=now, events=events)


def live_sla(
    ticket: Ticket, *, now: dt.datetime, events: Sequence[EventLike] | None = None
) -> TicketSla:
    """The clocks computed now from the events (what a finished ticket had, before freezing)."""
    if events is None:
        events = list(ticket.events.order_by("at", "id"))
    # The clock cannot be asked about an instant before the last event it knows.
    last = max((e.at for e in events), default=now)
    return compute_sla(
        initial_level(events, ticket.level),
        max(now, last),
        clock_events(events),
        calendar=rules.calendar(),
        regulation=regulation_for(ticket),
    )


SLA_FIELDS = [
    "reaction_due_at",
    "reaction_state",
    "resolution_due_at",
    "resolution_state",
    "resolution_elapsed_minutes",
    "reaction_elapsed_minutes",
    "evaluation_started_at",
    "sla_warn_at",
    "sla_frozen",
]


def warning_instant(clock: Clock, *, now: dt.datetime, share: float) -> dt.datetime | None:
    """When a running clock will have used `share` of its target (None: not running, or the
    warning point is already behind it)."""
    if clock.state != "running":
        return None
    threshold = dt.timedelta(minutes=clock.target_minutes * share)
    if clock.elapsed >= threshold:
        return None
    return rules.calendar().add_working_time(now, threshold - clock.elapsed)


def store_sla(
    ticket: Ticket, *, now: dt.datetime, events: list[TicketEvent] | None = None
) -> TicketSla:
    """Write the stored figures; `events` (in order) spares the re-read of a new ticket's."""
    sla = ticket_sla(ticket, now=now, events=events)
    if ticket.status in FINAL_STATUSES and not ticket.sla_frozen:
        # Finished: the figures of this instant are the ticket's for good (R21).
        ticket.sla_frozen = freeze(sla)
    ticket.reaction_due_at = sla.reaction.due_at
    ticket.reaction_state = sla.reaction.state.value
    ticket.resolution_due_at = sla.resolution.due_at
    ticket.resolution_state = sla.resolution.state.value
    ticket.resolution_elapsed_minutes = sla.resolution.elapsed_minutes
    ticket.reaction_elapsed_minutes = sla.reaction.elapsed_minutes
    # When the ticket entered client evaluation, if it is there (R13 auto-close reads it).
    ticket.evaluation_started_at = sla.evaluation_since
    share = rules.regulation().warning_share
    warnings = [
        moment
        for moment in (
            warning_instant(sla.reaction, now=sla.now, share=share),
            warning_instant(sla.resolution, now=sla.now, share=share),
        )
        if moment is not None
    ]
    ticket.sla_warn_at = min(warnings, default=None)
    return sla
