"""Every state change of a ticket goes through one of these functions (one write path).

Each service: checks access and the current status, changes the ticket inside one
transaction with the row locked, appends events (R16), recomputes the stored SLA figures from
the events (R11) and returns the ticket. Illegal transitions raise `TransitionError` with a
message in the active language of the request (Russian by default) — never a silent no-op.

Two kinds of text live here:
- errors (`TicketError` and its kinds) go to the person who caused them, so they are gettext'ed
  when raised, in that person's language;
- what the line writes into a ticket (messages to the client, notices, event reasons) is stored
  and sent to the client in the line's language, Russian (`LINE_LANGUAGE`), like the
  regulation's standard answers (`say`): those strings are plain Russian on purpose and are not
  translated per request — a consultant working in the English UI still writes to the client
  in Russian, and a stored text cannot follow the language of whoever reads it later.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from supportline.accounts.models import Role, User
from supportline.core import rules
from supportline.registry.models import Release
from supportline.regulation import Text
from supportline.tickets import access, outbox
from supportline.tickets.clock import store_sla
from supportline.tickets.errors import IntakeError, TicketError, TransitionError
from supportline.tickets.intake import (
    FIELD_NAMES,
    LINE_LANGUAGE,
    IntakeData,
    check_intake,
    contract_eligibility,
    outdated_release,
)
from supportline.tickets.labels import intake_labels
from supportline.tickets.models import (
    ASKING_CHANNELS,
    FINAL_STATUSES,
    Channel,
    DevelopmentItem,
    EventType,
    Level,
    Message,
    Notification,
    Status,
    Ticket,
    TicketEvent,
    TransferTarget,
)

S = Status
# Where the line may act from: an open ticket not waiting in client evaluation.
WORKING = frozenset({S.REGISTERED, S.ACCEPTED, S.IN_PROGRESS, S.WAITING_CLIENT, S.TRANSFERRED})
# Where the line may write to the client (not while the ticket waits for the client's answer).
TALKING = WORKING - {S.WAITING_CLIENT}

# The statuses each action may start from: the services refuse anything else, and the desk
# offers only what passes — one table, not a copy per screen.
ALLOWED_FROM: dict[str, frozenset[str]] = {
    "accept": frozenset({S.REGISTERED}),
    "ask": TALKING,
    "answer": TALKING,
    "transfer": TALKING,
    "resolve": WORKING,
    "redirect": WORKING,
    "refuse": WORKING,
    "complete": WORKING,
    "evaluate": frozenset({S.CLIENT_EVALUATION}),
    "decide": frozenset({S.REGISTERED, S.ACCEPTED, S.IN_PROGRESS}),
}


def say(text: Text, **values: Any) -> str:
    """A standard answer of the regulation, in Russian (the line's language), filled in."""
    return text.ru.format(**values)


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _require_status(ticket: Ticket, allowed: Iterable[str], action: str) -> None:
    """`action` is already translated by the caller: it completes «Нельзя …» ("Cannot …")."""
    if ticket.status not in allowed:
        raise TransitionError(
            _("Нельзя %(action)s: обращение %(number)s в статусе «%(status)s»")
            % {"action": action, "number": ticket.number, "status": ticket.get_status_display()}
        )


def _begin(
    ticket: Ticket, actor: User, action: str, doing: str, now: dt.datetime | None
) -> tuple[Ticket, dt.datetime]:
    """The common start of a line action: one instant for all it writes, the row locked, the
    actor allowed to act for the line, the status one the action may start from."""
    now = _now(now)
    ticket = _locked(ticket)
    access.require_line_worker(actor, ticket)
    _require_status(ticket, ALLOWED_FROM[action], doing)
    return ticket, now


def _event(
    ticket: Ticket, type: str, at: dt.datetime, author: User | None, **data: Any
) -> TicketEvent:
    return TicketEvent.objects.create(ticket=ticket, type=type, at=at, author=author, data=data)


def _message(
    ticket: Ticket,
    *,
    at: dt.datetime,
    author: User | None,
    kind: str,
    purpose: str,
    body: str,
    channel: str | None = None,
    external_id: str = "",
) -> Message:
    message = Message.objects.create(
        ticket=ticket,
        at=at,
        author=author,
        author_kind=kind,
        purpose=purpose,
        channel=channel or ticket.channel,
        body=body,
        external_id=external_id,
    )
    _event(ticket, EventType.MESSAGE, at, author, message=message.pk, kind=kind)
    outbox.message_created(message)
    return message


def _save(ticket: Ticket, now: dt.datetime) -> Ticket:
    ticket.out_of_turn = rules.regulation().level(ticket.level).out_of_turn
    store_sla(ticket, now=now)
    ticket.save()
    return ticket


def _line_text(text: str, default: str) -> str:
    return text.strip() or default


def _level_name(level: str) -> str:
    return rules.regulation().level(level).name.ru


def _format_due(moment: dt.datetime | None) -> str:
    """The due time in the acceptance confirmation: stored, so in the line's language."""
    if moment is None:
        return "будет определён после ответа клиента"
    return moment.astimezone(rules.line_zone()).strftime("%d.%m.%Y %H:%M МСК")


# ---------------------------------------------------------------- registration (R1–R6)


@transaction.atomic
def ticket_register(
    *,
    actor: User | None,
    channel: str,
    data: IntakeData,
    registered_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
    external_id: str = "",
) -> Ticket:
    """Register a ticket (R1–R4, R6).

    Steps:
    1. R1: resolve the data against the registries. The portal and the API refuse missing or
       invalid data with per-field errors (`IntakeError`); e-mail, phone and the messenger
       register the ticket anyway and immediately ask for what is missing (R12 pause).
    2. R2: without valid 1C:ITS and KP contracts at the registration instant, the ticket is
       refused with the reason — unless the question is about licensing or protection.
    3. R3: out-of-scope categories and withdrawn products are redirected with the standard answer.
    4. R4: a version older than the current release gets "update to release N".
    """
    now = _now(now)
    at = registered_at or now
    if at > now + dt.timedelta(minutes=1):
        raise IntakeError({"registered_at": _("Время регистрации не может быть в будущем")})
    line_staff = actor is not None and actor.role in access.LINE_ROLES
    if channel == Channel.PHONE and not line_staff:
        raise IntakeError({"channel": _("Телефонное обращение регистрирует консультант линии")})
    backdated = registered_at is not None and registered_at != now
    if backdated and channel in {Channel.PORTAL, Channel.API} and not line_staff:
        # Only the line (or a channel's own receipt time) dates a ticket; clients file «now».
        raise IntakeError({"registered_at": _("Время регистрации указывает только линия")})
    data = data.cleaned()
    asking = channel in ASKING_CHANNELS
    # From e-mail, phone and the messenger the field errors are not shown to anyone: they go
    # into the stored question to the client below, so they are worded in the line's language.
    with translation.override(LINE_LANGUAGE) if asking else contextlib.nullcontext():
        resolved = check_intake(data, actor=actor)
    if resolved.errors and not asking:
        raise IntakeError(resolved.errors)
    if not data.subject and not data.body:
        raise IntakeError({"body": _("Пустое обращение: нет ни темы, ни текста")})

    regulation = rules.regulation()
    level = regulation.default_level.id
    organisation = resolved.organisation or (
        actor.organisation if actor is not None and actor.role == Role.CLIENT else None
    )
    is_partner_filing = resolved.partner is not None
    # The person to answer: the filer when a client files; whoever the line names otherwise.
    client = actor if actor is not None and actor.role in access.CLIENT_ROLES else None
    ticket = Ticket.objects.create(
        subject=data.subject or data.body[:120],
        channel=channel,
        category=data.category,
        level=level,
        status=S.REGISTERED,
        registered_at=at,
        registration_number=data.registration_number,
        partner_code=data.partner_code,
        organisation_name=data.organisation,
        configuration_name=data.configuration,
        version=data.version,
        registration=resolved.registration,
        organisation=organisation,
        partner=resolved.partner if is_partner_filing else None,
        configuration=resolved.configuration,
        missing_fields=sorted(resolved.errors),
        created_by=actor if actor is not None and actor.is_authenticated else None,
        contact_email=data.contact_email or (client.email if client else ""),
        contact_name=data.contact_name or (client.get_full_name() if client else ""),
        contact_phone=data.contact_phone or (client.phone if client else ""),
    )
    prefix = getattr(settings, "TICKET_NUMBER_PREFIX", "CRM")
    ticket.number = f"{prefix}-{ticket.pk:06d}"
    _event(ticket, EventType.REGISTERED, at, actor, level=level, channel=channel)
    author_kind = Message.Author.LINE if channel == Channel.PHONE else Message.Author.CLIENT
    _message(
        ticket,
        at=at,
        author=actor,
        kind=author_kind,
        purpose=Message.Purpose.REQUEST,
        body=data.body or data.subject,
        external_id=external_id,
    )
    # The receipt with the number is NOT the reaction (R7).
    _message(
        ticket,
        at=at,
        author=None,
        kind=Message.Author.SYSTEM,
        purpose=Message.Purpose.RECEIPT,
        body=say(regulation.answers.receipt, number=ticket.number),
    )

    if resolved.errors:
        _ask_missing(ticket, resolved.errors, at=at)
    else:
        _triage(ticket, at=at)
    return _save(ticket, now)


def _ask_missing(ticket: Ticket, errors: dict[str, str], *, at: dt.datetime) -> None:
    """R1: ask the client for the data the ticket lacks (the R12 pause applies)."""
    # Stored and sent to the client: Russian, the line's language (see the module docstring).
    with translation.override(LINE_LANGUAGE):
        wanted = "; ".join(f"{FIELD_NAMES.get(f, f)} — {m}" for f, m in sorted(errors.items()))
    _ask(
        ticket,
        actor=None,
        at=at,
        text=(
            f"Здравствуйте! Для работы с обращением № {ticket.number} не хватает данных "
            f"(регламент, п. 1): {wanted}. Пожалуйста, пришлите их ответом на это сообщение "
            "в виде строк «Рег. номер: …», «Организация: …», «Конфигурация: …», «Версия: …»."
        ),
    )


# Stored and sent to the client: Russian, the line's language.
CONTRACTS_IN_GENERAL = "действующие договоры 1С:ИТС и «1С:КП Отраслевой» на дату обращения"


def _known_contact(ticket: Ticket) -> bool:
    """Whether the ticket's sender is the registration's holder: a signed-in filer, a user of
    its organisation or partner, or the organisation's own address."""
    if ticket.created_by_id is not None:
        return True
    reg = ticket.registration
    address = ticket.contact_email.strip().lower()
    if reg is None or not address:
        return False
    if reg.organisation is not None and reg.organisation.email.strip().lower() == address:
        return True
    holders = User.objects.filter(email__iexact=address, is_active=True)
    return holders.filter(
        Q(organisation_id=reg.organisation_id, organisation__isnull=False)
        | Q(partner_id=reg.partner_id, partner__isnull=False)
    ).exists()


def _triage(ticket: Ticket, *, at: dt.datetime) -> None:
    """R2, R3, R4 on a ticket whose R1 data are complete."""
    regulation = rules.regulation()
    category = regulation.scope_category(ticket.category) if ticket.category else None
    exempt = category is not None and category.contract_exempt
    if not exempt:
        # R2: validity at the registration instant, even when the data arrive later.
        eligibility = contract_eligibility(ticket.registration, ticket.registered_at)
        if not eligibility.eligible:
            reason = ", ".join(eligibility.missing)
            if not _known_contact(ticket):
                # Someone who only knows a registration number does not learn which of that
                # organisation's contracts lapsed (the answer goes to the sender).
                reason = CONTRACTS_IN_GENERAL
            _refuse(ticket, actor=None, at=at, reason=reason)
            return
    if category is not None and not category.in_scope:
        _redirect(ticket, actor=None, at=at, category_id=category.id)
        return
    if ticket.configuration is not None and not ticket.configuration.is_supported:
        _redirect(ticket, actor=None, at=at, category_id="withdrawn_product")
        return
    current = outdated_release(ticket.configuration, ticket.version)
    if current is not None:
        text = say(
            regulation.answers.update_to_current_release,
            number=ticket.number,
            release=current.version,
        )
        _message(
            ticket,
            at=at,
            author=None,
            kind=Message.Author.LINE,
            purpose=Message.Purpose.EVALUATION,
            body=text,
        )
        _event(
            ticket, EventType.ANSWERED, at, None, reason="outdated_release", release=current.version
        )
        _event(ticket, EventType.RESOLVED, at, None)
        ticket.status = S.CLIENT_EVALUATION


def _ask(ticket: Ticket, *, actor: User | None, at: dt.datetime, text: str) -> None:
    _message(
        ticket,
        at=at,
        author=actor,
        kind=Message.Author.LINE,
        purpose=Message.Purpose.QUESTION,
        body=text,
    )
    _event(ticket, EventType.ASKED, at, actor)
    ticket.status = S.WAITING_CLIENT


def _refuse(ticket: Ticket, *, actor: User | None, at: dt.datetime, reason: str) -> None:
    text = say(rules.regulation().answers.refusal_no_contract, number=ticket.number, missing=reason)
    _message(
        ticket,
        at=at,
        author=actor,
        kind=Message.Author.LINE,
        purpose=Message.Purpose.REFUSAL,
        body=text,
    )
    _event(ticket, EventType.REFUSED, at, actor, reason=reason)
    ticket.status = S.REFUSED
    ticket.closed_at = at


def _redirect(
    ticket: Ticket, *, actor: User | None, at: dt.datetime, category_id: str, text: str = ""
) -> None:
    category = rules.regulation().scope_category(category_id)
    if category.in_scope:
        raise TransitionError(
            _("Категория «%(category)s» входит в рамки линии: перенаправлять нечего")
            % {"category": rules.tr(category.name)}
        )
    answer = text.strip() or (say(category.answer, number=ticket.number) if category.answer else "")
    _message(
        ticket,
        at=at,
        author=actor,
        kind=Message.Author.LINE,
        purpose=Message.Purpose.REDIRECTION,
        body=answer,
    )
    _event(ticket, EventType.REDIRECTED, at, actor, category=category_id, to=category.redirect_to)
    ticket.category = category_id
    ticket.status = S.REDIRECTED
    ticket.closed_at = at


@transaction.atomic
def ticket_complete_data(
    *, ticket: Ticket, actor: User, data: IntakeData, now: dt.datetime | None = None
) -> Ticket:
    """A consultant fills in the R1 data a ticket from e-mail/phone lacked, then triage runs.

    The data came from the client (a call, a letter), so a ticket that was waiting for them
    stops waiting: the clock resumes from now (R12)."""
    # Translators: completes «Нельзя %(action)s: обращение … в статусе …» ("Cannot …").
    ticket, now = _begin(ticket, actor, "complete", _("изменить данные обращения"), now)
    errors = _apply_intake(ticket, data, actor=actor, at=now)
    if errors:
        raise IntakeError(errors)
    if ticket.status == S.WAITING_CLIENT:
        _event(ticket, EventType.CLIENT_REPLIED, now, actor, via="complete_data")
        ticket.status = _resume_status(ticket)
    _triage(ticket, at=now)
    return _save(ticket, now)


def _apply_intake(
    ticket: Ticket, data: IntakeData, *, actor: User | None, at: dt.datetime
) -> dict[str, str]:
    """Merge R1 data into a ticket that lacked some (R1). Valid values are kept, the rest
    stays missing; returns the remaining per-field errors (empty: complete)."""
    merged = IntakeData(
        subject=ticket.subject,
        body="-",
        registration_number=data.registration_number or ticket.registration_number,
        partner_code=data.partner_code or ticket.partner_code,
        organisation=data.organisation or ticket.organisation_name,
        configuration=data.configuration or ticket.configuration_name,
        version=data.version or ticket.version,
        category=data.category or ticket.category,
    ).cleaned()
    # The actor's own rules apply: a client completes data only with its organisation's
    # registration number, and cannot bring in a partner.
    resolved = check_intake(merged, actor=actor, known_partner_code=ticket.partner_code)
    errors = resolved.errors
    # Ticket field ← intake field; a value is taken only when its field has no error.
    fields = {
        "registration_number": "registration_number",
        "partner_code": "partner_code",
        "organisation_name": "organisation",
        "configuration_name": "configuration",
        "version": "version",
        "category": "category",
    }
    changed = {
        k: getattr(merged, f)
        for k, f in fields.items()
        if f not in errors and getattr(ticket, k) != getattr(merged, f)
    }
    if not changed and ticket.missing_fields == sorted(errors):
        return errors
    for k, v in changed.items():
        setattr(ticket, k, v)
    if "registration_number" not in errors:
        ticket.registration = resolved.registration
        ticket.organisation = resolved.organisation or ticket.organisation
    if "partner_code" not in errors:
        ticket.partner = resolved.partner
    if "configuration" not in errors:
        ticket.configuration = resolved.configuration
    ticket.missing_fields = sorted(errors)
    _event(ticket, EventType.DATA_CHANGED, at, actor, changed=changed)
    return errors


# ---------------------------------------------------------------- lifecycle (R7–R13)


@transaction.atomic
def ticket_accept(
    *, ticket: Ticket, actor: User, text: str = "", now: dt.datetime | None = None
) -> Ticket:
    """R7: the explicit act that confirms to the client that the ticket is accepted."""
    # Translators: completes «Нельзя %(action)s: обращение … в статусе …» ("Cannot …").
    ticket, now = _begin(ticket, actor, "accept", _("принять обращение в работу"), now)
    _accept(ticket, actor=actor, at=now, text=text)
    return _save(ticket, now)


def _take(ticket: Ticket, *, actor: User, at: dt.datetime) -> None:
    """Whoever acts first on an unassigned ticket becomes its assignee (so a rejected answer
    comes back to them, R13)."""
    if ticket.assignee_id is None:
        ticket.assignee = actor
        _event(ticket, EventType.ASSIGNED, at, actor, assignee=actor.pk)


def _accept(ticket: Ticket, *, actor: User, at: dt.datetime, text: str = "") -> None:
    _event(ticket, EventType.ACCEPTED, at, actor)
    _take(ticket, actor=actor, at=at)
    ticket.status = S.ACCEPTED
    sla = store_sla(ticket, now=at)
    confirmation = say(
        rules.regulation().answers.acceptance,
        number=ticket.number,
        level=_level_name(ticket.level),
        resolution_due=_format_due(sla.resolution.due_at),
    )
    _message(
        ticket,
        at=at,
        author=actor,
        kind=Message.Author.LINE,
        purpose=Message.Purpose.ACCEPTANCE,
        body=_line_text(text, confirmation),
    )


@transaction.atomic
def ticket_ask(*, ticket: Ticket, actor: User, text: str, now: dt.datetime | None = None) -> Ticket:
    """R12: a clarifying question; the resolution clock pauses until the client answers."""
    # Translators: completes «Нельзя %(action)s: обращение … в статусе …» ("Cannot …").
    ticket, now = _begin(ticket, actor, "ask", _("задать вопрос клиенту"), now)
    if not text.strip():
        raise TicketError(_("Напишите вопрос клиенту"))
    _take(ticket, actor=actor, at=now)
    _ask(ticket, actor=actor, at=now, text=text.strip())
    return _save(ticket, now)


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
    now = _now(now)
    ticket = _locked(ticket)
    _client_reply(ticket, actor=actor, text=text, at=now, channel=channel, external_id=external_id)
    return _save(ticket, now)


def _resume_status(ticket: Ticket) -> str:
    """Where a ticket goes when the client answers or rejects: back to whoever works it, or
    to the queue when nobody has taken it yet."""
    if ticket.transferred_to:
        return S.TRANSFERRED
    return S.IN_PROGRESS if ticket.assignee_id else S.REGISTERED


def _client_reply(
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
    message = _message(
        ticket,
        at=at,
        author=actor,
        kind=Message.Author.CLIENT,
        purpose=Message.Purpose.CLIENT,
        body=text.strip(),
        channel=channel,
        external_id=external_id,
    )
    if ticket.status == S.WAITING_CLIENT:
        _event(ticket, EventType.CLIENT_REPLIED, at, actor)
        ticket.status = _resume_status(ticket)
    if ticket.missing_fields and ticket.status in WORKING:
        # R1: the data the line asked for, written as labelled lines, complete the ticket;
        # what is still missing is asked again, a complete ticket goes through triage.
        supplied = intake_labels(text)
        if supplied:
            errors = _apply_intake(ticket, IntakeData(**supplied), actor=actor, at=at)
            if errors:
                _ask_missing(ticket, errors, at=at)
            else:
                _triage(ticket, at=at)
    return message


@transaction.atomic
def ticket_answer(
    *, ticket: Ticket, actor: User, text: str, now: dt.datetime | None = None
) -> Ticket:
    """An answer of the line; answering a ticket not yet accepted accepts it first (R7)."""
    # Translators: completes «Нельзя %(action)s: обращение … в статусе …» ("Cannot …").
    ticket, now = _begin(ticket, actor, "answer", _("ответить клиенту"), now)
    if not text.strip():
        raise TicketError(_("Напишите ответ"))
    if ticket.status == S.REGISTERED:
        _accept(ticket, actor=actor, at=now)
    _message(
        ticket,
        at=now,
        author=actor,
        kind=Message.Author.LINE,
        purpose=Message.Purpose.ANSWER,
        body=text.strip(),
    )
    _event(ticket, EventType.ANSWERED, now, actor)
    if ticket.status == S.ACCEPTED:
        ticket.status = S.IN_PROGRESS
    return _save(ticket, now)


@transaction.atomic
def ticket_resolve(
    *, ticket: Ticket, actor: User, text: str = "", now: dt.datetime | None = None
) -> Ticket:
    """R8: the answer is given; the ticket goes to client evaluation and the clock stops."""
    # Translators: completes «Нельзя %(action)s: обращение … в статусе …» ("Cannot …").
    ticket, now = _begin(ticket, actor, "resolve", _("передать обращение на оценку клиенту"), now)
    if text.strip():
        _message(
            ticket,
            at=now,
            author=actor,
            kind=Message.Author.LINE,
            purpose=Message.Purpose.EVALUATION,
            body=text.strip(),
        )
    elif not ticket.messages.filter(author_kind=Message.Author.LINE).exclude(author=None).exists():
        raise TicketError(_("Перед передачей на оценку дайте клиенту ответ"))
    _take(ticket, actor=actor, at=now)
    _event(ticket, EventType.RESOLVED, now, actor)
    ticket.status = S.CLIENT_EVALUATION
    return _save(ticket, now)


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
    now = _now(now)
    ticket = _locked(ticket)
    access.require_client_side(actor, ticket)
    # Translators: completes «Нельзя %(action)s: обращение … в статусе …» ("Cannot …").
    _require_status(ticket, ALLOWED_FROM["evaluate"], _("оценить ответ"))
    if accepted:
        if rating is None or not 1 <= rating <= 5:
            raise TicketError(_("Оценка — целое число от 1 до 5"))
        ticket.rating = rating
        ticket.rating_comment = comment.strip()
        _event(
            ticket,
            EventType.EVALUATED,
            now,
            actor,
            accepted=True,
            rating=rating,
            comment=comment.strip(),
        )
        _event(ticket, EventType.CLOSED, now, actor)
        ticket.status = S.CLOSED
        ticket.closed_at = now
    else:
        if not comment.strip():
            raise TicketError(_("Напишите, почему ответ не подошёл"))
        _message(
            ticket,
            at=now,
            author=actor,
            kind=Message.Author.CLIENT,
            purpose=Message.Purpose.CLIENT,
            body=comment.strip(),
        )
        _event(ticket, EventType.EVALUATED, now, actor, accepted=False, comment=comment.strip())
        _event(ticket, EventType.REOPENED, now, actor)
        ticket.status = _resume_status(ticket)
    return _save(ticket, now)


def evaluation_deadline(start: dt.datetime, working_days: int) -> dt.datetime:
    """The end of the `working_days`-th working day after the day evaluation started (R13)."""
    cal = rules.calendar()
    zone = rules.line_zone()
    day = start.astimezone(zone).date()
    counted = 0
    while counted < working_days:
        day += dt.timedelta(days=1)
        if cal.working_hours(day) is not None:
            counted += 1
    hours = cal.working_hours(day)
    assert hours is not None
    return dt.datetime.combine(day, hours[1], tzinfo=zone)


def tickets_auto_close(*, now: dt.datetime | None = None) -> list[Ticket]:
    """R13: close tickets left in client evaluation longer than the regulation allows."""
    now = _now(now)
    days = rules.regulation().auto_close_working_days
    # Only tickets that entered evaluation at least `days` calendar days ago can be due.
    candidates = Ticket.objects.filter(
        status=S.CLIENT_EVALUATION, evaluation_started_at__lte=now - dt.timedelta(days=days)
    ).values_list("pk", flat=True)
    closed = []
    for pk in candidates:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().get(pk=pk)
            if ticket.status != S.CLIENT_EVALUATION or ticket.evaluation_started_at is None:
                continue
            if evaluation_deadline(ticket.evaluation_started_at, days) > now:
                continue
            _event(ticket, EventType.CLOSED, now, None, reason="auto_close", working_days=days)
            # A stored notice to the client: the line's language, not translated per request.
            _message(
                ticket,
                at=now,
                author=None,
                kind=Message.Author.SYSTEM,
                purpose=Message.Purpose.NOTICE,
                body=f"Обращение закрыто автоматически: оценка не получена в течение {days} рабочих дней.",
            )
            ticket.status = S.CLOSED
            ticket.closed_at = now
            closed.append(_save(ticket, now))
    return closed


# ---------------------------------------------------------------- level, transfer, exits


@transaction.atomic
def ticket_change_level(
    *, ticket: Ticket, actor: User, level: str, reason: str, now: dt.datetime | None = None
) -> Ticket:
    """R10: the new level's targets apply from the original registration; history keeps why."""
    now = _now(now)
    ticket = _locked(ticket)
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
    return _save(ticket, now)


def _change_level(ticket: Ticket, *, actor: User, at: dt.datetime, level: str, reason: str) -> None:
    _event(
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
    becomes a Development request. The ticket links to a development item."""
    now = _now(now)
    ticket = _locked(ticket)
    # Translators: completes «Недостаточно прав: %(what)s» ("Not allowed: …").
    access.require_role(actor, access.LINE_ROLES, _("передавать обращения может сотрудник линии"))
    # Translators: completes «Нельзя %(action)s: обращение … в статусе …» ("Cannot …").
    _require_status(ticket, ALLOWED_FROM["transfer"], _("передать обращение"))
    if to not in TransferTarget.values:
        raise TicketError(
            _("Передать можно методологу (methodologist) или в отдел разработки (development)")
        )
    if kind not in DevelopmentItem.ItemKind.values:
        raise TicketError(_("Вид передачи: defect (критическая ошибка) или wish (пожелание)"))
    if not reason.strip():
        raise TicketError(_("Укажите причину передачи"))
    if ticket.status == S.REGISTERED:
        _accept(ticket, actor=actor, at=now)
    item = development_item or DevelopmentItem.objects.create(
        title=title.strip() or ticket.subject,
        kind=kind,
        description=reason.strip(),
        created_by=actor,
    )
    target_level = (
        Level.OPERATIONAL if kind == DevelopmentItem.ItemKind.DEFECT else Level.DEVELOPMENT_REQUEST
    )
    if ticket.level != target_level:
        # The reason is stored in the ticket's history: the line's language.
        _change_level(
            ticket, actor=actor, at=now, level=target_level, reason=f"передача: {reason.strip()}"
        )
    _event(
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
    ticket.status = S.TRANSFERRED
    return _save(ticket, now)


@transaction.atomic
def ticket_redirect(
    *, ticket: Ticket, actor: User, category: str, text: str = "", now: dt.datetime | None = None
) -> Ticket:
    """R3: out of scope — redirected to a franchisee or the third-party developer."""
    # Translators: completes «Нельзя %(action)s: обращение … в статусе …» ("Cannot …").
    ticket, now = _begin(ticket, actor, "redirect", _("перенаправить обращение"), now)
    try:
        rules.regulation().scope_category(category)
    except KeyError:
        raise TicketError(
            _("Неизвестная категория «%(category)s»") % {"category": category}
        ) from None
    _redirect(ticket, actor=actor, at=now, category_id=category, text=text)
    return _save(ticket, now)


@transaction.atomic
def ticket_refuse(
    *, ticket: Ticket, actor: User, reason: str, now: dt.datetime | None = None
) -> Ticket:
    """R2: refused for want of a valid contract, with what is missing and how to get it."""
    # Translators: completes «Нельзя %(action)s: обращение … в статусе …» ("Cannot …").
    ticket, now = _begin(ticket, actor, "refuse", _("отказать в обслуживании"), now)
    if not reason.strip():
        raise TicketError(_("Укажите, какого договора не хватает"))
    _refuse(ticket, actor=actor, at=now, reason=reason.strip())
    return _save(ticket, now)


@transaction.atomic
def ticket_assign(
    *, ticket: Ticket, actor: User, assignee: User, now: dt.datetime | None = None
) -> Ticket:
    now = _now(now)
    ticket = _locked(ticket)
    # Translators: completes «Недостаточно прав: %(what)s» ("Not allowed: …").
    access.require_role(actor, access.LINE_ROLES, _("назначать исполнителя"))
    if ticket.status in FINAL_STATUSES:
        raise TransitionError(_("Обращение %(number)s закрыто") % {"number": ticket.number})
    if not assignee.is_line_staff or assignee.role == Role.ADMIN:
        raise TicketError(_("Исполнителем может быть только сотрудник линии"))
    ticket.assignee = assignee
    _event(ticket, EventType.ASSIGNED, now, actor, assignee=assignee.pk)
    return _save(ticket, now)


# ---------------------------------------------------------------- queue (R14)


def queue_take_next(*, actor: User, now: dt.datetime | None = None) -> Ticket | None:
    """R14: the next unassigned ticket — Operational first, then FIFO by registration —
    handed to this consultant alone, even when many ask at once (row locks; SKIP LOCKED on
    PostgreSQL, a database-wide write lock on SQLite)."""
    now = _now(now)
    # Translators: completes «Недостаточно прав: %(what)s» ("Not allowed: …").
    access.require_role(actor, access.LINE_ROLES, _("брать обращения из очереди"))
    with transaction.atomic():
        queue = Ticket.objects.filter(status=S.REGISTERED, assignee__isnull=True).order_by(
            "-out_of_turn", "registered_at", "id"
        )
        if connection.features.has_select_for_update_skip_locked:
            queue = queue.select_for_update(skip_locked=True)
        ticket = queue.first()
        if ticket is None:
            return None
        ticket.assignee = actor
        _event(ticket, EventType.ASSIGNED, now, actor, assignee=actor.pk, via="take_next")
        return _save(ticket, now)


# ---------------------------------------------------------------- releases (R15)


@transaction.atomic
def development_item_plan(
    *, item: DevelopmentItem, actor: User, release: Release, now: dt.datetime | None = None
) -> DevelopmentItem:
    """R15: the release date is set during diagnosis — the item gets a target release."""
    now = _now(now)
    access.require_role(
        actor,
        {Role.DEVELOPER, Role.METHODOLOGIST, Role.SUPERVISOR, Role.ADMIN},
        # Translators: completes «Недостаточно прав: %(what)s» ("Not allowed: …").
        _("планировать релиз"),
    )
    item.target_release = release
    item.save(update_fields=["target_release"])
    for ticket in item.tickets.all():
        _event(
            ticket, EventType.DATA_CHANGED, now, actor, target_release=release.version, item=item.pk
        )
    return item


@transaction.atomic
def release_publish(
    *, release: Release, actor: User, now: dt.datetime | None = None
) -> list[Notification]:
    """R15: a published release notifies every client whose ticket is linked to it."""
    now = _now(now)
    access.require_role(
        actor,
        {Role.DEVELOPER, Role.SUPERVISOR, Role.ADMIN},
        # Translators: completes «Недостаточно прав: %(what)s» ("Not allowed: …").
        _("публиковать релизы"),
    )
    release = Release.objects.select_for_update().get(pk=release.pk)  # two publishers: one wins
    if release.published_at is not None:
        raise TransitionError(_("Релиз %(version)s уже опубликован") % {"version": release.version})
    Release.objects.filter(configuration=release.configuration).update(is_current=False)
    release.is_current = True
    release.published_at = now
    release.save(update_fields=["is_current", "published_at"])
    notices = []
    tickets = Ticket.objects.filter(development_item__target_release=release).select_related(
        "created_by"
    )
    for ticket in tickets:
        # Stored (message and notification) for the client: the line's language, Russian.
        text = (
            f"Вышел релиз {release.version} конфигурации «{release.configuration.name}»: в него "
            f"вошло решение по вашему обращению № {ticket.number}."
        )
        _message(
            ticket,
            at=now,
            author=None,
            kind=Message.Author.SYSTEM,
            purpose=Message.Purpose.RELEASE,
            body=text,
        )
        recipients = {ticket.created_by} if ticket.created_by is not None else set()
        if ticket.organisation_id is not None:
            recipients |= set(
                User.objects.filter(organisation_id=ticket.organisation_id, role=Role.CLIENT)
            )
        for user in recipients:
            if user is None or user.role not in access.CLIENT_ROLES:
                continue
            notice, _created = Notification.objects.get_or_create(
                user=user,
                ticket=ticket,
                kind="release_published",
                defaults={"text": text, "created_at": now},
            )
            notices.append(notice)
    return notices


def check_attachment_size(name: str, size: int) -> None:
    """Refuse a file over settings.MAX_ATTACHMENT_BYTES (edges call it before reading it)."""
    limit = settings.MAX_ATTACHMENT_BYTES
    if size > limit:
        raise TicketError(
            _("Файл «%(name)s» больше допустимого размера %(limit)s МБ")
            % {"name": name, "limit": limit // (1024 * 1024)}
        )


def safe_file_name(name: str) -> str:
    """A client's file name as a plain name: no folders, no «..», no control characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip().lstrip(".")
    return base[:200] or "file"


@transaction.atomic
def ticket_attach(
    *,
    ticket: Ticket,
    actor: User,
    files: list[tuple[str, bytes, str]],
    text: str = "",
    now: dt.datetime | None = None,
) -> Message:
    """Files (name, content, content type) attached to a new message of the client or the line.

    Each file is limited by settings.MAX_ATTACHMENT_BYTES; a client's files resume the clock
    like any answer of the client (R12)."""
    from django.core.files.base import ContentFile

    from supportline.tickets.models import Attachment

    now = _now(now)
    if not files:
        raise TicketError(_("Не выбран ни один файл"))
    for name, content, _type in files:
        check_attachment_size(name, len(content))
    names = ", ".join(name for name, _content, _type in files)
    # The message's stored body when the sender wrote none: the line's language.
    body = text.strip() or f"Вложения: {names}"
    ticket = _locked(ticket)
    if access.is_client_side(actor, ticket):
        message = _client_reply(ticket, actor=actor, text=body, at=now)
        _save(ticket, now)
    else:
        access.require_line_worker(actor, ticket)
        if ticket.status in FINAL_STATUSES:
            raise TransitionError(_("Обращение %(number)s закрыто") % {"number": ticket.number})
        message = _message(
            ticket,
            at=now,
            author=actor,
            kind=Message.Author.LINE,
            purpose=Message.Purpose.ANSWER,
            body=body,
        )
        _save(ticket, now)
    for raw_name, content, content_type in files:
        name = safe_file_name(raw_name)
        attachment = Attachment(
            message=message, name=name, size=len(content), content_type=content_type
        )
        attachment.file.save(name, ContentFile(content), save=False)
        attachment.save()
    return message
