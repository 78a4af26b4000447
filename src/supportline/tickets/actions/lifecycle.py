"""The life of a ticket on the line (R7–R13): acceptance, questions and the client's answers,
the line's answers, resolution, the client's evaluation and the automatic close."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from supportline.accounts.models import User
from supportline.core import rules
from supportline.core.formatting import utc_offset_label
from supportline.tickets import access
from supportline.tickets.actions import registration, steps
from supportline.tickets.clock import store_sla
from supportline.tickets.errors import LinkExpired, TicketError, TransitionError
from supportline.tickets.intake import (
    IntakeData,
)
from supportline.tickets.labels import intake_labels
from supportline.tickets.models import (
    FINAL_STATUSES,
    EventType,
    Message,
    Ticket,
)
from supportline.tickets.notify import consultants_for, notify, notify_one
from supportline.tickets.rating_reply import parse_rating_reply


@transaction.atomic
def ticket_accept(
    *, ticket: Ticket, actor: User, text: str = "", now: dt.datetime | None = None
) -> Ticket:
    """R7: the explicit act that confirms to the client that the ticket is accepted — from the
    queue, and, while nobody of the line has reacted, during the automatic request for R1 data
    or after a transfer (a transfer is not an acceptance)."""
    # Translators: completes «Нельзя %(action)s: обращение … в статусе …» ("Cannot …").
    ticket, now = steps.begin(ticket, actor, "accept", _("принять обращение в работу"), now)
    accept(ticket, actor=actor, at=now, text=text)
    return steps.save(ticket, now)


def _level_name(level: str) -> str:
    return rules.regulation().level(level).name.ru


def _format_due(moment: dt.datetime | None) -> str:
    """The due time in the acceptance confirmation: stored, so in the line's language."""
    if moment is None:
        return steps.say(rules.regulation().answers.due_after_client_answer)
    local = moment.astimezone(rules.line_zone())
    label = rules.regulation().working_hours.zone_label
    return f"{local:%d.%m.%Y %H:%M} " + (label.ru if label else utc_offset_label(local))


def accept(ticket: Ticket, *, actor: User, at: dt.datetime, text: str = "") -> None:
    """The acceptance and its confirmation to the client: the reaction (R7). A ticket waiting
    for R1 data keeps waiting (resolution stays paused), a transferred one stays transferred."""
    steps.event(ticket, EventType.ACCEPTED, at, actor)
    steps.take(ticket, actor=actor, at=at)
    if ticket.status == steps.S.REGISTERED:
        ticket.status = steps.S.ACCEPTED
    sla = store_sla(ticket, now=at)
    confirmation = steps.say(
        rules.regulation().answers.acceptance,
        number=ticket.number,
        level=_level_name(ticket.level),
        resolution_due=_format_due(sla.resolution.due_at),
    )
    steps.message(
        ticket,
        at=at,
        author=actor,
        kind=Message.Author.LINE,
        purpose=Message.Purpose.ACCEPTANCE,
        body=steps.line_text(text, confirmation),
    )


@transaction.atomic
def ticket_ask(*, ticket: Ticket, actor: User, text: str, now: dt.datetime | None = None) -> Ticket:
    """R12: a clarifying question; the resolution clock pauses until the client answers."""
    # Translators: completes «Нельзя %(action)s: обращение … в статусе …» ("Cannot …").
    ticket, now = steps.begin(ticket, actor, "ask", _("задать вопрос клиенту"), now)
    if not text.strip():
        raise TicketError(_("Напишите вопрос клиенту"))
    steps.take(ticket, actor=actor, at=now)
    steps.ask_client(ticket, actor=actor, at=now, text=text.strip())
    return steps.save(ticket, now)


