"""The consultants' queue (R14): the open tickets the user may see, with their clocks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from supportline.accounts.models import User
from supportline.core import rules
from supportline.desk.selectors.common import QueueRow, queue_row
from supportline.lib.statements import Select
from supportline.tickets import access, paging
from supportline.tickets.models import OPEN_STATUSES, EventType, Status, Ticket, TicketEvent

# The queue shows the tickets the line has to work on; client evaluation waits on the client
# (it can still be chosen with the status filter).
QUEUE_STATUSES = frozenset(OPEN_STATUSES - {Status.CLIENT_EVALUATION})
# A page of the queue (issue 15): what a consultant reads at once; «more» fetches the next.
QUEUE_PAGE = 25


@dataclass(frozen=True)
class QueueFilters:
    who: str = ""  # "" everyone, "mine", "unassigned"
    level: str = ""
    status: str = ""
    channel: str = ""
    # R13: "" any; "waiting" — waiting for the client's evaluation; "rejected" — open tickets
    # whose answer the client rejected.
    evaluation: str = ""


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    now: dt.datetime
    # The cursor of the next page (None: nothing more).
    next_cursor: str | None = None

    @property
    def truncated(self) -> bool:
        return self.next_cursor is not None


def queue_tickets(user: User, filters: QueueFilters) -> QuerySet[Ticket]:
    """R14: the open tickets the user may see, out-of-turn first, then FIFO by registration."""
    return _filtered(access.visible_tickets(user), user, filters)


def _filtered(
    tickets: QuerySet[Ticket], user: User | None, filters: QueueFilters
) -> QuerySet[Ticket]:
    if filters.status:
        tickets = tickets.filter(status=filters.status)
    elif filters.evaluation != "waiting":
        tickets = tickets.filter(status__in=QUEUE_STATUSES)
    if filters.evaluation == "waiting":
        tickets = tickets.filter(status=Status.CLIENT_EVALUATION)
    elif filters.evaluation == "rejected":
        rejected = TicketEvent.objects.filter(ticket=OuterRef("pk"), type=EventType.REOPENED)
        tickets = tickets.filter(Exists(rejected))
    if filters.who == "mine":
        tickets = tickets.filter(assignee=user)
    elif filters.who == "unassigned":
        tickets = tickets.filter(assignee__isnull=True)
    if filters.level:
        tickets = tickets.filter(level=filters.level)
    if filters.channel:
        tickets = tickets.filter(channel=filters.channel)
    return tickets.select_related("assignee", "organisation").order_by(
        "-out_of_turn", "registered_at", "id"
    )


# The page the line opens most — the whole queue from its start, no filter — compiled once
# (issue 15); the line sees every ticket, so no one's visibility is in it.
_LINE_FIRST_PAGE: Select[Ticket] = Select(
    lambda: paging.after(_filtered(Ticket.objects.all(), None, QueueFilters()), paging.QUEUE, None)[
        : QUEUE_PAGE + 1
    ]
)


def queue_page(
    user: User, filters: QueueFilters, now: dt.datetime, cursor: str | None = None
) -> QueuePage:
    """One query for a page (keyset, served in the index's order); the clocks come from the
    stored columns (two binary searches in the calendar's table per clock, no walk).
    A bad cursor raises `paging.BadCursor`."""
    if cursor is None and filters == QueueFilters() and access.sees_every_ticket(user):
        tickets, following = paging.cut(_LINE_FIRST_PAGE.all(), paging.QUEUE, QUEUE_PAGE)
    else:
        tickets, following = paging.page(
            queue_tickets(user, filters), paging.QUEUE, cursor, QUEUE_PAGE
        )
    cal = rules.calendar()
    return QueuePage(rows=[queue_row(t, now, cal) for t in tickets], now=now, next_cursor=following)
