"""Portal forms: they parse what the client typed; the services decide (one write path).

The R1 fields are not `required` here: a missing value reaches the service, whose Russian
message per field (`IntakeError.errors`) is shown next to the field — one set of rules for the
portal and the API. Required fields carry `aria-required` and a visible mark instead.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from supportline.accounts.models import Role, User
from supportline.core import rules
from supportline.lib.text import LONG_TEXT, column_length, plain_text_validator
from supportline.registry.models import (
    Configuration,
    Release,
    SupportStatus,
)
from supportline.tickets import access, limits
from supportline.tickets.errors import IntakeError
from supportline.tickets.intake import IntakeData
from supportline.tickets.models import Complaint, Message, Ticket, UpdateAccessDetails

# Shown after the label of a required field; `aria-required` tells assistive technology.
REQUIRED_MARK = mark_safe(' <span class="req" aria-hidden="true">*</span>')


class PortalForm(forms.Form):
    """Russian forms put no colon after a label. Every text is checked like the API checks it:
    no NUL, no lone surrogate; lengths come from the model columns (`column_length`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and plain_text_validator not in field.validators:
                field.validators.append(plain_text_validator)


class ServiceForm(PortalForm):
    """A form that shows a service's per-field errors next to its own fields."""

    required_fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in self.required_fields:
            field = self.fields[name]
            field.widget.attrs["aria-required"] = "true"
            # A mark beside the label, not in it: error summaries quote the plain label.
            field.label_suffix = REQUIRED_MARK

    def add_service_errors(self, error: IntakeError, aliases: dict[str, str] | None = None) -> None:
        for name, message in error.errors.items():
            name = (aliases or {}).get(name, name)
            self.add_error(name if name in self.fields else None, message)
        # A widget with its own aria-describedby keeps it; link the error to it as well.
        for name in self.errors:
            attrs = self.fields[name].widget.attrs if name in self.fields else {}
            described = attrs.get("aria-describedby", "")
            if described and f"id_{name}_error" not in described:
                attrs["aria-describedby"] = f"{described} id_{name}_error"


def _text(label: Any, *, max_length: int, **attrs: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        widget=forms.TextInput(attrs=attrs),
    )


def supported_configurations() -> list[Configuration]:
    """Configurations of the product registry still supported, with their current release (R4)."""
    return list(
        Configuration.objects.filter(
            support_status=SupportStatus.SUPPORTED,
            product__support_status=SupportStatus.SUPPORTED,
        )
        .select_related("product")
        .prefetch_related(
            Prefetch(
                "releases",
                queryset=Release.objects.filter(is_current=True).order_by("-version_key"),
                to_attr="current",
            )
        )
    )


def _configuration_choices(confs: list[Configuration]) -> list[tuple[str, Any]]:
    return [("", _("— выберите конфигурацию —")), *((c.name, c.name) for c in confs)]


def _release_hint(confs: list[Configuration]) -> str:
    current = [(c.name, c.current[0].version) for c in confs if c.current]  # type: ignore[attr-defined]
    if not current:
        return str(_("Например, 3.0.36.12"))
    return format_html(
        "{} {}",
        _("Актуальный релиз:"),
        format_html_join("; ", "{} — <strong>{}</strong>", current),
    )


class TicketForm(ServiceForm):
    """R1: the data a ticket needs, plus the question (R5 search hooks on subject and body)."""

    required_fields = (
        "registration_number",
        "organisation",
        "configuration",
        "version",
        "subject",
        "body",
    )

    partner_code = _text(
        _("Код партнёра"), max_length=column_length(Ticket, "partner_code"), autocomplete="off"
    )
    registration_number = _text(
        _("Регистрационный номер программы"),
        max_length=column_length(Ticket, "registration_number"),
        autocomplete="off",
        list="registration-numbers",
    )
    organisation = _text(
        _("Организация"),
        max_length=column_length(Ticket, "organisation_name"),
        autocomplete="organization",
    )
    configuration = forms.ChoiceField(label=_("Конфигурация"), required=False)
    version = _text(
        _("Версия (релиз)"),
        max_length=column_length(Ticket, "version"),
        autocomplete="off",
        inputmode="decimal",
    )
    category = forms.ChoiceField(label=_("Категория вопроса"), required=False)
    subject = _text(_("Тема"), max_length=column_length(Ticket, "subject"), autocomplete="off")
    body = forms.CharField(
        label=_("Вопрос"),
        required=False,
        max_length=column_length(Message, "body"),
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if user.role == Role.PARTNER and user.partner_id is not None:
            self.fields["partner_code"].widget.attrs["aria-required"] = "true"
            self.fields["registration_number"].help_text = _(
                "Регистрационный номер вашей NFR-версии с нужной конфигурацией "
                "или номер программы клиента, за которого вы спрашиваете"
            )
        else:
            del self.fields["partner_code"]
            self.fields["registration_number"].help_text = _(
                "Указан в регистрационной анкете программы"
            )
        confs = supported_configurations()
        configuration = self.fields["configuration"]
        assert isinstance(configuration, forms.ChoiceField)
        configuration.choices = _configuration_choices(confs)
        self.fields["version"].help_text = _release_hint(confs)
        category = self.fields["category"]
        assert isinstance(category, forms.ChoiceField)
        category.choices = [
            ("", _("— не знаю / другое —")),
            *((c.id, rules.tr(c.name)) for c in rules.regulation().scope_categories if c.in_scope),
        ]
        category.help_text = _("Вопросы лицензирования и системы защиты принимаются всегда")
        # R5: while the question is typed, the portal offers matching articles.
        for name in ("subject", "body"):
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": reverse("portal:kb_suggest"),
                    "hx-trigger": "keyup changed delay:400ms",
                    "hx-target": "#kb-suggestions",
                    "hx-include": "#id_subject, #id_body",
                    "aria-controls": "kb-suggestions",
                }
            )

    @classmethod
    def initial_for(cls, user: User) -> dict[str, str]:
        """Prefill the organisation and its registration number (or the partner's)."""
        numbers = registration_numbers(user)
        if user.role == Role.PARTNER and user.partner_id is not None:
            # The partner's own NFR first: the clients it serves are chosen from the list.
            own = access.visible_registrations(user).filter(partner_id=user.partner_id)
            numbers = list(own.values_list("number", flat=True)) or numbers
        initial = {"registration_number": numbers[0] if len(numbers) == 1 else ""}
        if user.role == Role.PARTNER and user.partner is not None:
            initial["partner_code"] = user.partner.code
        elif user.organisation is not None:
            initial["organisation"] = user.organisation.name
        return initial

    def intake(self) -> IntakeData:
        data = self.cleaned_data
        return IntakeData(
            subject=data["subject"],
            body=data["body"],
            registration_number=data["registration_number"],
            partner_code=data.get("partner_code", ""),
            organisation=data["organisation"],
            configuration=data["configuration"],
            version=data["version"],
            category=data["category"],
        )


