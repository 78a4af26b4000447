"""Level changes, transfers to the methodologist or development, and the line's exits: redirect
(R3), refusal (R2), assignment (R10, R15)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from supportline.accounts.models import User
from supportline.core import rules
from supportline.tickets import access
from supportline.tickets.actions import development, steps
from supportline.tickets.errors import TicketError, TransitionError
from supportline.tickets.models import (
    FINAL_STATUSES,
    DevelopmentItem,
    EventType,
    Ticket,
    TransferTarget,
)
from supportline.tickets.notify import notify_one


@transaction.atomic
def ticket_change_level(
    *, ticket: Ticket, actor: User, level: str, reason: str, now: dt.datetime | None = None
) -> Ticket:
    """R10: the new level's targets apply from the original registration; history keeps why."""
    now = steps.moment(now)
    ticket = steps.lock(ticket)
    access.require_line_worker(actor, ticket)
    regulation = rules.regulation()
    if not regulation.has_level(level):
        raise TicketError(_("Неизвестный уровень поддержки «%(level)s»") % {"level": level})
    if ticket.status in FINAL_STATUSES:
        raise TransitionError(
            _("Обращение %(number)s закрыто: уровень не меняется") % {"number": ticket.number}
        )
    if level == ticket.level:
        raise TransitionError(
            _("Обращение уже на уровне «%(level)s»")
            % {"level": rules.tr(regulation.level(level).name)}
        )
    if not reason.strip():
        raise TicketError(_("Укажите причину изменения уровня"))
    _change_level(ticket, actor=actor, at=now, level=level, reason=reason.strip())
    return steps.save(ticket, now)


def _change_level(ticket: Ticket, *, actor: User, at: dt.datetime, level: str, reason: str) -> None:
    steps.event(
        ticket,
        EventType.LEVEL_CHANGED,
        at,
        actor,
        level=level,
        previous=ticket.level,
        reason=reason,
    )
    ticket.level = level


@transaction.atomic
def ticket_transfer(
    *,
    ticket: Ticket,
    actor: User,
    to: str,
    kind: str,
    reason: str,
    title: str = "",
    development_item: DevelopmentItem | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """R10, R15: to a methodologist or development. A confirmed defect is Operational; a wish
    becomes a Development request. The ticket links to a development item.

    R7: a transfer is not an acceptance. A ticket nobody of the line has reacted to is
    transferred unaccepted: no confirmation goes to the client and its reaction clock keeps
    running (against the new level's target, from registration, R10) until a person of the
    line accepts, asks, answers or resolves it. The transferring consultant stays its
    assignee (nothing the client sees)."""
    now = steps.moment(now)
    ticket = steps.lock(ticket)
    # Translators: completes «Недостаточно прав: %(what)s» ("Not allowed: …").
    access.require(access.is_line(actor), _("передавать обращения может сотрудник линии"))
    # Translators: completes «Нельзя %(action)s: обращение … в статусе …» ("Cannot …").
    steps.require_status(ticket, steps.ALLOWED_FROM["transfer"], _("передать обращение"))
    steps.require_exemption_settled(ticket)
    if to not in TransferTarget.values:
        raise TicketError(
            _("Передать можно методологу (methodologist) или в отдел разработки (development)")
        )
    if kind not in DevelopmentItem.ItemKind.values:
        raise TicketError(_("Вид передачи: defect (критическая ошибка) или wish (пожелание)"))
    if not reason.strip():
        raise TicketError(_("Укажите причину передачи"))
    steps.take(ticket, actor=actor, at=now)
    item = development_item or DevelopmentItem.objects.create(
        title=title.strip() or ticket.subject,
        kind=kind,
        description=reason.strip(),
        created_by=actor,
    )
    target_level = (
        rules.regulation().defect_level_id
        if kind == DevelopmentItem.ItemKind.DEFECT
        else rules.regulation().wish_level_id
    )
    if ticket.level != target_level:
        # The reason is stored in the ticket's history: the line's language.
        _change_level(
            ticket, actor=actor, at=now, level=target_level, reason=f"передача: {reason.strip()}"
        )
    steps.event(
        ticket,
        EventType.TRANSFERRED,
        now,
        actor,
        to=to,
        kind=kind,
        item=item.pk,
        reason=reason.strip(),
    )
    ticket.transferred_to = to
    ticket.development_item = item
    ticket.status = steps.S.TRANSFERRED
    if item.target_release is not None and item.target_release.published_at is None:
        # R15: linked to an item already planned for a release: the client learns it now.
        development.tell_plan(ticket, release=item.target_release, at=now)
    return steps.save(ticket, now)


@transaction.atomic
def ticket_redirect(
    *, ticket: Ticket, actor: User, category: str, text: str = "", now: dt.datetime | None = None
) -> Ticket:
    """R3: out of scope — redirected to a franchisee or the third-party developer."""
    # Translators: completes «Нельзя %(action)s: обращение … в статусе …» ("Cannot …").
    ticket, now = steps.begin(ticket, actor, "redirect", _("перенаправить обращение"), now)
    try:
        rules.regulation().scope_category(category)
    except KeyError:
        raise TicketError(
            _("Неизвестная категория «%(category)s»") % {"category": category}
        ) from None
    steps.redirect(ticket, actor=actor, at=now, category_id=category, text=text)
    return steps.save(ticket, now)


@transaction.atomic
def ticket_refuse(
    *, ticket: Ticket, actor: User, reason: str, now: dt.datetime | None = None
) -> Ticket:
    """R2: refused for want of a valid contract, with what is missing and how to get it."""
    # Translators: completes «Нельзя %(action)s: обращение … в статусе …» ("Cannot …").
    ticket, now = steps.begin(ticket, actor, "refuse", _("отказать в обслуживании"), now)
    if not reason.strip():
        raise TicketError(_("Укажите, какого договора не хватает"))
    steps.refuse(ticket, actor=actor, at=now, reason=reason.strip())
    return steps.save(ticket, now)


@transaction.atomic
def ticket_assign(
    *,
    ticket: Ticket,
    actor: User,
    assignee: User,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    now = steps.moment(now)
    ticket = steps.lock(ticket)
    # Translators: completes «Недостаточно прав: %(what)s» ("Not allowed: …").
    access.require(access.is_line(actor), _("назначать исполнителя"))
    if ticket.status in FINAL_STATUSES:
        raise TransitionError(_("Обращение %(number)s закрыто") % {"number": ticket.number})
    if not access.may_be_assignee(assignee):
        raise TicketError(_("Исполнителем может быть только сотрудник линии"))
    ticket.assignee = assignee
    extra = {"reason": reason.strip()} if reason.strip() else {}
    steps.event(ticket, EventType.ASSIGNED, now, actor, assignee=assignee.pk, **extra)
    if assignee.pk != actor.pk:
        # Issue 14 §7: the new assignee is told (stored text: the line's language).
        notify_one(
            assignee,
            ticket=ticket,
            kind="assigned",
            text=f"Вам назначено обращение {ticket.number} «{ticket.subject}»",
            now=now,
        )
    return steps.save(ticket, now)
