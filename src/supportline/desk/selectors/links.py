"""The ticket page's links (issue 14 §6): the ticket it was merged into, the duplicates merged
into it and the related tickets — one query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q

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
    rows = list(
        access.visible_tickets(user)
        .filter(
            Q(merged_into_id=ticket.pk)
            | Q(pk=ticket.merged_into_id or 0)
            | Q(pk__in=through.objects.filter(from_ticket_id=ticket.pk).values("to_ticket_id"))
        )
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
