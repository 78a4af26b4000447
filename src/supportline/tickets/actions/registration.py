"""Registration of tickets (R1–R6): one core for every kind of ticket, the R1 data check, the
automatic question for missing data, triage (R2 contracts, R3 scope, R4 outdated release), and
the line's decision on a licensing/protection exemption (R2: confirm or reclassify)."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from supportline.accounts.models import Role, User
from supportline.core import rules
from supportline.tickets import access
from supportline.tickets.actions import steps
from supportline.tickets.errors import IntakeError, TicketError, TransitionError
from supportline.tickets.intake import (
    FIELD_NAMES,
    LINE_LANGUAGE,
    Eligibility,
    IntakeData,
    check_intake,
    contract_eligibility,
    outdated_release,
)
from supportline.tickets.models import (
    ASKING_CHANNELS,
    Channel,
    EventType,
    Exemption,
    Kind,
    Message,
    Ticket,
)


def number_prefix(kind: str) -> str:
    """Each kind of ticket has its own numbering (R21: the `[line]` prefixes of the regulation
    file; data of the one registration core)."""
    regulation = rules.regulation()
    if kind == Kind.UPDATE_ACCESS:
        return regulation.update_access_prefix
    if kind == Kind.OFFER_REQUEST:
        return regulation.offer_request_prefix
    return regulation.ticket_prefix


def register_core(
    *,
    kind: str,
    actor: User | None,
    channel: str,
    at: dt.datetime,
    request: str,
    request_author: str = Message.Author.CLIENT,
    external_id: str = "",
    written_for_caller: bool = False,
    **fields: Any,
) -> Ticket:
    """The one way a ticket of any kind comes into being: the row with its kind's number, the
    regulation version and targets in force (R21), the registration event (R16) and the request
    as the ticket's first message. The caller saves
    the ticket (`steps.save`) once it has decided what happens next."""
    regulation = rules.regulation()
    # Inside `steps.batched` the row is written once, by `steps.save` (issue 15).
    ticket = steps.new_ticket(
        kind=kind,
        channel=channel,
        status=steps.S.REGISTERED,
        registered_at=at,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        # R21: the ticket keeps the regulation version and targets in force at registration.
        regulation_version=regulation.version,
        sla_targets={level: list(pair) for level, pair in regulation.targets().items()},
        **fields,
    )
    ticket.number = f"{number_prefix(kind)}-{ticket.pk:06d}"
    steps.event(ticket, EventType.REGISTERED, at, actor, level=ticket.level, channel=channel)
    steps.message(
        ticket,
        at=at,
        # A call's words are the caller's: the consultant who wrote them down is not their author.
        author=None if written_for_caller else actor,
        kind=request_author,
        purpose=Message.Purpose.REQUEST,
        body=request,
        external_id=external_id,
    )
    return ticket


@transaction.atomic
@steps.batched()
def ticket_register(
    *,
    actor: User | None,
    channel: str,
    data: IntakeData,
    registered_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
    external_id: str = "",
    conversation: str = "",
    missing_ok: bool = False,
) -> Ticket:
    """Register a ticket (R1–R4, R6).

    On the phone (R6) the consultant asks the caller for missing R1 data during the call, so the
    data errors come back to the form; with `missing_ok` (the caller could not say) the call is
    registered without them and without an automatic question — the consultant completes the
    data later, and triage runs then. The consultant who registers a call is its assignee.

    `conversation` is the 1C-Connect conversation a messenger ticket answers into (known at
    registration, so the receipt and any question go out through the outbox like every reply).

    Steps:
    1. R1: resolve the data against the registries. The portal and the API refuse missing or
       invalid data with per-field errors (`IntakeError`); e-mail, phone and the messenger
       register the ticket anyway and immediately ask for what is missing (R12 pause).
    2. R2: without valid contracts of every kind the regulation requires (1C:CRM: 1C:ITS and
       KP) at the registration instant, the ticket is refused with the reason; when the client
       chose a contract-exempt category (licensing, protection), it waits in the queue until
       the line confirms the exemption or reclassifies the question.
    3. R3: out-of-scope categories and withdrawn products are redirected with the standard answer.
    4. R4: a version older than the current release gets "update to release N".
    """
    now = steps.moment(now)
    at = registered_at or now
    steps.require_channel(channel)
    if at > now + dt.timedelta(minutes=1):
        raise IntakeError({"registered_at": _("Время регистрации не может быть в будущем")})
    line_staff = actor is not None and access.is_line(actor)
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
        resolved = check_intake(data, actor=actor, at=at)
    phone_without_data = channel == Channel.PHONE and missing_ok
    if resolved.errors and not asking and not phone_without_data:
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
    client = actor if actor is not None and access.is_client(actor) else None
    ticket = register_core(
        kind=Kind.CONSULTATION,
        actor=actor,
        channel=channel,
        at=at,
        request=data.body or data.subject,
        # On the phone too, the words are the caller's (the consultant only wrote them down).
        request_author=Message.Author.CLIENT,
        written_for_caller=channel == Channel.PHONE,
        external_id=external_id,
        subject=data.subject or data.body[:120],
        category=data.category,
        level=level,
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
        version_unreleased=resolved.version_unreleased,
        organisation_mismatch=resolved.organisation_mismatch,
        contact_email=data.contact_email or (client.email if client else ""),
        contact_name=data.contact_name or (client.get_full_name() if client else ""),
        contact_phone=data.contact_phone or (client.phone if client else ""),
        connect_conversation=conversation,
    )
    # The receipt with the number is NOT the reaction (R7).
    steps.message(
        ticket,
        at=at,
        author=None,
        kind=Message.Author.SYSTEM,
        purpose=Message.Purpose.RECEIPT,
        body=steps.say(regulation.answers.receipt, number=ticket.number),
    )

    if channel == Channel.PHONE and actor is not None and access.is_line(actor):
        steps.take(ticket, actor=actor, at=at)
    if resolved.errors:
        if asking:
            ask_missing(ticket, resolved.errors, at=at)
    else:
        triage(ticket, at=at)
    return steps.save(ticket, now)


def ask_missing(ticket: Ticket, errors: dict[str, str], *, at: dt.datetime) -> None:
    """R1: ask the client for the data the ticket lacks. The request is automatic: it is no
    reaction, and both clocks pause until the client answers (`data_requested`, R7)."""
    # Stored and sent to the client: Russian, the line's language (see the module docstring).
    with translation.override(LINE_LANGUAGE):
        wanted = "; ".join(f"{FIELD_NAMES.get(f, f)} — {m}" for f, m in sorted(errors.items()))
    steps.ask_client(
        ticket,
        actor=None,
        at=at,
        text=steps.say(
            rules.regulation().answers.ask_missing, number=ticket.number, missing=wanted
        ),
        event_type=EventType.DATA_REQUESTED,
    )


def _known_contact(ticket: Ticket) -> bool:
    """Whether the ticket's sender is the registration's holder (R2): a filer who is (its
    organisation's contact, the NFR's partner, a partner serving that client, the line), a
    user of those with the sender's address, or the organisation's own address."""
    reg = ticket.registration
    if reg is None:
        return False
    day = rules.local_date(ticket.registered_at)
    filer = ticket.created_by
    if filer is not None and access.is_registration_holder(filer, reg, day):
        return True
    address = ticket.contact_email.strip().lower()
    if not address:
        return False
    if reg.organisation is not None and reg.organisation.email.strip().lower() == address:
        return True
    users = User.objects.filter(email__iexact=address, is_active=True)[:5]
    return any(access.is_registration_holder(user, reg, day) for user in users)


def refuse_ineligible(
    ticket: Ticket, eligibility: Eligibility, *, actor: User | None, at: dt.datetime
) -> None:
    """R2: refused with what is missing — told only to the registration's holder."""
    reason = ", ".join(eligibility.missing)
    if not _known_contact(ticket):
        # Someone who only knows a registration number does not learn which of that
        # organisation's contracts lapsed (the answer goes to the sender).
        reason = steps.say(rules.regulation().answers.contracts_in_general)
    steps.refuse(ticket, actor=actor, at=at, reason=reason)


