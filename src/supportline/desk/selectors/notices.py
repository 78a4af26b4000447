"""Unread markers of the queue (issue 14 §7): one query for the whole page."""

from __future__ import annotations

from supportline.accounts.models import User
from supportline.lib.statements import Select
from supportline.tickets.models import Notification

# Read by every queue page and its poll: compiled once (issue 15).
_UNREAD: Select[int] = Select(
    lambda user: (
        Notification.objects.filter(user_id=user, read_at=None, ticket__isnull=False)
        .order_by()
        .values_list("ticket_id", flat=True)
        .distinct()
    ),
    user=int,
)


def unread_tickets(user: User) -> frozenset[int]:
    """Ids of the tickets the user has unread notifications about."""
    return frozenset(_UNREAD.all(user=user.pk))
