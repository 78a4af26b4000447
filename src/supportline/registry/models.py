"""Registries the line works from: organisations, partners, products and their releases,
registration numbers and the contracts on them (SPEC R1, R2, R4, R17)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from supportline.lib.inn import inn_error
from supportline.lib.versions import version_error, version_key


def validate_inn(value: str) -> None:
    message = inn_error(value)
    if message:
        raise ValidationError(message)


def validate_version(value: str) -> None:
    message = version_error(value)
    if message:
        raise ValidationError(message)


class Organisation(models.Model):
    """A client organisation (a user of a 1C:CRM product)."""

    name = models.CharField(_("наименование"), max_length=300)
    full_name = models.CharField(_("полное наименование"), max_length=500, blank=True)
    inn = models.CharField(_("ИНН"), max_length=12, unique=True, validators=[validate_inn])
    kpp = models.CharField(_("КПП"), max_length=9, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        verbose_name = _("организация")
        verbose_name_plural = _("организации")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Partner(models.Model):
    """A 1C partner (franchisee), identified by its partner code (R1)."""

    name = models.CharField(_("наименование"), max_length=300)
    code = models.CharField(_("код партнёра"), max_length=50, unique=True)
    inn = models.CharField(_("ИНН"), max_length=12, blank=True, validators=[validate_inn])

    class Meta:
        verbose_name = _("партнёр")
        verbose_name_plural = _("партнёры")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class PartnerClient(models.Model):
    """A partner serves this organisation (R1, R2): it files tickets on the organisation's
    registration numbers and, as a holder's partner, is told which contract lapsed.

    Filled from the contracts import («Код партнёра» on a main-delivery row) or kept in the
    admin; `since`/`until` (both optional, inclusive) bound the service."""

    class Source(models.TextChoices):
        IMPORT = "import", _("импорт договоров")
        ADMIN = "admin", _("администратор")

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="client_links", verbose_name=_("партнёр")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="partner_links",
        verbose_name=_("организация"),
    )
    source = models.CharField(
        _("источник"), max_length=10, choices=Source.choices, default=Source.ADMIN
    )
    since = models.DateField(_("обслуживает с"), null=True, blank=True)
    until = models.DateField(_("обслуживает по"), null=True, blank=True)

    class Meta:
        verbose_name = _("клиент партнёра")
        verbose_name_plural = _("клиенты партнёров")
        ordering = ["partner", "organisation"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "organisation"], name="partner_client_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(until__isnull=True)
                | models.Q(since__isnull=True)
                | models.Q(until__gte=models.F("since")),
                name="partner_client_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} → {self.organisation}"

    def is_active_on(self, day: dt.date) -> bool:
        return (self.since is None or self.since <= day) and (
            self.until is None or day <= self.until
        )


class SupportStatus(models.TextChoices):
    SUPPORTED = "supported", _("поддерживается")
    WITHDRAWN = "withdrawn", _("снят с поддержки")


class Product(models.Model):
    """A product line, e.g. «1С:CRM»."""

    name = models.CharField(_("наименование"), max_length=200, unique=True)
    support_status = models.CharField(
        _("поддержка"),
        max_length=20,
        choices=SupportStatus.choices,
        default=SupportStatus.SUPPORTED,
    )

    class Meta:
        verbose_name = _("продукт")
        verbose_name_plural = _("продукты")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Configuration(models.Model):
    """A configuration of a product, e.g. «1С:CRM ПРОФ, редакция 3»."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="configurations")
    name = models.CharField(_("наименование конфигурации"), max_length=300, unique=True)
    support_status = models.CharField(
        _("поддержка"),
        max_length=20,
        choices=SupportStatus.choices,
        default=SupportStatus.SUPPORTED,
    )

    class Meta:
        verbose_name = _("конфигурация")
        verbose_name_plural = _("конфигурации")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_supported(self) -> bool:
        return (
            self.support_status == SupportStatus.SUPPORTED
            and self.product.support_status == SupportStatus.SUPPORTED
        )


class Release(models.Model):
    """A release of a configuration; the registry knows which ones are current (R4)."""

    configuration = models.ForeignKey(
        Configuration,
        on_delete=models.CASCADE,
        related_name="releases",
        verbose_name=_("конфигурация"),
    )
    version = models.CharField(_("версия"), max_length=40, validators=[validate_version])
    # Zero-padded form of `version`, so the database orders 3.0.82.18 after 3.0.9.1.
    version_key = models.CharField(max_length=40, editable=False, db_index=True)
    is_current = models.BooleanField(_("актуальный"), default=False)
    published_at = models.DateTimeField(_("опубликован"), null=True, blank=True)
    # R15: the date the development department plans the release for (the client is told it).
    planned_date = models.DateField(_("плановая дата"), null=True, blank=True)
    notes = models.TextField(_("описание"), blank=True)

    class Meta:
        verbose_name = _("релиз")
        verbose_name_plural = _("релизы")
        ordering = ["configuration", "-version_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["configuration", "version"], name="release_unique_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.configuration} {self.version}"

    def clean(self) -> None:
        validate_version(self.version)
        self.version_key = version_key(self.version)