def triage(ticket: Ticket, *, at: dt.datetime) -> None:
    """R2, R3, R4 on a ticket whose R1 data are complete.

    A licensing or protection question (a contract-exempt category of the regulation) is not
    taken on the client's word: without valid contracts it is marked «exemption to confirm»
    and waits in the queue for the line (`ticket_confirm_exemption` / `ticket_reclassify`).
    Such questions do not depend on the release, so they never get the R4 "update" answer."""
    regulation = rules.regulation()
    category = regulation.scope_category(ticket.category) if ticket.category else None
    exempt = category is not None and category.contract_exempt
    # R2: validity at the registration instant, even when the data arrive later.
    eligibility = contract_eligibility(ticket.registration, ticket.registered_at)
    if not eligibility.eligible and not exempt:
        refuse_ineligible(ticket, eligibility, actor=None, at=at)
        return
    if category is not None and not category.in_scope:
        steps.redirect(ticket, actor=None, at=at, category_id=category.id)
        return
    if ticket.configuration is not None and not ticket.configuration.is_supported:
        withdrawn = regulation.withdrawn_category()
        if withdrawn is not None:
            steps.redirect(ticket, actor=None, at=at, category_id=withdrawn.id)
            return
    if exempt:
        if not eligibility.eligible and ticket.exemption == Exemption.NONE:
            ticket.exemption = Exemption.PENDING
            steps.event(
                ticket,
                EventType.EXEMPTION_PENDING,
                at,
                None,
                category=ticket.category,
                missing=eligibility.missing,
            )
        return
    current = outdated_release(ticket.configuration, ticket.version)
    if current is not None:
        text = steps.say(
            regulation.answers.update_to_current_release,
            number=ticket.number,
            release=current.version,
        )
        steps.message(
            ticket,
            at=at,
            author=None,
            kind=Message.Author.LINE,
            purpose=Message.Purpose.EVALUATION,
            body=text,
        )
        steps.event(
            ticket, EventType.ANSWERED, at, None, reason="outdated_release", release=current.version
        )
        steps.event(ticket, EventType.RESOLVED, at, None)
        ticket.status = steps.S.CLIENT_EVALUATION


