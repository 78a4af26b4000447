"""The ticket page's links (issue 14 §6): the ticket it was merged into, the duplicates merged
into it and the related tickets — one query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef

from supportline.accounts.models import User
from supportline.tickets import access
from supportline.tickets.models import Ticket


@dataclass(frozen=True)
class TicketLinks:
    merged_into: Ticket | None = None
    duplicates: Sequence[Ticket] = field(default_factory=list)
    related: Sequence[Ticket] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.merged_into or self.duplicates or self.related)


def ticket_links(user: User, ticket: Ticket) -> TicketLinks:
    """What the user may see of the ticket's links (a link to a ticket outside what they see is
    not shown)."""
    through = Ticket.related_tickets.through
    linked = through.objects.filter(from_ticket_id=ticket.pk, to_ticket_id=OuterRef("pk"))
    # One set of ids from three index lookups: an OR of them was a scan of every ticket
    # (issue 15: 70 ms at 100 000 tickets).
    ids = (
        Ticket.objects.filter(merged_into_id=ticket.pk)
        .order_by()
        .values("pk")
        .union(
            Ticket.objects.filter(pk=ticket.merged_into_id or 0).order_by().values("pk"),
            through.objects.filter(from_ticket_id=ticket.pk).order_by().values("to_ticket_id"),
            all=True,
        )
    )
    rows = list(
        access.visible_tickets(user)
        .filter(pk__in=ids)
        .annotate(is_related=Exists(linked))
        .only("pk", "number", "subject", "status", "merged_into_id")
        .order_by("registered_at", "id")
    )
    merged_into = next((t for t in rows if t.pk == ticket.merged_into_id), None)
    duplicates = [t for t in rows if t.merged_into_id == ticket.pk]
    related = [t for t in rows if t.is_related and t.merged_into_id != ticket.pk]
    if merged_into is not None:
        related = [t for t in related if t.pk != merged_into.pk]
    return TicketLinks(merged_into=merged_into, duplicates=duplicates, related=related)
