"""Update-access requests (R17–R18): a ticket kind of its own, registered through the same core.

Errors are translated into the language of whoever caused them; texts the line stores in a ticket
(its subject, the request as a message, the grant) stay Russian, the line's language."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from supportline.accounts.models import User
from supportline.core import rules
from supportline.lib.inn import inn_error
from supportline.registry.models import RegistrationNumber
from supportline.tickets import access
from supportline.tickets.actions import registration, steps
from supportline.tickets.errors import IntakeError, TicketError, TransitionError
from supportline.tickets.intake import contract_eligibility
from supportline.tickets.models import (
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
    """R17: a request for access to the update site, served at the Operational level."""
    now = now or timezone.now()
    errors: dict[str, str] = {}
    if not organisation_full_name.strip():
        errors["organisation_full_name"] = _("Укажите полное наименование организации")
    if message := inn_error(inn):
        errors["inn"] = message
    reg = RegistrationNumber.objects.filter(number=registration_number.strip()).first()
    if not registration_number.strip():
        errors["registration_number"] = _("Укажите регистрационный номер основной поставки")
    elif reg is None:
        errors["registration_number"] = _(
            "Регистрационный номер «%(number)s» не найден в реестре"
        ) % {"number": registration_number.strip()}
    elif reg.kind != RegistrationNumber.Kind.MAIN:
        errors["registration_number"] = _("Нужен номер основной поставки, а не NFR-версии")
    if not configuration.strip():
        errors["configuration"] = _("Укажите полное название конфигурации")
    if not version.strip():
        errors["version"] = _("Укажите нужную версию конфигурации")
    if reg is not None and not access.may_file_for(actor, reg):
        errors["registration_number"] = _(
            "Этот регистрационный номер не принадлежит вашей организации"
        )
    if errors:
        raise IntakeError(errors)
    assert reg is not None
    level = rules.regulation().update_access_level_id
    # The subject and the request message below are stored: Russian, the line's language.
    request = (
        f"Прошу предоставить доступ к обновлениям. Организация: {organisation_full_name.strip()}, "
        f"ИНН {inn.strip()}, рег. номер {reg.number}, конфигурация {configuration.strip()} "
        f"версии {version.strip()}"
        + (f", прежний логин {previous_login.strip()}" if previous_login.strip() else "")
    )
    ticket = registration.register_core(
        kind=Kind.UPDATE_ACCESS,
        actor=actor,
        channel=channel,
        at=now,
        request=request,
        subject=f"Доступ к обновлениям: {configuration.strip()} {version.strip()}",
        level=level,
        registration_number=reg.number,
        organisation_name=organisation_full_name.strip(),
        configuration_name=configuration.strip(),
        version=version.strip(),
        registration=reg,
        organisation=reg.organisation,
        # A partner asking for its client sees the request among the ones it filed.
        partner=actor.partner if actor is not None and access.is_partner(actor) else None,
        contact_email=contact_email or (actor.email if actor is not None else ""),
    )
    UpdateAccessDetails.objects.create(
        ticket=ticket,
        organisation_full_name=organisation_full_name.strip(),
        inn=inn.strip(),
        previous_login=previous_login.strip(),
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
        steps.refuse(ticket, actor=actor, at=now, reason=", ".join(eligibility.missing))
        details.decided_at = now
        details.save(update_fields=["decided_at"])
        return steps.save(ticket, now)
    if not login.strip():
        raise TicketError(_("Укажите логин доступа к сайту обновлений"))
    covered = [c.strip() for c in (configurations or [ticket.configuration_name]) if c.strip()]
    details.granted_login = login.strip()
    details.configurations_covered = covered
    details.decided_at = now
    details.save(update_fields=["granted_login", "configurations_covered", "decided_at"])
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
        body=f"Доступ к обновлениям предоставлен. Логин: {login.strip()}. Конфигурации: {', '.join(covered)}.",
    )
    steps.event(
        ticket, EventType.RESOLVED, now, actor, granted_login=login.strip(), configurations=covered
    )
    ticket.status = Status.CLIENT_EVALUATION
    return steps.save(ticket, now)
