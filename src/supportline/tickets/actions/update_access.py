"""Update-access requests (R17–R18): a ticket kind of its own, registered through the same core.

Errors are translated into the language of whoever caused them; texts the line stores in a ticket
(its subject, the request as a message, the grant) stay Russian, the line's language."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from supportline.accounts.models import User
from supportline.core import rules
from supportline.registry.models import Configuration
from supportline.tickets import access, labels
from supportline.tickets.actions import registration, steps
from supportline.tickets.errors import IntakeError, TicketError, TransitionError
from supportline.tickets.intake import (
    LINE_LANGUAGE,
    UpdateAccessResolved,
    check_update_access,
    contract_eligibility,
    find_configuration,
)
from supportline.tickets.models import (
    Channel,
    EventType,
    Kind,
    Message,
    Status,
    Ticket,
    UpdateAccessDetails,
)


@transaction.atomic
def update_access_request(
    *,
    actor: User | None,
    channel: str,
    organisation_full_name: str,
    inn: str,
    registration_number: str,
    configuration: str,
    version: str,
    previous_login: str = "",
    contact_email: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """R17: a request for access to updates from the portal or the API, served at the
    Operational level; invalid data are refused with a message per field (`IntakeError`)."""
    now = now or timezone.now()
    steps.require_channel(channel)
    resolved = check_update_access(
        actor=actor,
        organisation_full_name=organisation_full_name,
        inn=inn,
        registration_number=registration_number,
        configuration=configuration,
        version=version,
    )
    if resolved.errors:
        raise IntakeError(resolved.errors)
    return _register(
        actor=actor,
        channel=channel,
        at=now,
        now=now,
        resolved=resolved,
        organisation_full_name=organisation_full_name.strip(),
        inn=inn.strip(),
        previous_login=previous_login.strip(),
        contact_email=contact_email or (actor.email if actor is not None else ""),
    )


# Stored and sent to the client: Russian, the line's language. The labels are those
# `labels.update_access_labels` reads.
MAIL_LABELS_HINT = (
    "«Полное наименование организации: …», «ИНН: …», «Регистрационный номер основной "
    "поставки: …», «Конфигурация: …», «Версия: …» и, если доступ был раньше, «Логин: …»"
)


@transaction.atomic
def update_access_from_mail(
    *,
    actor: User | None,
    subject: str,
    text: str,
    contact_email: str,
    contact_name: str = "",
    registered_at: dt.datetime,
    external_id: str = "",
    now: dt.datetime | None = None,
) -> Ticket:
    """R17 by e-mail, the regulation's own route: a letter whose labelled lines carry the
    request (`labels.update_access_labels`) becomes an update-access request like the portal
    form's. The letter itself is the request message. Data that do not pass the registry
    check are not quarantined: the request is registered and refused at once with a Russian
    reply naming every problem and how to write the request."""
    now = now or timezone.now()
    steps.require_channel(Channel.EMAIL)
    found = labels.update_access_labels(text)
    full_name = found.get("organisation_full_name") or found.get("organisation", "")
    # The errors go into the reply to the client: the line's language.
    with translation.override(LINE_LANGUAGE):
        resolved = check_update_access(
            actor=actor,
            organisation_full_name=full_name,
            inn=found.get("inn", ""),
            registration_number=found.get("registration_number", ""),
            configuration=found.get("configuration", ""),
            version=found.get("version", ""),
        )
    ticket = _register(
        actor=actor,
        channel=Channel.EMAIL,
        at=registered_at,
        now=now,
        resolved=resolved,
        organisation_full_name=full_name,
        inn=found.get("inn", ""),
        previous_login=found.get("previous_login", ""),
        contact_email=contact_email,
        contact_name=contact_name,
        request=text.strip() or subject,
        external_id=external_id,
        typed_configuration=found.get("configuration", ""),
        typed_version=found.get("version", ""),
        typed_number=found.get("registration_number", ""),
    )
    if resolved.errors:
        problems = "; ".join(resolved.errors[k] for k in sorted(resolved.errors))
        steps.message(
            ticket,
            at=registered_at,
            author=None,
            kind=Message.Author.LINE,
            purpose=Message.Purpose.REFUSAL,
            body=steps.say(
                rules.regulation().answers.update_access_refused,
                number=ticket.number,
                problems=problems,
                labels=MAIL_LABELS_HINT,
            ),
        )
        steps.event(
            ticket,
            EventType.REFUSED,
            registered_at,
            None,
            reason=problems,
            fields=sorted(resolved.errors),
        )
        ticket.status = Status.REFUSED
        ticket.closed_at = registered_at
        ticket = steps.save(ticket, now)
    return ticket


def _register(
    *,
    actor: User | None,
    channel: str,
    at: dt.datetime,
    now: dt.datetime,
    resolved: UpdateAccessResolved,
    organisation_full_name: str,
    inn: str,
    previous_login: str,
    contact_email: str,
    contact_name: str = "",
    request: str = "",
    external_id: str = "",
    typed_configuration: str = "",
    typed_version: str = "",
    typed_number: str = "",
) -> Ticket:
    """The request through the one registration core; configuration and version as the
    registry names them (what the client typed when it did not resolve)."""
    reg, conf, release = resolved.registration, resolved.configuration, resolved.release
    configuration = conf.name if conf is not None else typed_configuration
    version = release.version if release is not None else typed_version
    number = reg.number if reg is not None else typed_number
    level = rules.regulation().update_access_level_id
    # The subject and the request message below are stored: Russian, the line's language.
    request = request or (
        f"Прошу предоставить доступ к обновлениям. Организация: {organisation_full_name}, "
        f"ИНН {inn}, рег. номер {number}, конфигурация {configuration} версии {version}"
        + (f", прежний логин {previous_login}" if previous_login else "")
    )
    ticket = registration.register_core(
        kind=Kind.UPDATE_ACCESS,
        actor=actor,
        channel=channel,
        at=at,
        request=request,
        external_id=external_id,
        subject=f"Доступ к обновлениям: {configuration} {version}".strip()[:300],
        level=level,
        registration_number=number[:50],
        organisation_name=organisation_full_name[:300],
        configuration_name=configuration[:300],
        version=version[:40],
        registration=reg,
        organisation=reg.organisation if reg is not None else None,
        configuration=conf,
        organisation_mismatch=resolved.organisation_mismatch,
        # A partner asking for its client sees the request among the ones it filed.
        partner=actor.partner if actor is not None and access.is_partner(actor) else None,
        contact_email=contact_email,
        contact_name=contact_name,
    )
    UpdateAccessDetails.objects.create(
        ticket=ticket,
        organisation_full_name=organisation_full_name[:500],
        inn=inn[:12],
        previous_login=previous_login[:100],
    )
    return steps.save(ticket, now)


@transaction.atomic
def update_access_decide(
    *,
    ticket: Ticket,
    actor: User,
    login: str = "",
    configurations: list[str] | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    """R18: grant only with the main delivery and both contracts valid; else refuse with why."""
    now = now or timezone.now()
    ticket = steps.lock(ticket)
    # Translators: completes «Недостаточно прав: %(what)s» ("Not allowed: …").
    access.require(access.is_line(actor), _("решение по доступу к обновлениям"))
    if ticket.kind != Kind.UPDATE_ACCESS:
        raise TransitionError(
            _("%(number)s — не запрос доступа к обновлениям") % {"number": ticket.number}
        )
    steps.require_status(
        ticket,
        steps.ALLOWED_FROM["decide"],
        # Translators: completes «Нельзя %(action)s: обращение … в статусе …» ("Cannot …").
        _("решить запрос доступа"),
    )
    details = ticket.update_access
    eligibility = contract_eligibility(ticket.registration, now)
    if not eligibility.eligible:
        # R2, R18: only the holder's own people learn which contract lapsed.
        registration.refuse_ineligible(ticket, eligibility, actor=actor, at=now)
        details.decided_at = now
        details.save(update_fields=["decided_at"])
        return steps.save(ticket, now)
    if not login.strip():
        raise TicketError(_("Укажите логин доступа к сайту обновлений"))
    confs = _covered(ticket, configurations)
    covered = [c.name for c in confs]
    details.granted_login = login.strip()
    details.decided_at = now
    details.save(update_fields=["granted_login", "decided_at"])
    details.configurations.set(confs)
    if ticket.status == Status.REGISTERED:
        steps.event(ticket, EventType.ACCEPTED, now, actor)
    steps.take(ticket, actor=actor, at=now)
    # The grant is stored and sent to the client: Russian, the line's language.
    steps.message(
        ticket,
        at=now,
        author=actor,
        kind=Message.Author.LINE,
        purpose=Message.Purpose.EVALUATION,
        body=steps.say(
            rules.regulation().answers.update_access_granted,
            number=ticket.number,
            login=login.strip(),
            configurations=", ".join(covered),
        ),
    )
    steps.event(
        ticket,
        EventType.RESOLVED,
        now,
        actor,
        granted_login=login.strip(),
        configurations=covered,
        configuration_ids=[c.pk for c in confs],
    )
    ticket.status = Status.CLIENT_EVALUATION
    return steps.save(ticket, now)


def _covered(ticket: Ticket, names: list[str] | None) -> list[Configuration]:
    """R18: the configurations a grant covers, as registry rows of the main delivery's product
    (by name, any case); by default the one the request named."""
    wanted = [n.strip() for n in names or [] if n.strip()]
    if not wanted:
        if ticket.configuration is None:
            raise TicketError(_("Укажите конфигурации, к которым предоставляется доступ"))
        return [ticket.configuration]
    product = ticket.registration.product_id if ticket.registration is not None else None
    found: list[Configuration] = []
    unknown: list[str] = []
    for name in dict.fromkeys(wanted):
        conf = find_configuration(name, product_id=product)
        if conf is None:
            unknown.append(name)
        elif conf not in found:
            found.append(conf)
    if unknown:
        raise TicketError(
            _("Не найдены в реестре конфигураций продукта: %(names)s")
            % {"names": ", ".join(f"«{n}»" for n in unknown)}
        )
    return found
