"""Unread markers of the queue (issue 14 §7): one query for the whole page."""

from __future__ import annotations

from supportline.accounts.models import User
from supportline.tickets.models import Notification


def unread_tickets(user: User) -> frozenset[int]:
    """Ids of the tickets the user has unread notifications about."""
    return frozenset(
        Notification.objects.filter(user=user, read_at=None, ticket__isnull=False)
        .values_list("ticket_id", flat=True)
        .distinct()
    )
