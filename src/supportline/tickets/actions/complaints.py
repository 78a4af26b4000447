"""Quality complaints (R20): their own register for the quality manager."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from supportline.accounts.models import Role, User
from supportline.core import rules
from supportline.jobs.core import enqueue
from supportline.tickets import access
from supportline.tickets.actions import steps
from supportline.tickets.errors import IntakeError, TicketError, TransitionError
from supportline.tickets.models import (
    Channel,
    Complaint,
    Ticket,
)
from supportline.tickets.notify import notify, supervisors


@transaction.atomic
def complaint_file(
    *,
    actor: User | None,
    subject: str,
    text: str,
    channel: str = Channel.PORTAL,
    ticket_numbers: list[str] | None = None,
    author_email: str = "",
    now: dt.datetime | None = None,
) -> Complaint:
    """R20: a complaint about the line's quality, for the quality manager's own queue."""
    now = now or timezone.now()
    errors = {}
    if not subject.strip():
        errors["subject"] = _("Укажите тему претензии")
    if not text.strip():
        errors["text"] = _("Опишите претензию")
    tickets: list[Ticket] = []
    for number in ticket_numbers or []:
        found = (
            (access.visible_tickets(actor) if actor is not None else Ticket.objects.none())
            .filter(number=number.strip())
            .first()
        )
        if found is None:
            errors["tickets"] = _("Обращение «%(number)s» не найдено среди ваших обращений") % {
                "number": number.strip()
            }
        else:
            tickets.append(found)
    if errors:
        raise IntakeError(errors)
    complaint = Complaint.objects.create(
        received_at=now,
        channel=channel,
        author=actor,
        author_email=author_email or (actor.email if actor is not None else ""),
        organisation=actor.organisation if actor is not None else None,
        subject=subject.strip(),
        text=text.strip(),
    )
    complaint.number = f"Q-{complaint.pk:06d}"
    complaint.assignee = _quality_manager()
    complaint.due_at = steps.end_of_working_days(
        now, rules.regulation().complaint_answer_working_days
    )
    complaint.save(update_fields=["number", "assignee", "due_at"])
    complaint.tickets.set(tickets)
    # Issue 14 §7: the quality manager who answers it (all supervisors while nobody is).
    notify(
        [complaint.assignee] if complaint.assignee is not None else supervisors(),
        ticket=None,
        kind=f"complaint:{complaint.number}",
        text=f"Новая претензия {complaint.number}: «{complaint.subject}»",
        now=now,
    )
    if complaint.author_email:
        # R20: the author's acknowledgement with the number, mailed after commit (outbox).
        enqueue(
            "mail.send_complaint_ack",
            {"complaint": complaint.pk},
            dedupe_key=f"mail:complaint-ack:{complaint.pk}",
        )
    return complaint


def _quality_manager() -> User | None:
    """Who answers a new complaint: the quality manager (a supervisor) with the fewest open
    complaints; nobody when the line has no supervisor yet (the board shows it unassigned)."""
    return (
        User.objects.filter(role__in=access.SUPERVISOR_ROLES - {Role.ADMIN}, is_active=True)
        .annotate(
            open_count=Count(
                "assigned_complaints",
                filter=Q(assigned_complaints__state=Complaint.State.OPEN),
            )
        )
        .order_by("open_count", "id")
        .first()
    )


@transaction.atomic
def complaint_assign(
    *, complaint: Complaint, actor: User, assignee: User, now: dt.datetime | None = None
) -> Complaint:
    """R20: the quality manager hands a complaint to a colleague."""
    access.require(
        access.may_answer_complaints(actor),
        # Translators: completes «Недостаточно прав: %(what)s» ("Not allowed: …").
        _("назначать ответственного за претензию"),
    )
    if not access.may_answer_complaints(assignee):
        raise TicketError(_("Ответственным за претензию может быть только менеджер по качеству"))
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    complaint.assignee = assignee
    complaint.save(update_fields=["assignee"])
    return complaint


@transaction.atomic
def complaint_link_tickets(
    *, complaint: Complaint, actor: User, numbers: list[str], now: dt.datetime | None = None
) -> Complaint:
    """R20: the quality manager links the tickets a complaint concerns (any ticket of the line)."""
    access.require(
        access.may_answer_complaints(actor),
        # Translators: completes «Недостаточно прав: %(what)s» ("Not allowed: …").
        _("связывать претензии с обращениями"),
    )
    wanted = [n.strip() for n in numbers if n.strip()]
    if not wanted:
        raise IntakeError({"tickets": _("Укажите номера обращений")})
    found = {t.number: t for t in access.visible_tickets(actor).filter(number__in=wanted)}
    missing = [n for n in wanted if n not in found]
    if missing:
        raise IntakeError(
            {"tickets": _("Обращения не найдены: %(numbers)s") % {"numbers": ", ".join(missing)}}
        )
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    complaint.tickets.add(*found.values())
    return complaint


@transaction.atomic
def complaint_answer(
    *, complaint: Complaint, actor: User, text: str, now: dt.datetime | None = None
) -> Complaint:
    now = now or timezone.now()
    access.require(
        access.may_answer_complaints(actor),
        # Translators: completes «Недостаточно прав: %(what)s» ("Not allowed: …").
        _("отвечать на претензии может менеджер по качеству"),
    )
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if complaint.state == Complaint.State.ANSWERED:
        raise TransitionError(
            _("На претензию %(number)s уже дан ответ") % {"number": complaint.number}
        )
    if not text.strip():
        raise TicketError(_("Напишите ответ на претензию"))
    complaint.answer = text.strip()
    complaint.answered_by = actor
    complaint.answered_at = now
    complaint.state = Complaint.State.ANSWERED
    complaint.save()
    if complaint.author_email:
        # Mailed after commit by the worker (outbox), once per complaint.
        enqueue(
            "mail.send_complaint_answer",
            {"complaint": complaint.pk},
            dedupe_key=f"mail:complaint:{complaint.pk}",
        )
    return complaint