@transaction.atomic
def ticket_client_reply(
    *,
    ticket: Ticket,
    actor: User | None,
    text: str,
    now: dt.datetime | None = None,
    channel: str | None = None,
    external_id: str = "",
) -> Ticket:
    """The client writes (any channel). An answer to a question resumes the clock (R12)."""
    now = steps.moment(now)
    ticket = steps.lock(ticket)
    client_reply(ticket, actor=actor, text=text, at=now, channel=channel, external_id=external_id)
    return steps.save(ticket, now)


def client_reply(
    ticket: Ticket,
    *,
    actor: User | None,
    text: str,
    at: dt.datetime,
    channel: str | None = None,
    external_id: str = "",
) -> Message:
    """The client's message on a locked ticket; returns it (attachments hang on it)."""
    if actor is not None:
        access.require_client_side(actor, ticket)
    if ticket.status in FINAL_STATUSES:
        raise TransitionError(
            _("Обращение %(number)s закрыто; пожалуйста, зарегистрируйте новое обращение")
            % {"number": ticket.number}
        )
    if not text.strip():
        raise TicketError(_("Пустое сообщение"))
    message = steps.message(
        ticket,
        at=at,
        author=actor,
        kind=Message.Author.CLIENT,
        purpose=Message.Purpose.CLIENT,
        body=text.strip(),
        channel=channel,
        external_id=external_id,
    )
    if ticket.status == steps.S.CLIENT_EVALUATION:
        # R13 on every channel: a reply that is only a rating accepts the answer; any other
        # message is a rejection with that message as the reason.
        via = channel or ticket.channel
        reply = parse_rating_reply(text)
        if reply is not None:
            _accept_answer(
                ticket, actor=actor, at=at, rating=reply.rating, comment=reply.comment, via=via
            )
        else:
            _reject_answer(ticket, actor=actor, at=at, reason=text.strip(), via=via)
        return message
    if ticket.status == steps.S.WAITING_CLIENT:
        steps.event(ticket, EventType.CLIENT_REPLIED, at, actor)
        ticket.status = steps.resume_status(ticket)
    # Issue 14 §7: whoever works the ticket learns the client wrote (one notice per ticket,
    # unread again at each new message). Stored for the line's people: the line's language.
    shown = text.strip() if len(text.strip()) <= 200 else text.strip()[:199] + "…"
    notify_one(
        ticket.assignee,
        ticket=ticket,
        kind="client_replied",
        text=f"Клиент ответил по обращению {ticket.number} «{ticket.subject}»: {shown}",
        now=at,
    )
    if ticket.missing_fields and ticket.status in steps.WORKING:
        # R1: the data the line asked for, written as labelled lines, complete the ticket;
        # what is still missing is asked again, a complete ticket goes through triage.
        supplied = intake_labels(text)
        if supplied:
            errors = registration.apply_intake(ticket, IntakeData(**supplied), actor=actor, at=at)
            if errors:
                registration.ask_missing(ticket, errors, at=at)
            else:
                registration.triage(ticket, at=at)
    return message


@transaction.atomic
def ticket_answer(
    *, ticket: Ticket, actor: User, text: str, now: dt.datetime | None = None
) -> Ticket:
    """An answer of the line; answering a ticket nobody of the line has reacted to yet accepts
    it first (R7) — in the queue, after the client's R1 data, after a transfer."""
    # Translators: completes «Нельзя %(action)s: обращение … в статусе …» ("Cannot …").
    ticket, now = steps.begin(ticket, actor, "answer", _("ответить клиенту"), now)
    if not text.strip():
        raise TicketError(_("Напишите ответ"))
    if not steps.reacted(ticket):
        accept(ticket, actor=actor, at=now)
    steps.message(
        ticket,
        at=now,
        author=actor,
        kind=Message.Author.LINE,
        purpose=Message.Purpose.ANSWER,
        body=text.strip(),
    )
    steps.event(ticket, EventType.ANSWERED, now, actor)
    if ticket.status in (steps.S.REGISTERED, steps.S.ACCEPTED):
        ticket.status = steps.S.IN_PROGRESS
    return steps.save(ticket, now)


