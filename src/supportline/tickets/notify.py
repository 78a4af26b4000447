"""In-app notifications of the line's people (R11 warnings and breaches, R15 releases)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from supportline.accounts.models import Role, User
from supportline.tickets.models import Notification, Ticket


def notify(
    users: Iterable[User], *, ticket: Ticket | None, kind: str, text: str, now: dt.datetime
) -> int:
    """Once per (user, ticket, kind): repeated calls (a job run twice) add nothing."""
    made = 0
    for user in users:
        _, created = Notification.objects.get_or_create(
            user=user, ticket=ticket, kind=kind, defaults={"text": text, "created_at": now}
        )
        made += created
    return made


def supervisors() -> list[User]:
    return list(User.objects.filter(role__in=[Role.SUPERVISOR], is_active=True))


def consultants_for(ticket: Ticket) -> list[User]:
    """The assignee, or every active consultant while nobody has taken the ticket."""
    if ticket.assignee is not None:
        return [ticket.assignee]
    return list(User.objects.filter(role=Role.CONSULTANT, is_active=True))
