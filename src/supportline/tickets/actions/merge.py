"""Merging a duplicate into another ticket and linking related tickets (issue 14 §6).

A client who asks the same question by phone and by mail has two tickets. The line merges the
duplicate into the ticket it keeps: the duplicate's messages (with their attachments) move to
the kept ticket, the duplicate is closed with a link to it (event `merged`, which the SLA clock
treats as final: both its clocks stop at that instant and its figures are frozen), the client
is told where the answer will come, and both event logs keep what happened (R16). Related
tickets are linked both ways, with an event on each.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from supportline.accounts.models import User
from supportline.tickets import access
from supportline.tickets.actions import steps
from supportline.tickets.errors import TicketError, TransitionError
from supportline.tickets.models import OPEN_STATUSES, EventType, Message, Ticket
from supportline.tickets.notify import notify_one

# Where a duplicate may be merged from: an open ticket not waiting in client evaluation.
MERGEABLE = steps.WORKING


def _lock_pair(first: Ticket, second: Ticket) -> tuple[Ticket, Ticket]:
    """Both rows locked, always in the order of their ids (two merges crossing each other
    cannot deadlock)."""
    locked = {
        t.pk: t for t in Ticket.objects.select_for_update().filter(pk__in=[first.pk, second.pk])
    }
    return locked[first.pk], locked[second.pk]


@transaction.atomic
def ticket_merge(
    *, ticket: Ticket, into: Ticket, actor: User, reason: str = "", now: dt.datetime | None = None
) -> Ticket:
    """Merge the duplicate `ticket` into `into`; returns the kept ticket."""
    now = steps.moment(now)
    if ticket.pk == into.pk:
        raise TicketError(_("Обращение нельзя объединить с самим собой"))
    duplicate, kept = _lock_pair(ticket, into)
    # Translators: completes «Недостаточно прав: %(what)s» ("Not allowed: …").
    access.require(access.is_line(actor), _("объединять обращения может сотрудник линии"))
    if not access.may_merge(actor, duplicate, kept):
        raise TicketError(
            _(
                "Объединять можно только обращения одного клиента: у %(a)s и %(b)s разные "
                "организации или партнёры"
            )
            % {"a": duplicate.number, "b": kept.number}
        )
    # Translators: completes «Нельзя %(action)s: обращение … в статусе …» ("Cannot …").
    steps.require_status(duplicate, MERGEABLE, _("объединить обращение"))
    if kept.status not in OPEN_STATUSES:
        raise TransitionError(
            _("Обращение %(number)s закрыто: присоединять к нему нечего") % {"number": kept.number}
        )
    reason = reason.strip()
    moved = list(Message.objects.filter(ticket=duplicate).values_list("pk", flat=True))
    Message.objects.filter(pk__in=moved).update(ticket=kept)
    steps.event(
        kept,
        EventType.MERGED_IN,
        now,
        actor,
        duplicate=duplicate.number,
        messages=len(moved),
        moved=moved,
        reason=reason,
    )
    steps.event(duplicate, EventType.MERGED, now, actor, into=kept.number, reason=reason)
    # Told to the client in the duplicate's channel (stored text: the line's language).
    steps.message(
        duplicate,
        at=now,
        author=actor,
        kind=Message.Author.LINE,
        purpose=Message.Purpose.NOTICE,
        body=(
            f"Ваше обращение {duplicate.number} объединено с обращением {kept.number} "
            f"«{kept.subject}»: это тот же вопрос. Ответ придёт по обращению {kept.number}."
        ),
    )
    duplicate.status = steps.S.CLOSED
    duplicate.closed_at = now
    duplicate.merged_into = kept
    steps.save(duplicate, now)
    kept.related_tickets.add(duplicate)
    if kept.assignee is not None and kept.assignee.pk != actor.pk:
        # Issue 14 §7: whoever works the kept ticket learns it has grown (the line's language).
        notify_one(
            kept.assignee,
            ticket=kept,
            kind=f"merged_in:{duplicate.number}",
            text=(
                f"К обращению {kept.number} присоединён дубль {duplicate.number} "
                f"«{duplicate.subject}»: его сообщения теперь здесь"
            ),
            now=now,
        )
    return steps.save(kept, now)


@transaction.atomic
def ticket_link(
    *, ticket: Ticket, other: Ticket, actor: User, now: dt.datetime | None = None
) -> Ticket:
    """Link two related tickets (both ways); a second link of the same pair changes nothing."""
    now = steps.moment(now)
    if ticket.pk == other.pk:
        raise TicketError(_("Обращение нельзя связать с самим собой"))
    first, second = _lock_pair(ticket, other)
    # Translators: completes «Недостаточно прав: %(what)s» ("Not allowed: …").
    access.require(access.may_link(actor, first, second), _("связывать эти обращения"))
    if first.related_tickets.filter(pk=second.pk).exists():
        return first
    first.related_tickets.add(second)
    steps.event(first, EventType.LINKED, now, actor, other=second.number)
    steps.event(second, EventType.LINKED, now, actor, other=first.number)
    return first


@transaction.atomic
def ticket_unlink(
    *, ticket: Ticket, other: Ticket, actor: User, now: dt.datetime | None = None
) -> Ticket:
    """Remove the link of two tickets (the events of linking stay in both logs)."""
    now = steps.moment(now)
    first, second = _lock_pair(ticket, other)
    # Translators: completes «Недостаточно прав: %(what)s» ("Not allowed: …").
    access.require(access.may_link(actor, first, second), _("снимать связь этих обращений"))
    if not first.related_tickets.filter(pk=second.pk).exists():
        return first
    first.related_tickets.remove(second)
    steps.event(first, EventType.UNLINKED, now, actor, other=second.number)
    steps.event(second, EventType.UNLINKED, now, actor, other=first.number)
    return first