@transaction.atomic
def ticket_resolve(
    *, ticket: Ticket, actor: User, text: str = "", now: dt.datetime | None = None
) -> Ticket:
    """R8: the answer is given; the ticket goes to client evaluation and the clock stops."""
    # Translators: completes «Нельзя %(action)s: обращение … в статусе …» ("Cannot …").
    ticket, now = steps.begin(
        ticket, actor, "resolve", _("передать обращение на оценку клиенту"), now
    )
    if (
        not text.strip()
        and not ticket.messages.filter(author_kind=Message.Author.LINE)
        .exclude(author=None)
        .exists()
    ):
        raise TicketError(_("Перед передачей на оценку дайте клиенту ответ"))
    # The evaluation message is always written: its mail carries the rating links (R13).
    steps.message(
        ticket,
        at=now,
        author=actor,
        kind=Message.Author.LINE,
        purpose=Message.Purpose.EVALUATION,
        # Without a text of its own (the answer was given before): the regulation's request.
        body=text.strip()
        or steps.say(rules.regulation().answers.evaluation_request, number=ticket.number),
    )
    steps.take(ticket, actor=actor, at=now)
    steps.event(ticket, EventType.RESOLVED, now, actor)
    ticket.status = steps.S.CLIENT_EVALUATION
    return steps.save(ticket, now)