def registration_numbers(user: User) -> list[str]:
    """The registration numbers a client or partner may pick from (a datalist hint)."""
    if not access.is_client(user):
        return []
    regs = access.visible_registrations(user)
    return list(regs.order_by("number").values_list("number", flat=True))


class ReplyForm(PortalForm):
    text = forms.CharField(
        label=_("Ваш ответ"),
        required=False,
        max_length=column_length(Message, "body"),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    file = forms.FileField(label=_("Файл (снимок экрана, выгрузка, журнал)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        megabytes = settings.MAX_ATTACHMENT_BYTES // (1024 * 1024)
        self.fields["file"].help_text = _("Один файл до %(mb)s МБ") % {"mb": megabytes}


RATINGS = [
    (5, _("5 — отлично")),
    (4, _("4 — хорошо")),
    (3, _("3 — удовлетворительно")),
    (2, _("2 — плохо")),
    (1, _("1 — очень плохо")),
]


class AcceptForm(PortalForm):
    """R13: the client accepts the answer with a rating 1–5 and a comment."""

    rating = forms.TypedChoiceField(
        label=_("Оценка ответа"),
        choices=RATINGS,
        coerce=int,
        required=False,
        widget=forms.RadioSelect,
        empty_value=None,
    )
    comment = forms.CharField(
        label=_("Комментарий (необязательно)"),
        required=False,
        max_length=column_length(Ticket, "rating_comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RejectForm(PortalForm):
    """R13: the client rejects the answer with a reason; the ticket goes back to work."""

    reason = forms.CharField(
        label=_("Почему ответ не подошёл"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class UpdateAccessForm(ServiceForm):
    """R17: what a request for access to the update site carries."""

    required_fields = (
        "organisation_full_name",
        "inn",
        "registration_number",
        "configuration",
        "version",
    )

    organisation_full_name = _text(
        _("Полное наименование организации"),
        max_length=limits.update_access_full_name_length(),
        autocomplete="organization",
    )
    inn = _text(
        _("ИНН"),
        max_length=column_length(UpdateAccessDetails, "inn"),
        inputmode="numeric",
        autocomplete="off",
    )
    registration_number = _text(
        _("Регистрационный номер основной поставки"),
        max_length=column_length(Ticket, "registration_number"),
        autocomplete="off",
        list="registration-numbers",
    )
    configuration = forms.ChoiceField(label=_("Полное название конфигурации"), required=False)
    version = _text(
        _("Нужная версия"),
        max_length=column_length(Ticket, "version"),
        autocomplete="off",
        inputmode="decimal",
    )
    previous_login = _text(
        _("Прежний логин на сайте обновлений (если был)"),
        max_length=column_length(UpdateAccessDetails, "previous_login"),
        autocomplete="off",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        inn = self.fields["inn"]
        inn.help_text = _("10 цифр для организации, 12 — для ИП")
        # R17: the INN is checked as it is typed; the verdict is read out from #inn-check.
        inn.widget.attrs.update(
            {
                "hx-get": reverse("portal:inn_check"),
                "hx-trigger": "keyup changed delay:400ms, change",
                "hx-target": "#inn-check",
                "aria-describedby": "id_inn_helptext inn-check",
            }
        )
        contracts = ", ".join(rules.tr(k.name) for k in rules.regulation().contracts)
        self.fields["registration_number"].help_text = _(
            "Номер поставки, на который заключены договоры (%(contracts)s)"
        ) % {"contracts": contracts}
        confs = supported_configurations()
        configuration = self.fields["configuration"]
        assert isinstance(configuration, forms.ChoiceField)
        configuration.choices = _configuration_choices(confs)
        self.fields["version"].help_text = _release_hint(confs)

    @classmethod
    def initial_for(cls, user: User) -> dict[str, str]:
        org = user.organisation if user.role == Role.CLIENT else None
        numbers = registration_numbers(user) if org is not None else []
        if org is None:
            return {}
        return {
            "organisation_full_name": org.full_name or org.name,
            "inn": org.inn,
            "registration_number": numbers[0] if len(numbers) == 1 else "",
        }


class ComplaintForm(ServiceForm):
    """R20: a complaint about the line's quality, possibly about some of the user's tickets."""

    required_fields = ("subject", "text")

    subject = _text(
        _("Тема претензии"), max_length=column_length(Complaint, "subject"), autocomplete="off"
    )
    text = forms.CharField(
        label=_("Текст претензии"),
        required=False,
        max_length=column_length(Complaint, "text"),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    tickets = forms.MultipleChoiceField(
        label=_("Обращения, к которым относится претензия"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, tickets: list[Ticket], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["tickets"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(t.number, f"{t.number} — {t.subject}") for t in tickets if t.number]


class OfferRequestForm(PortalForm):
    """R19: a request for an additional offer (individual support)."""

    text = forms.CharField(
        label=_("Что вам нужно"), max_length=10000, widget=forms.Textarea(attrs={"rows": 6})
    )
    contact_phone = _text(_("Телефон для связи"), max_length=40, autocomplete="tel")
