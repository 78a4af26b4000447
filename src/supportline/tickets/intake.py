"""Intake under the regulation (R1–R4): required data, eligibility by contract, scope, releases.

`check_intake` is a pure-ish validator: it resolves the R1 data against the registries and
returns per-field errors in the active language (Russian by default); it never writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from supportline.accounts.models import User
from supportline.core import rules
from supportline.lib.inn import inn_error
from supportline.lib.orgnames import same_organisation
from supportline.lib.statements import Select
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
    # R4: the version is newer than every known release of the configuration (accepted, and
    # flagged for the line); R1: the organisation's name differs from the registry's (shown).
    version_unreleased: bool = False
    organisation_mismatch: bool = False


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


def check_intake(
    data: IntakeData,
    *,
    actor: User | None,
    known_partner_code: str = "",
    at: dt.datetime | None = None,
) -> Resolved:
    """Resolve R1 data for `actor`; `known_partner_code` is the code a ticket already carries
    (filed by a partner), which its client may keep while completing other data; `at` is the
    registration instant (a partner's link to its client is judged on that day; now if None).

    Besides presence and format: the registration number must be one the filer may ask about
    (its organisation's; a partner's NFR or a client it serves), the configuration must belong
    to the registration's product (an NFR version contains the configurations of its product),
    and the version must be a release of that configuration — or newer than all its known
    releases, which is accepted and flagged. The organisation's name is compared with the
    registry's; a mismatch is flagged, never refused."""
    out = Resolved()
    day = rules.local_date(at) if at is not None else None
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
        reg = REGISTRATION.first(number=data.registration_number)
        if reg is None:
            out.errors["registration_number"] = _(
                "Регистрационный номер «%(number)s» не найден в реестре. "
                "Проверьте номер: он указан в регистрационной анкете программы"
            ) % {"number": data.registration_number}
        else:
            out.registration = reg
            _check_holder(reg, data, actor, out, day)

    if data.configuration:
        conf = find_configuration(data.configuration)
        if conf is None:
            out.errors["configuration"] = _(
                "Конфигурация «%(configuration)s» не найдена в реестре продуктов"
            ) % {"configuration": data.configuration}
        else:
            out.configuration = conf
    version_problem = version_error(data.version) if data.version else None
    if version_problem:
        out.errors["version"] = version_problem
    if out.configuration is not None and out.registration is not None:
        _check_product(out.registration, out.configuration, out)
    if out.configuration is not None and data.version and not version_problem:
        _check_release(out.configuration, data.version, out)
    if data.organisation and "registration_number" not in out.errors and out.registration:
        out.organisation_mismatch = not same_organisation(
            data.organisation, *_holder_names(out.registration)
        )
    if data.category:
        try:
            rules.regulation().scope_category(data.category)
        except KeyError:
            out.errors["category"] = _("Неизвестная категория вопроса «%(category)s»") % {
                "category": data.category
            }
    return out


def _check_holder(
    reg: RegistrationNumber,
    data: IntakeData,
    actor: User | None,
    out: Resolved,
    day: dt.date | None,
) -> None:
    """R1: a client asks about its own program; a partner about its NFR or the program of a
    client it serves. Whoever names a partner code on a client's number needs that link too:
    the partner would see the ticket and learn about the client's contracts (R2)."""
    if reg.kind == RegistrationNumber.Kind.NFR:
        if out.partner is None:
            if "partner_code" not in out.errors:
                out.errors["partner_code"] = _("Для NFR-версии укажите код партнёра")
        elif reg.partner_id != out.partner.pk:
            out.errors["registration_number"] = _(
                "Эта NFR-версия зарегистрирована на другого партнёра"
            )
        return
    partner_without_link = out.partner is not None and not access.partner_serves(
        out.partner.pk, reg, day
    )
    if partner_without_link or (
        actor is not None and access.is_partner(actor) and not access.may_file_for(actor, reg, day)
    ):
        out.errors["registration_number"] = _(
            "Партнёр может обращаться по номеру своей NFR-версии или по регистрационному "
            "номеру программы клиента, которого он обслуживает; этот номер к ним не относится"
        )
        out.partner = None  # not attached: it would see the ticket of a client it does not serve
        return
    if not access.may_file_for(actor, reg, day):
        out.errors["registration_number"] = _(
            "Этот регистрационный номер не принадлежит вашей организации"
        )
        return  # the ticket must not be tied to an organisation that is not the filer's
    out.organisation = reg.organisation


def _holder_names(reg: RegistrationNumber) -> list[str]:
    if reg.organisation is not None:
        return [reg.organisation.name, reg.organisation.full_name]
    return [reg.partner.name] if reg.partner is not None else []


def _check_product(reg: RegistrationNumber, conf: Configuration, out: Resolved) -> None:
    """R1: the configuration asked about is one of the registration's product."""
    if conf.product_id == reg.product_id:
        return
    values = {"configuration": conf.name, "number": reg.number, "product": reg.product.name}
    if reg.kind == RegistrationNumber.Kind.NFR:
        out.errors["configuration"] = (
            _(
                "NFR-версия %(number)s (продукт «%(product)s») не содержит конфигурацию «%(configuration)s»"
            )
            % values
        )
    else:
        out.errors["configuration"] = (
            _(
                "Конфигурация «%(configuration)s» не относится к продукту «%(product)s» регистрационного номера %(number)s"
            )
            % values
        )
    out.configuration = None


# Intake's reads, compiled once (its hot path, issue 15). The number is unique: no ORDER BY.
REGISTRATION: Select[RegistrationNumber] = Select(
    lambda number: (
        RegistrationNumber.objects.select_related("organisation", "partner", "product")
        .filter(number=number)
        .order_by()[:1]
    ),
    number=str,
)
CONFIGURATIONS: Select[Configuration] = Select(
    lambda: Configuration.objects.select_related("product")
)
RELEASES: Select[Release] = Select(
    lambda configuration: Release.objects.filter(configuration_id=configuration).order_by(
        "-version_key"
    ),
    configuration=int,
)
# No ordering: the model's (by registration) would join the registration table.
VALID_CONTRACT_KINDS: Select[str] = Select(
    lambda registration, day: (
        Contract.objects.filter(
            registration_id=registration, valid_from__lte=day, valid_to__gte=day
        )
        .order_by()
        .values_list("kind", flat=True)
        .distinct()
    ),
    registration=int,
    day=dt.date,
)

# How many of the newest releases a refusal lists.
SHOWN_RELEASES = 5


# Where a configuration loaded by the intake keeps its releases, newest first: the R1 check
# and the R4 triage of the same registration read them once (issue 15).
_RELEASES = "_intake_releases"


def releases_of(conf: Configuration) -> list[Release]:
    """The configuration's releases, newest first: read once per loaded configuration."""
    known: list[Release] | None = conf.__dict__.get(_RELEASES)
    if known is None:
        known = RELEASES.all(configuration=conf.pk)
        conf.__dict__[_RELEASES] = known
    return known


def _check_release(conf: Configuration, version: str, out: Resolved) -> None:
    """R4: a known release of the configuration, or newer than all of them (flagged)."""
    known = releases_of(conf)
    key = version_key(version)
    if any(r.version_key == key for r in known):
        return
    if not known or key > known[0].version_key:
        out.version_unreleased = True
        return
    out.errors["version"] = _(
        "Версия %(version)s не является выпущенным релизом конфигурации «%(configuration)s»; "
        "последние релизы: %(releases)s"
    ) % {
        "version": version,
        "configuration": conf.name,
        "releases": ", ".join(r.version for r in known[:SHOWN_RELEASES]),
    }


def find_configuration(name: str, *, product_id: int | None = None) -> Configuration | None:
    """The registry's configuration of that name, whatever the case — Cyrillic too, which
    SQLite's `iexact` does not fold; spaces are collapsed. A product's configurations are few."""
    wanted = " ".join(name.split()).casefold()
    for conf in CONFIGURATIONS.all():
        if (product_id is None or conf.product_id == product_id) and " ".join(
            conf.name.split()
        ).casefold() == wanted:
            return conf
    return None


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    missing: list[str]


def contract_eligibility(
    reg: RegistrationNumber | None, at: dt.datetime, contracts: Iterable[Contract] | None = None
) -> Eligibility:
    """R2: every contract kind of the regulation (for 1C:CRM: 1C:ITS AND «1С:КП Отраслевой»)
    valid at the registration instant; a regulation without contracts needs none.

    `missing` names the missing contracts in the line's language (Russian, the file's
    `missing` texts): it becomes the reason of the refusal the line stores and sends to the
    client (`_refuse`), so it must not follow the UI language of the consultant who happens to
    trigger the triage.

    `contracts`: the registration's contracts when the caller has read them already (no query
    then)."""
    day = rules.local_date(at)
    if contracts is not None:  # the registration's contracts already read (the ticket page)
        valid_kinds = {c.kind for c in contracts if c.is_valid_on(day)}
        return _eligibility(valid_kinds)
    # One query for both kinds (intake's hot path, issue 15).
    valid_kinds = (
        set(VALID_CONTRACT_KINDS.all(registration=reg.pk, day=day)) if reg is not None else set()
    )
    return _eligibility(valid_kinds)


def _eligibility(valid_kinds: set[str]) -> Eligibility:
    missing = []
    for kind in rules.regulation().contracts:
        if kind.id not in valid_kinds:
            missing.append(kind.missing.ru)
    return Eligibility(eligible=not missing, missing=missing)


def current_release(conf: Configuration) -> Release | None:
    """The newest current release; from the releases the R1 check read, when it did."""
    known: list[Release] | None = conf.__dict__.get(_RELEASES)
    if known is not None:
        return next((r for r in known if r.is_current), None)
    return conf.releases.filter(is_current=True).order_by("-version_key").first()


def outdated_release(conf: Configuration | None, version: str) -> Release | None:
    """R4: the current release when `version` is older than it, else None."""
    if conf is None or not version or version_error(version):
        return None
    current = current_release(conf)
    if current is None or version_key(version) >= current.version_key:
        return None
    return current


@dataclass
class UpdateAccessResolved:
    """What an update-access request (R17) resolved to; `errors` per field."""

    errors: dict[str, str] = field(default_factory=dict)
    registration: RegistrationNumber | None = None
    configuration: Configuration | None = None
    release: Release | None = None
    organisation_mismatch: bool = False


def check_update_access(
    *,
    actor: User | None,
    organisation_full_name: str,
    inn: str,
    registration_number: str,
    configuration: str,
    version: str,
) -> UpdateAccessResolved:
    """R17: the data of a request for access to updates, checked against the registry — the
    main delivery exists and the filer may ask about it, the INN is valid AND the INN of the
    organisation holding it, the configuration is one of that product's and the version one of
    its releases. Never writes."""
    out = UpdateAccessResolved()
    errors = out.errors
    full_name, inn, number = (
        organisation_full_name.strip(),
        inn.strip(),
        registration_number.strip(),
    )
    conf_name, version = configuration.strip(), version.strip()
    if not full_name:
        errors["organisation_full_name"] = _("Укажите полное наименование организации")
    if message := inn_error(inn):
        errors["inn"] = message
    reg = (
        RegistrationNumber.objects.select_related("organisation", "product")
        .filter(number=number)
        .first()
        if number
        else None
    )
    if not number:
        errors["registration_number"] = _("Укажите регистрационный номер основной поставки")
    elif reg is None:
        errors["registration_number"] = _(
            "Регистрационный номер «%(number)s» не найден в реестре"
        ) % {"number": number}
    elif reg.kind != RegistrationNumber.Kind.MAIN or reg.organisation is None:
        errors["registration_number"] = _("Нужен номер основной поставки, а не NFR-версии")
        reg = None
    elif not access.may_file_for(actor, reg):
        errors["registration_number"] = _(
            "Этот регистрационный номер не принадлежит вашей организации"
        )
        reg = None
    out.registration = reg
    if reg is not None and reg.organisation is not None:
        if "inn" not in errors and reg.organisation.inn != inn:
            errors["inn"] = _(
                "ИНН %(inn)s не совпадает с ИНН организации, на которую зарегистрирована "
                "основная поставка %(number)s"
            ) % {"inn": inn, "number": reg.number}
        if full_name:
            out.organisation_mismatch = not same_organisation(
                full_name, reg.organisation.name, reg.organisation.full_name
            )
    if not conf_name:
        errors["configuration"] = _("Укажите полное название конфигурации")
    else:
        out.configuration = find_configuration(
            conf_name, product_id=reg.product_id if reg is not None else None
        )
        if out.configuration is None:
            errors["configuration"] = (
                _(
                    "Конфигурация «%(configuration)s» не найдена среди конфигураций "
                    "продукта «%(product)s»"
                )
                % {"configuration": conf_name, "product": reg.product.name}
                if reg is not None
                else _("Конфигурация «%(configuration)s» не найдена в реестре продуктов")
                % {"configuration": conf_name}
            )
    if not version:
        errors["version"] = _("Укажите нужную версию конфигурации")
    elif problem := version_error(version):
        errors["version"] = problem
    elif out.configuration is not None:
        releases = out.configuration.releases.order_by("-version_key")
        out.release = releases.filter(version_key=version_key(version)).first()
        if out.release is None:
            errors["version"] = _(
                "Версия %(version)s не является релизом конфигурации «%(configuration)s»; "
                "последние релизы: %(releases)s"
            ) % {
                "version": version,
                "configuration": out.configuration.name,
                "releases": ", ".join(r.version for r in releases[:SHOWN_RELEASES]) or "—",
            }
    return out
