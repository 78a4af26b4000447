"""What the portal reads: the user's tickets with their SLA state as the client sees it (R11).

The list page does not run the SLA clock per ticket: it reads the stored due-at and state
columns (kept current by every service call) and asks the working calendar, in memory, how
much working time is left — so a page costs the same few queries for 5 tickets or 500.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from supportline.accounts.models import User
from supportline.core import rules
from supportline.regulation import Level
from supportline.sla import Clock, ClockState, TicketSla
from supportline.tickets import access
from supportline.tickets.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Attachment,
    Message,
    SlaState,
    Ticket,
)


class Badge(StrEnum):
    """The SLA state a client reads: on track / at risk / breached / paused / met."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BREACHED = "breached"
    PAUSED = "paused"
    MET = "met"

    @property
    def label(self) -> str:
        return str(BADGE_LABELS[self])


BADGE_LABELS = {
    Badge.ON_TRACK: _("в срок"),
    Badge.AT_RISK: _("срок под угрозой"),
    Badge.BREACHED: _("срок нарушен"),
    Badge.PAUSED: _("пауза: ждём вашего ответа"),
    Badge.MET: _("срок соблюдён"),
}

# Worst first: a ticket shows the worst state of its two clocks.
_SEVERITY = [Badge.BREACHED, Badge.AT_RISK, Badge.ON_TRACK, Badge.PAUSED, Badge.MET]


def _worst(badges: list[Badge]) -> Badge:
    return min(badges, key=_SEVERITY.index)


def clock_badge(clock: Clock) -> Badge:
    """The badge of one clock computed from the events (the ticket page)."""
    if clock.state == ClockState.BREACHED:
        return Badge.BREACHED
    if clock.state == ClockState.MET:
        return Badge.MET
    if clock.at_risk:
        return Badge.AT_RISK
    return Badge.PAUSED if clock.state == ClockState.PAUSED else Badge.ON_TRACK


def ticket_badge(sla: TicketSla) -> Badge:
    return _worst([clock_badge(sla.reaction), clock_badge(sla.resolution)])


def _stored_badge(state: str, due_at: dt.datetime | None, target: int, now: dt.datetime) -> Badge:
    """One clock from the stored columns: a running clock may have run out since it was stored."""
    if state == SlaState.BREACHED:
        return Badge.BREACHED
    if state == SlaState.MET:
        return Badge.MET
    if state == SlaState.PAUSED:
        return Badge.PAUSED
    if due_at is None:
        return Badge.ON_TRACK
    if due_at <= now:
        return Badge.BREACHED
    # A running clock's due instant is `now` plus the remaining working time, so the remaining
    # share tells whether the regulation's warning share has been used (R11, as in the clock).
    left = rules.calendar().working_time_between(now, due_at)
    share = rules.regulation().warning_share
    if left <= dt.timedelta(minutes=target) * (1 - share):
        return Badge.AT_RISK
    return Badge.ON_TRACK


def _level(level_id: str) -> Level | None:
    regulation = rules.regulation()
    return regulation.level(level_id) if regulation.has_level(level_id) else None


def stored_badge(ticket: Ticket, now: dt.datetime) -> Badge:
    level = _level(ticket.level) or rules.regulation().default_level
    return _worst(
        [
            _stored_badge(
                ticket.reaction_state, ticket.reaction_due_at, level.reaction_minutes, now
            ),
            _stored_badge(
                ticket.resolution_state, ticket.resolution_due_at, level.resolution_minutes, now
            ),
        ]
    )


@dataclass(frozen=True)
class Row:
    """A line of "my tickets"."""

    ticket: Ticket
    level_name: str
    badge: Badge


STATE_FILTERS = {"open": OPEN_STATUSES, "closed": FINAL_STATUSES}


def my_tickets(user: User, state: str = "") -> QuerySet[Ticket]:
    """R1/§1: a client contact's organisation's tickets, a partner's own — newest first."""
    tickets = access.visible_tickets(user)
    if state in STATE_FILTERS:
        tickets = tickets.filter(status__in=STATE_FILTERS[state])
    return tickets.only(
        "id",
        "number",
        "subject",
        "status",
        "level",
        "registered_at",
        "out_of_turn",  # part of the page cursor (`tickets.paging.encode`)
        "reaction_state",
        "reaction_due_at",
        "resolution_state",
        "resolution_due_at",
    ).order_by("-registered_at", "-id")


def rows(tickets: list[Ticket], now: dt.datetime) -> list[Row]:
    return [Row(t, level_name(t), stored_badge(t, now)) for t in tickets]


def conversation(ticket: Ticket) -> QuerySet[Message]:
    return ticket.messages.select_related("author").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("id"))
    )


def level_name(ticket: Ticket) -> str:
    """The level's name in the regulation in force (R21), else the ticket's stored choice."""
    level = _level(ticket.level)
    return rules.tr(level.name) if level is not None else str(ticket.get_level_display())