@transaction.atomic
def ticket_evaluate(
    *,
    ticket: Ticket,
    actor: User,
    accepted: bool,
    rating: int | None = None,
    comment: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """R13: the client accepts (rating 1–5 → closed) or rejects (→ in progress, clock resumes)."""
    now = steps.moment(now)
    ticket = steps.lock(ticket)
    access.require_client_side(actor, ticket)
    # Translators: completes «Нельзя %(action)s: обращение … в статусе …» ("Cannot …").
    steps.require_status(ticket, steps.ALLOWED_FROM["evaluate"], _("оценить ответ"))
    if accepted:
        if rating is None:
            raise TicketError(_("Оценка — целое число от 1 до 5"))
        _accept_answer(ticket, actor=actor, at=now, rating=rating, comment=comment)
    else:
        if not comment.strip():
            raise TicketError(_("Напишите, почему ответ не подошёл"))
        steps.message(
            ticket,
            at=now,
            author=actor,
            kind=Message.Author.CLIENT,
            purpose=Message.Purpose.CLIENT,
            body=comment.strip(),
        )
        _reject_answer(ticket, actor=actor, at=now, reason=comment.strip())
    return steps.save(ticket, now)


@transaction.atomic
def ticket_evaluate_by_link(
    *,
    ticket: Ticket,
    rating: int,
    comment: str = "",
    evaluation: int,
    now: dt.datetime | None = None,
) -> Ticket:
    """R13: the client accepts with a one-click rating link of the evaluation mail — no sign-in.

    The signed link (`supportline.tickets.rating_links`) is the authority: it names the ticket,
    the rating and `evaluation`, the id of the resolution event that opened the evaluation it
    was mailed for. It works once, while that evaluation lasts: a link of an earlier evaluation
    or of an evaluated ticket is used (`TransitionError`), one past the automatic close's
    deadline has expired (`LinkExpired`)."""
    now = steps.moment(now)
    ticket = steps.lock(ticket)
    current = (
        ticket.events.filter(type=EventType.RESOLVED).order_by("-at", "-id").first()
        if ticket.status == steps.S.CLIENT_EVALUATION
        else None
    )
    if current is None or current.pk != evaluation:
        raise TransitionError(
            _("Ответ по обращению %(number)s уже оценён: ссылка больше не действует")
            % {"number": ticket.number}
        )
    ends = evaluation_ends(ticket) or current.at
    if now > ends:
        raise LinkExpired(
            _("Срок оценки ответа по обращению %(number)s истёк") % {"number": ticket.number}
        )
    _accept_answer(ticket, actor=None, at=now, rating=rating, comment=comment, via="link")
    return steps.save(ticket, now)


def _accept_answer(
    ticket: Ticket,
    *,
    actor: User | None,
    at: dt.datetime,
    rating: int | None,
    comment: str,
    via: str = "",
) -> None:
    """R13: the client accepts → closed. `rating` 1–5, or None for an acceptance without a
    number (a mail «принимаю»); `via` names the channel of a reply or "link"."""
    if rating is not None and not 1 <= rating <= 5:
        raise TicketError(_("Оценка — целое число от 1 до 5"))
    ticket.rating = rating
    ticket.rating_comment = comment.strip()
    extra = {"via": via} if via else {}
    steps.event(
        ticket,
        EventType.EVALUATED,
        at,
        actor,
        accepted=True,
        rating=rating,
        comment=comment.strip(),
        **extra,
    )
    steps.event(ticket, EventType.CLOSED, at, actor)
    ticket.status = steps.S.CLOSED
    ticket.closed_at = at


def _reject_answer(
    ticket: Ticket, *, actor: User | None, at: dt.datetime, reason: str, via: str = ""
) -> None:
    """R13: the client rejects → back in work, the resolution clock running again from the
    time it had used; whoever works the ticket is told why."""
    extra = {"via": via} if via else {}
    event = steps.event(
        ticket, EventType.EVALUATED, at, actor, accepted=False, comment=reason, **extra
    )
    steps.event(ticket, EventType.REOPENED, at, actor)
    ticket.status = steps.resume_status(ticket)
    # Stored for the line's people: the line's language (see steps' docstring).
    shown = reason if len(reason) <= 300 else reason[:299] + "…"
    notify(
        consultants_for(ticket),
        ticket=ticket,
        kind=f"rejected:{event.pk}",
        text=f"Клиент отклонил ответ по обращению {ticket.number} «{ticket.subject}»: {shown}",
        now=at,
    )


def evaluation_deadline(start: dt.datetime, working_days: int) -> dt.datetime:
    """The end of the `working_days`-th working day after the day evaluation started (R13)."""
    return steps.end_of_working_days(start, working_days)


def evaluation_ends(ticket: Ticket) -> dt.datetime | None:
    """When the ticket's client evaluation ends (its automatic close is due, R13); None when
    the ticket is not in evaluation."""
    if ticket.status != steps.S.CLIENT_EVALUATION or ticket.evaluation_started_at is None:
        return None
    return evaluation_deadline(
        ticket.evaluation_started_at, rules.regulation().auto_close_working_days
    )


def tickets_auto_close(*, now: dt.datetime | None = None) -> list[Ticket]:
    """R13: close tickets left in client evaluation longer than the regulation allows."""
    now = steps.moment(now)
    days = rules.regulation().auto_close_working_days
    # Only tickets that entered evaluation at least `days` calendar days ago can be due.
    candidates = Ticket.objects.filter(
        status=steps.S.CLIENT_EVALUATION, evaluation_started_at__lte=now - dt.timedelta(days=days)
    ).values_list("pk", flat=True)
    closed = []
    for pk in candidates:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().get(pk=pk)
            if ticket.status != steps.S.CLIENT_EVALUATION or ticket.evaluation_started_at is None:
                continue
            if evaluation_deadline(ticket.evaluation_started_at, days) > now:
                continue
            steps.event(ticket, EventType.CLOSED, now, None, reason="auto_close", working_days=days)
            # A stored notice to the client: the line's language, not translated per request.
            steps.message(
                ticket,
                at=now,
                author=None,
                kind=Message.Author.SYSTEM,
                purpose=Message.Purpose.NOTICE,
                body=steps.say(
                    rules.regulation().answers.auto_close, number=ticket.number, days=days
                ),
            )
            ticket.status = steps.S.CLOSED
            ticket.closed_at = now
            closed.append(steps.save(ticket, now))
    return closed
