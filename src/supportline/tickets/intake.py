"""Intake under the regulation (R1–R4): required data, eligibility by contract, scope, releases.

`check_intake` is a pure-ish validator: it resolves the R1 data against the registries and
returns per-field errors in the active language (Russian by default); it never writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from supportline.accounts.models import User
from supportline.core import rules
from supportline.lib.versions import version_error, version_key
from supportline.registry.models import (
    Configuration,
    Contract,
    Organisation,
    Partner,
    RegistrationNumber,
    Release,
)
from supportline.tickets import access

# The language of the line: what the line writes to clients and stores (questions, refusals,
# notices) is Russian, like the regulation's standard answers, whatever the UI language of the
# person whose action produced it.
LINE_LANGUAGE = "ru"


@dataclass
class IntakeData:
    subject: str = ""
    body: str = ""
    registration_number: str = ""
    partner_code: str = ""
    organisation: str = ""
    configuration: str = ""
    version: str = ""
    category: str = ""
    contact_email: str = ""
    contact_name: str = ""
    contact_phone: str = ""

    def cleaned(self) -> IntakeData:
        return IntakeData(**{k: (v or "").strip() for k, v in self.__dict__.items()})


@dataclass
class Resolved:
    """What the R1 data resolved to in the registries; `errors` per field (active language)."""

    errors: dict[str, str] = field(default_factory=dict)
    registration: RegistrationNumber | None = None
    partner: Partner | None = None
    organisation: Organisation | None = None
    configuration: Configuration | None = None


REQUIRED_MESSAGES = {
    "subject": gettext_lazy("Укажите тему обращения"),
    "body": gettext_lazy("Опишите вопрос"),
    "registration_number": gettext_lazy("Укажите регистрационный номер программы"),
    "organisation": gettext_lazy("Укажите наименование организации"),
    "configuration": gettext_lazy("Укажите название конфигурации"),
    "version": gettext_lazy("Укажите версию (релиз) программы, например 3.0.36.12"),
}

# Human names of the R1 fields, for the question that asks for what is missing.
FIELD_NAMES = {
    "subject": gettext_lazy("тема обращения"),
    "body": gettext_lazy("описание вопроса"),
    "registration_number": gettext_lazy("регистрационный номер программы"),
    "partner_code": gettext_lazy("код партнёра"),
    "organisation": gettext_lazy("наименование организации"),
    "configuration": gettext_lazy("название конфигурации"),
    "version": gettext_lazy("версия (релиз) программы"),
    "category": gettext_lazy("категория вопроса"),
}


def check_intake(data: IntakeData, *, actor: User | None, known_partner_code: str = "") -> Resolved:
    """Resolve R1 data for `actor`; `known_partner_code` is the code a ticket already carries
    (filed by a partner), which its client may keep while completing other data."""
    out = Resolved()
    for name, message in REQUIRED_MESSAGES.items():
        if not getattr(data, name):
            out.errors[name] = str(message)
    is_partner = actor is not None and access.is_partner(actor)
    if is_partner and not data.partner_code:
        out.errors["partner_code"] = _("Партнёр указывает свой код партнёра")

    if (
        data.partner_code
        and data.partner_code != known_partner_code
        and not access.may_name_partner(actor)
    ):
        # A client cannot attach a partner to its ticket (the partner would then see it).
        out.errors["partner_code"] = _("Код партнёра указывает только партнёр")
    elif data.partner_code:
        out.partner = Partner.objects.filter(code=data.partner_code).first()
        if out.partner is None:
            out.errors["partner_code"] = _("Код партнёра «%(code)s» не найден") % {
                "code": data.partner_code
            }
        elif is_partner and actor is not None and actor.partner_id != out.partner.pk:
            out.errors["partner_code"] = _("Это не код вашей организации-партнёра")

    if data.registration_number:
        reg = (
            RegistrationNumber.objects.select_related("organisation", "partner", "product")
            .filter(number=data.registration_number)
            .first()
        )
        if reg is None:
            out.errors["registration_number"] = _(
                "Регистрационный номер «%(number)s» не найден в реестре. "
                "Проверьте номер: он указан в регистрационной анкете программы"
            ) % {"number": data.registration_number}
        else:
            out.registration = reg
            _check_holder(reg, data, actor, out)

    if data.configuration:
        conf = (
            Configuration.objects.select_related("product")
            .filter(name__iexact=data.configuration)
            .first()
        )
        if conf is None:
            out.errors["configuration"] = _(
                "Конфигурация «%(configuration)s» не найдена в реестре продуктов"
            ) % {"configuration": data.configuration}
        else:
            out.configuration = conf
    version_problem = version_error(data.version) if data.version else None
    if version_problem:
        out.errors["version"] = version_problem
    if data.category:
        try:
            rules.regulation().scope_category(data.category)
        except KeyError:
            out.errors["category"] = _("Неизвестная категория вопроса «%(category)s»") % {
                "category": data.category
            }
    return out


def _check_holder(
    reg: RegistrationNumber, data: IntakeData, actor: User | None, out: Resolved
) -> None:
    """R1: a client asks about its own program; a partner about its NFR or a client's program."""
    if reg.kind == RegistrationNumber.Kind.NFR:
        if out.partner is None:
            if "partner_code" not in out.errors:
                out.errors["partner_code"] = _("Для NFR-версии укажите код партнёра")
        elif reg.partner_id != out.partner.pk:
            out.errors["registration_number"] = _(
                "Эта NFR-версия зарегистрирована на другого партнёра"
            )
        return
    if not access.may_file_for(actor, reg):
        out.errors["registration_number"] = _(
            "Этот регистрационный номер не принадлежит вашей организации"
        )
        return  # the ticket must not be tied to an organisation that is not the filer's
    out.organisation = reg.organisation


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    missing: list[str]


def contract_eligibility(reg: RegistrationNumber | None, at: dt.datetime) -> Eligibility:
    """R2: valid 1C:ITS AND «1С:КП Отраслевой» contracts at the registration instant.

    `missing` names the missing contracts in the line's language (Russian): it becomes the
    reason of the refusal the line stores and sends to the client (`_refuse`), so it must not
    follow the UI language of the consultant who happens to trigger the triage."""
    day = rules.local_date(at)
    missing = []
    for kind, label in Contract.Kind.choices:
        valid = (
            reg is not None
            and reg.contracts.filter(kind=kind, valid_from__lte=day, valid_to__gte=day).exists()
        )
        if not valid:
            with translation.override(LINE_LANGUAGE):
                missing.append(f"договор {label}")
    return Eligibility(eligible=not missing, missing=missing)


def current_release(conf: Configuration) -> Release | None:
    return conf.releases.filter(is_current=True).order_by("-version_key").first()


def outdated_release(conf: Configuration | None, version: str) -> Release | None:
    """R4: the current release when `version` is older than it, else None."""
    if conf is None or not version or version_error(version):
        return None
    current = current_release(conf)
    if current is None or version_key(version) >= current.version_key:
        return None
    return current
