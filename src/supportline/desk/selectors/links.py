"""The ticket page's links (issue 14 §6): the ticket it was merged into, the duplicates merged
into it and the related tickets — one query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from supportline.accounts.models import User
from supportline.lib.statements import Select
from supportline.tickets import access
from supportline.tickets.models import Status, Ticket

COLUMNS = ("pk", "number", "subject", "status", "merged_into_id", "is_related")


@dataclass(frozen=True)
class LinkedTicket:
    """What the panel shows of a linked ticket."""

    pk: int
    number: str
    subject: str
    status: str
    merged_into_id: int | None
    is_related: bool

    def get_status_display(self) -> str:
        return str(Status(self.status).label) if self.status in Status.values else self.status


@dataclass(frozen=True)
class TicketLinks:
    merged_into: LinkedTicket | None = None
    duplicates: Sequence[LinkedTicket] = field(default_factory=list)
    related: Sequence[LinkedTicket] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.merged_into or self.duplicates or self.related)


def _linked(visible: QuerySet[Ticket], ticket: int, merged: int) -> QuerySet[Ticket, Any]:
    through = Ticket.related_tickets.through
    linked = through.objects.filter(from_ticket_id=ticket, to_ticket_id=OuterRef("pk"))
    # One set of ids from three index lookups: an OR of them was a scan of every ticket
    # (issue 15: 70 ms at 100 000 tickets).
    ids = (
        Ticket.objects.filter(merged_into_id=ticket)
        .order_by()
        .values("pk")
        .union(
            Ticket.objects.filter(pk=merged).order_by().values("pk"),
            through.objects.filter(from_ticket_id=ticket).order_by().values("to_ticket_id"),
            all=True,
        )
    )
    return (
        visible.filter(pk__in=ids)
        .annotate(is_related=Exists(linked))
        .order_by("registered_at", "id")
        .values_list(*COLUMNS)
    )


# The line sees every ticket: its panel's query compiled once (issue 15).
_LINE_LINKS: Select[tuple[Any, ...]] = Select(
    lambda ticket, merged: _linked(Ticket.objects.all(), ticket, merged), ticket=int, merged=int
)


def ticket_links(user: User, ticket: Ticket) -> TicketLinks:
    """What the user may see of the ticket's links (a link to a ticket outside what they see is
    not shown)."""
    merged = ticket.merged_into_id or 0
    if access.sees_every_ticket(user):
        found = _LINE_LINKS.all(ticket=ticket.pk, merged=merged)
    else:
        found = list(_linked(access.visible_tickets(user), ticket.pk, merged))
    rows = [LinkedTicket(*row) for row in found]
    merged_into = next((t for t in rows if t.pk == ticket.merged_into_id), None)
    duplicates = [t for t in rows if t.merged_into_id == ticket.pk]
    related = [t for t in rows if t.is_related and t.merged_into_id != ticket.pk]
    if merged_into is not None:
        related = [t for t in related if t.pk != merged_into.pk]
    return TicketLinks(merged_into=merged_into, duplicates=duplicates, related=related)
