"""Breach forecast of the board (issue 16 §6).

For each open ticket still waiting for its reaction, in the queue's order (R14: out of turn
first, then by registration), the instant a consultant is expected to take it: with ``c``
consultants of the line and the line's measured handling time ``h`` (the median working time
from acceptance to the answer over the last `WINDOW`), the ticket at position ``k`` (from 0)
is taken after ``(k // c) · h`` working time from now. If that is after its reaction due-at,
it will breach at its due-at unless someone takes it now.

For an accepted ticket the resolution clock: if the working time left before its due-at is
shorter than ``h``, the answer is expected after the due-at.

The board lists the tickets whose forecast breach falls before the end of the current working
day (the one now is in, or the next one outside working time). Stored due-at columns, not the
clock per row: three queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

from django.db.models import Q

from supportline.accounts.models import Role, User
from supportline.core import rules
from supportline.reports.figures import percentile
from supportline.tickets.models import (
    OPEN_STATUSES,
    EventType,
    SlaState,
    Status,
    Ticket,
    TicketEvent,
)
from supportline.worktime import Calendar

WINDOW: Final = dt.timedelta(days=30)
# Without a measurement (a new line): one working hour per ticket, said so on the board.
DEFAULT_HANDLING: Final = dt.timedelta(hours=1)
MINUTE: Final = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Forecast:
    ticket: Ticket
    clock: str  # "reaction" / "resolution"
    breach_at: dt.datetime
    expected_at: dt.datetime  # when it is expected to be taken / answered
    position: int | None  # place in the queue (from 1) for a ticket not yet taken


@dataclass(frozen=True)
class BoardForecast:
    items: list[Forecast]
    handling: dt.timedelta
    measured: bool
    consultants: int
    day_end: dt.datetime

    @property
    def handling_minutes(self) -> int:
        return self.handling // MINUTE


def working_day_end(now: dt.datetime, cal: Calendar) -> dt.datetime:
    start = cal.next_working_instant(now)
    local = start.astimezone(cal.tz)
    hours = cal.working_hours(local.date())
    assert hours is not None  # next_working_instant lands on a working day
    return dt.datetime.combine(local.date(), hours[1], cal.tz).astimezone(dt.UTC)


def handling_time(now: dt.datetime, cal: Calendar) -> tuple[dt.timedelta, bool]:
    """Median working time from acceptance to the answer (first resolution) of the tickets
    answered in the last `WINDOW`."""
    rows = (
        TicketEvent.objects.filter(
            type__in=(EventType.ACCEPTED, EventType.RESOLVED),
            ticket__in=TicketEvent.objects.filter(
                type=EventType.RESOLVED, at__gte=now - WINDOW, at__lte=now
            ).values("ticket_id"),
        )
        .order_by("ticket_id", "at", "id")
        .values_list("ticket_id", "type", "at")
    )
    accepted: dict[int, dt.datetime] = {}
    done: set[int] = set()
    minutes: list[int] = []
    for ticket_id, kind, at in rows:
        if kind == EventType.ACCEPTED:
            accepted.setdefault(ticket_id, at)
        elif ticket_id in accepted and ticket_id not in done:
            done.add(ticket_id)
            minutes.append(cal.working_time_between(accepted[ticket_id], at) // MINUTE)
    median = percentile(minutes, 50)
    if not median:
        return DEFAULT_HANDLING, False
    return median * MINUTE, True


def breach_forecast(now: dt.datetime) -> BoardForecast:
    cal = rules.calendar()
    handling, measured = handling_time(now, cal)
    consultants = max(1, User.objects.filter(role=Role.CONSULTANT, is_active=True).count())
    day_end = working_day_end(now, cal)
    items: list[Forecast] = []
    candidates = (
        Ticket.objects.filter(status__in=OPEN_STATUSES)
        .filter(
            Q(status=Status.REGISTERED, reaction_state=SlaState.RUNNING)
            | Q(
                resolution_state=SlaState.RUNNING,
                resolution_due_at__lte=day_end,
                resolution_due_at__gt=now,
            )
        )
        .select_related("assignee")
        .order_by("-out_of_turn", "registered_at", "id")
    )
    position = 0
    for ticket in candidates:
        if ticket.status == Status.REGISTERED and ticket.reaction_state == SlaState.RUNNING:
            expected = cal.add_working_time(now, (position // consultants) * handling)
            position += 1
            due = ticket.reaction_due_at
            if due is not None and now < due <= day_end and expected > due:
                items.append(Forecast(ticket, "reaction", due, expected, position))
            continue
        due = ticket.resolution_due_at
        assert due is not None
        left = cal.working_time_between(now, due)
        if left < handling:
            items.append(
                Forecast(ticket, "resolution", due, cal.add_working_time(now, handling), None)
            )
    items.sort(key=lambda f: f.breach_at)
    return BoardForecast(items, handling, measured, consultants, day_end)
