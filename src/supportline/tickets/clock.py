"""The bridge between stored events and the pure SLA clock (R11, R16).

`ticket_sla` computes both clocks from the ticket's events; `store_sla` writes the due-at and
state columns that queues and warnings query.
"""

from __future__ import annotations

import datetime as dt

from supportline.core import rules
from supportline.sla import Clock, TicketSla, compute_sla
from supportline.tickets.models import CLOCK_EVENTS, EventType, Ticket, TicketEvent


def clock_events(events: list[TicketEvent]) -> list[tuple[dt.datetime, str, str | None]]:
    return [
        (e.at, e.type, e.data.get("level") if e.type == EventType.LEVEL_CHANGED else None)
        for e in events
        if e.type in CLOCK_EVENTS
    ]


def initial_level(events: list[TicketEvent], fallback: str) -> str:
    for event in events:
        if event.type == EventType.REGISTERED:
            return str(event.data.get("level", fallback))
    return fallback


def ticket_sla(
    ticket: Ticket, *, now: dt.datetime, events: list[TicketEvent] | None = None
) -> TicketSla:
    if events is None:
        events = list(ticket.events.order_by("at", "id"))
    # The clock cannot be asked about an instant before the last event it knows.
    last = max((e.at for e in events), default=now)
    return compute_sla(
        initial_level(events, ticket.level),
        max(now, last),
        clock_events(events),
        calendar=rules.calendar(),
        regulation=rules.regulation(),
    )


SLA_FIELDS = [
    "reaction_due_at",
    "reaction_state",
    "resolution_due_at",
    "resolution_state",
    "resolution_elapsed_minutes",
    "evaluation_started_at",
    "sla_warn_at",
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


def store_sla(ticket: Ticket, *, now: dt.datetime) -> TicketSla:
    sla = ticket_sla(ticket, now=now)
    ticket.reaction_due_at = sla.reaction.due_at
    ticket.reaction_state = sla.reaction.state.value
    ticket.resolution_due_at = sla.resolution.due_at
    ticket.resolution_state = sla.resolution.state.value
    ticket.resolution_elapsed_minutes = sla.resolution.elapsed_minutes
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