class RegistrationNumber(models.Model):
    """The registration number of a delivered program: a main delivery or a partner's NFR."""

    class Kind(models.TextChoices):
        MAIN = "main", _("основная поставка")
        NFR = "nfr", _("NFR-версия партнёра")

    number = models.CharField(_("регистрационный номер"), max_length=50, unique=True)
    kind = models.CharField(_("вид"), max_length=10, choices=Kind.choices, default=Kind.MAIN)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="registrations"
    )
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="registrations"
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="registrations")

    class Meta:
        verbose_name = _("регистрационный номер")
        verbose_name_plural = _("регистрационные номера")
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(organisation__isnull=False) | models.Q(partner__isnull=False),
                name="registration_has_holder",
            )
        ]

    def __str__(self) -> str:
        return self.number


def contract_kinds() -> list[tuple[str, str]]:
    """The contract kinds of the regulation in force (R2, R21: `[[contracts]]` of the file), as
    the choices of `Contract.kind`; a callable, so the kinds are data, not a migration."""
    from supportline.core import rules

    regulation = rules.regulation_or_none()
    kinds = regulation.contracts if regulation is not None else ()
    return [(kind.id, rules.tr(kind.name)) for kind in kinds]


def contract_levels() -> list[tuple[str, str]]:
    """The levels of the regulation's contract kinds (1C:CRM: ПРОФ and ТЕХНО of 1С:ИТС), as the
    choices of `Contract.its_level`; a callable, so another line's levels need no migration."""
    from supportline.core import rules

    regulation = rules.regulation_or_none()
    kinds = regulation.contracts if regulation is not None else ()
    seen: dict[str, str] = {}
    for kind in kinds:
        for level in kind.levels:
            seen.setdefault(level.id, rules.tr(level.name))
    return list(seen.items())


class Contract(models.Model):
    """A contract of a kind the regulation requires on a registration number (R2, R18): for
    1C:CRM a 1C:ITS or «1С:КП Отраслевой» contract."""

    registration = models.ForeignKey(
        RegistrationNumber, on_delete=models.CASCADE, related_name="contracts"
    )
    kind = models.CharField(_("вид договора"), max_length=20, choices=contract_kinds)
    number = models.CharField(_("номер договора"), max_length=50, blank=True)
    valid_from = models.DateField(_("действует с"))
    valid_to = models.DateField(_("действует по"))
    # The level of the contract's kind, when the kind has levels (the regulation file's
    # `levels` of `[[contracts]]`; 1C:CRM: ПРОФ / ТЕХНО of 1С:ИТС).
    its_level = models.CharField(
        _("уровень договора"), max_length=10, choices=contract_levels, blank=True
    )

    class Meta:
        verbose_name = _("договор")
        verbose_name_plural = _("договоры")
        ordering = ["registration", "kind", "-valid_to"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_to__gte=models.F("valid_from")),
                name="contract_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.registration} {self.valid_from}–{self.valid_to}"

    def is_valid_on(self, day: dt.date) -> bool:
        """Both ends inclusive."""
        return self.valid_from <= day <= self.valid_to


class CalendarYear(models.Model):
    """A production-calendar year uploaded by an administrator (`supportline import-calendar`);
    it replaces the packaged data of that year (SPEC R9, R21)."""

    year = models.PositiveSmallIntegerField(_("год"), unique=True)
    data = models.JSONField(_("данные года"))
    decree = models.CharField(_("постановление"), max_length=300, blank=True)
    uploaded_at = models.DateTimeField(_("загружен"), auto_now=True)

    class Meta:
        verbose_name = _("год производственного календаря")
        verbose_name_plural = _("годы производственного календаря")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarOverride(models.Model):
    """An administrator's correction of a single day of the production calendar."""

    class Kind(models.TextChoices):
        WORKING = "working", _("рабочий день")
        SHORT = "short", _("сокращённый рабочий день (до 17:00)")
        DAY_OFF = "day_off", _("выходной день")
        HOLIDAY = "holiday", _("нерабочий праздничный день")

    date = models.DateField(_("дата"), unique=True)
    kind = models.CharField(_("вид дня"), max_length=10, choices=Kind.choices)
    reason = models.CharField(_("основание"), max_length=300)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("исправление календаря")
        verbose_name_plural = _("исправления календаря")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y}: {self.get_kind_display()}"
