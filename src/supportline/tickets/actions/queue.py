"""The queue (R14): the next ticket to take, handed to one consultant alone."""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils.translation import gettext as _

from supportline.accounts.models import User
from supportline.tickets import access
from supportline.tickets.actions import steps
from supportline.tickets.models import (
    EventType,
    Ticket,
)


def queue_take_next(*, actor: User, now: dt.datetime | None = None) -> Ticket | None:
    """R14: the next unassigned ticket — Operational first, then FIFO by registration —
    handed to this consultant alone, even when many ask at once (row locks; SKIP LOCKED on
    PostgreSQL, a database-wide write lock on SQLite)."""
    now = steps.moment(now)
    # Translators: completes «Недостаточно прав: %(what)s» ("Not allowed: …").
    access.require(access.is_line(actor), _("брать обращения из очереди"))
    with transaction.atomic():
        queue = Ticket.objects.filter(status=steps.S.REGISTERED, assignee__isnull=True).order_by(
            "-out_of_turn", "registered_at", "id"
        )
        if connection.features.has_select_for_update_skip_locked:
            queue = queue.select_for_update(skip_locked=True)
        ticket = queue.first()
        if ticket is None:
            return None
        ticket.assignee = actor
        steps.event(ticket, EventType.ASSIGNED, now, actor, assignee=actor.pk, via="take_next")
        return steps.save(ticket, now)