@transaction.atomic
def ticket_complete_data(
    *, ticket: Ticket, actor: User, data: IntakeData, now: dt.datetime | None = None
) -> Ticket:
    """A consultant fills in the R1 data a ticket from e-mail/phone lacked, then triage runs.

    The data came from the client (a call, a letter), so a ticket that was waiting for them
    stops waiting: the clock resumes from now (R12)."""
    # Translators: completes «Нельзя %(action)s: обращение … в статусе …» ("Cannot …").
    ticket, now = steps.begin(ticket, actor, "complete", _("изменить данные обращения"), now)
    errors = apply_intake(ticket, data, actor=actor, at=now)
    if errors:
        raise IntakeError(errors)
    if ticket.status == steps.S.WAITING_CLIENT:
        steps.event(ticket, EventType.CLIENT_REPLIED, now, actor, via="complete_data")
        ticket.status = steps.resume_status(ticket)
    triage(ticket, at=now)
    return steps.save(ticket, now)


def apply_intake(
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
    resolved = check_intake(
        merged, actor=actor, known_partner_code=ticket.partner_code, at=ticket.registered_at
    )
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
    if not {"configuration", "version"} & errors.keys():
        ticket.version_unreleased = resolved.version_unreleased
    if not {"registration_number", "organisation"} & errors.keys():
        ticket.organisation_mismatch = resolved.organisation_mismatch
    ticket.missing_fields = sorted(errors)
    steps.event(ticket, EventType.DATA_CHANGED, at, actor, changed=changed)
    return errors


@transaction.atomic
@steps.batched()
def offer_request(
    *,
    actor: User,
    offer_id: str,
    text: str,
    contact_phone: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """R19: a client requests an additional offer the regulation lists as "on request"
    (individual support): a ticket of its own kind in the line's queue, answered by the line."""
    now = steps.moment(now)
    access.require(access.is_client(actor), _("запрашивать услуги может клиент линии"))
    offer = next((o for o in rules.regulation().offers if o.id == offer_id), None)
    if offer is None or not offer.on_request:
        raise IntakeError({"offer": _("Эту услугу нельзя запросить")})
    if not text.strip():
        raise IntakeError({"text": _("Опишите, что вам нужно")})
    regulation = rules.regulation()
    ticket = register_core(
        kind=Kind.OFFER_REQUEST,
        actor=actor,
        channel=Channel.PORTAL,
        at=now,
        request=text.strip(),
        # Stored for the line and the client: Russian, the line's language.
        subject=f"Запрос услуги: {offer.name.ru}"[:300],
        category=offer.id,
        level=regulation.default_level.id,
        organisation=actor.organisation,
        partner=actor.partner if access.is_partner(actor) else None,
        contact_email=actor.email,
        contact_name=actor.get_full_name(),
        contact_phone=contact_phone.strip() or actor.phone,
    )
    steps.message(
        ticket,
        at=now,
        author=None,
        kind=Message.Author.SYSTEM,
        purpose=Message.Purpose.RECEIPT,
        body=steps.say(regulation.answers.receipt, number=ticket.number),
    )
    return steps.save(ticket, now)


def _pending(ticket: Ticket) -> None:
    if ticket.exemption != Exemption.PENDING:
        raise TransitionError(
            _("Обращение %(number)s не ждёт подтверждения исключения по договору")
            % {"number": ticket.number}
        )


@transaction.atomic
def ticket_confirm_exemption(
    *, ticket: Ticket, actor: User, now: dt.datetime | None = None
) -> Ticket:
    """R2: the consultant confirms that the question is about licensing or the protection
    system: the ticket is then served as usual (it stays in the queue to be accepted)."""
    # Translators: completes «Нельзя %(action)s: обращение … в статусе …» ("Cannot …").
    ticket, now = steps.begin(ticket, actor, "exemption", _("подтвердить исключение"), now)
    # Translators: completes «Недостаточно прав: %(what)s» ("Not allowed: …").
    access.require(access.may_decide_exemption(actor), _("решение об исключении по договору"))
    _pending(ticket)
    ticket.exemption = Exemption.CONFIRMED
    steps.event(ticket, EventType.EXEMPTION_CONFIRMED, now, actor, category=ticket.category)
    steps.take(ticket, actor=actor, at=now)
    return steps.save(ticket, now)


@transaction.atomic
def ticket_reclassify(
    *,
    ticket: Ticket,
    actor: User,
    category: str = "",
    reason: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """R2: the question is not about licensing or protection after all: the ticket gets the
    category the line names (or none) and is refused with the R2 explanation of what is
    missing — told only to the registration's holder."""
    # Translators: completes «Нельзя %(action)s: обращение … в статусе …» ("Cannot …").
    ticket, now = steps.begin(ticket, actor, "exemption", _("переквалифицировать вопрос"), now)
    # Translators: completes «Недостаточно прав: %(what)s» ("Not allowed: …").
    access.require(access.may_decide_exemption(actor), _("решение об исключении по договору"))
    _pending(ticket)
    category = category.strip()
    if category:
        try:
            chosen = rules.regulation().scope_category(category)
        except KeyError:
            raise TicketError(
                _("Неизвестная категория «%(category)s»") % {"category": category}
            ) from None
        if chosen.contract_exempt:
            raise TicketError(
                _(
                    "Категория «%(category)s» освобождена от договора: чтобы обслужить "
                    "обращение, подтвердите исключение"
                )
                % {"category": rules.tr(chosen.name)}
            )
    steps.event(
        ticket,
        EventType.RECLASSIFIED,
        now,
        actor,
        previous=ticket.category,
        category=category,
        reason=reason.strip(),
    )
    ticket.category = category
    ticket.exemption = Exemption.RECLASSIFIED
    steps.take(ticket, actor=actor, at=now)
    eligibility = contract_eligibility(ticket.registration, ticket.registered_at)
    if not eligibility.eligible:  # contracts imported since then make a refusal moot
        refuse_ineligible(ticket, eligibility, actor=actor, at=now)
    return steps.save(ticket, now)
