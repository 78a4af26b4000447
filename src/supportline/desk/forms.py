"""Forms of the desk: they parse what a person typed; the services decide what is allowed.

Each lifecycle action of the ticket page has its own small form, rendered with the action's
name as prefix so several forms can share one page (`ask-text`, `answer-text`, …).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from supportline.accounts.models import Role, User
from supportline.core import rules
from supportline.core.files import MultipleFileField
from supportline.core.formatting import zone_label
from supportline.desk.widgets import RENDERER
from supportline.lib.emails import validate_single_address
from supportline.lib.statements import Select
from supportline.lib.text import LONG_TEXT, REASON_LENGTH, column_length, plain_text_validator
from supportline.registry.models import Configuration, Release
from supportline.tickets.actions.steps import say
from supportline.tickets.intake import IntakeData
from supportline.tickets.models import (
    OPEN_STATUSES,
    Channel,
    Complaint,
    DevelopmentItem,
    Message,
    Status,
    Ticket,
    TransferTarget,
    UpdateAccessDetails,
)
from supportline.worktime import MAX_YEAR, MIN_YEAR

LOCAL_INPUT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends


def _textarea(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class DeskForm(forms.Form):
    """Every text a person types is checked like the API checks it: no NUL, no lone surrogate
    (`plain_text_validator`); lengths come from the model columns (`column_length`).
    Widgets are written by `desk.widgets` (Django's markup, without a template per option)."""

    default_renderer = RENDERER

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and plain_text_validator not in field.validators:
                field.validators.append(plain_text_validator)


_column = column_length


class _ListedChoices(forms.models.ModelChoiceIterator):
    """The choices in one plain query: Django's `iterator()` opens a server-side cursor
    (DECLARE, FETCH, CLOSE: three round trips) for the few people of the line (issue 15)."""

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.rows():
            yield self.choice(obj)

    def rows(self) -> Iterable[Any]:
        return self.queryset.all()


class ListedChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    iterator = _ListedChoices


class ListedMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    iterator = _ListedChoices


def level_choices() -> list[tuple[str, str]]:
    return [(lvl.id, rules.tr(lvl.name)) for lvl in rules.regulation().levels]


def category_choices(*, in_scope: bool | None = None) -> list[tuple[str, str]]:
    return [
        (c.id, rules.tr(c.name))
        for c in rules.regulation().scope_categories
        if in_scope is None or c.in_scope == in_scope
    ]


def _with_zone(text: Any) -> Any:
    """`text` (lazy, with %(zone)s) filled with the line's zone («МСК», R21) when rendered."""
    return lazy(lambda: str(text) % {"zone": zone_label()}, str)()


class MoscowDateTimeField(forms.DateTimeField):
    """A wall-clock time in the line's zone (Moscow), from a datetime-local input, as an
    aware datetime. Django's own field would read it in the server zone (UTC). Only the years
    of the production calendar are accepted (the SLA clocks run on it)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT)

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, dt.datetime):
            return value if value.tzinfo else value.replace(tzinfo=rules.line_zone())
        try:
            # Moscow has no DST since 2014: attaching the zone to the wall time is exact.
            moment = dt.datetime.strptime(str(value).strip(), LOCAL_INPUT).replace(
                tzinfo=rules.line_zone()
            )
        except ValueError:
            raise forms.ValidationError(
                _with_zone(
                    _("Укажите дату и время в виде ДД.ММ.ГГГГ ЧЧ:ММ (время линии, %(zone)s)")
                ),
                code="invalid",
            ) from None
        if not MIN_YEAR <= moment.year <= MAX_YEAR:
            raise forms.ValidationError(
                _("Дата вне лет производственного календаря: %(min_year)s–%(max_year)s"),
                code="calendar_range",
                params={"min_year": MIN_YEAR, "max_year": MAX_YEAR},
            )
        return moment

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            return value.astimezone(rules.line_zone()).strftime(LOCAL_INPUT)
        return value


def set_choices(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    """Choices read from the regulation at request time (R21), not at import time."""
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


# ---------------------------------------------------------------- the queue (R14)


class QueueFilterForm(DeskForm):
    """GET filters of the queue; a wrong value is ignored rather than an error."""

    who = forms.ChoiceField(
        label=_("Исполнитель"),
        required=False,
        choices=[("", _("все")), ("mine", _("мои")), ("unassigned", _("не назначенные"))],
    )
    level = forms.ChoiceField(label=_("Уровень"), required=False)
    status = forms.ChoiceField(label=_("Статус"), required=False)
    channel = forms.ChoiceField(
        label=_("Канал"), required=False, choices=[("", _("все")), *Channel.choices]
    )
    evaluation = forms.ChoiceField(
        label=_("Оценка клиента"),
        required=False,
        choices=[
            ("", _("все")),
            ("waiting", _("ждут оценки клиента")),
            ("rejected", _("ответ отклонён клиентом")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "level", [("", _("все")), *level_choices()])
        set_choices(
            self,
            "status",
            [
                ("", _("в работе у линии")),
                *[(value, label) for value, label in Status.choices if value in OPEN_STATUSES],
            ],
        )


# ---------------------------------------------------------------- phone call (R6)


class PhoneCallForm(DeskForm):
    """R6: the consultant registers a call; the call's time is the registration time."""

    call_at = MoscowDateTimeField(
        label=_with_zone(_("Время звонка (%(zone)s)")),
        help_text=_with_zone(
            _("Время регистрации обращения — время звонка, по времени линии (%(zone)s)")
        ),
    )
    contact_name = forms.CharField(
        label=_("Кто звонил"), max_length=_column(Ticket, "contact_name")
    )
    contact_phone = forms.CharField(
        label=_("Телефон звонившего"), max_length=_column(Ticket, "contact_phone"), required=False
    )
    # One plain address (no lists, no display names): the line writes to it.
    contact_email = forms.CharField(
        label=_("E-mail для ответа"),
        required=False,
        max_length=_column(Ticket, "contact_email"),
        widget=forms.EmailInput,
        validators=[validate_single_address],
    )
    registration_number = forms.CharField(
        label=_("Регистрационный номер программы"),
        max_length=_column(Ticket, "registration_number"),
        required=False,
    )
    partner_code = forms.CharField(
        label=_("Код партнёра"),
        max_length=_column(Ticket, "partner_code"),
        required=False,
        help_text=_("Если звонит партнёр"),
    )
    organisation = forms.CharField(
        label=_("Организация"), max_length=_column(Ticket, "organisation_name"), required=False
    )
    configuration = forms.CharField(
        label=_("Конфигурация"), max_length=_column(Ticket, "configuration_name"), required=False
    )
    version = forms.CharField(
        label=_("Версия (релиз)"),
        max_length=_column(Ticket, "version"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "3.0.36.12"}),
    )
    category = forms.ChoiceField(label=_("Категория вопроса"), required=False)
    subject = forms.CharField(label=_("Тема"), max_length=_column(Ticket, "subject"))
    body = forms.CharField(
        label=_("Суть вопроса"), max_length=_column(Message, "body"), widget=_textarea(6)
    )
    without_data = forms.BooleanField(
        label=_("Клиент не смог назвать данные программы — зарегистрировать без них"),
        required=False,
        help_text=_(
            "Недостающие данные спросите во время звонка; без них обращение регистрируется, "
            "а данные дополняются позже на странице обращения"
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "category", [("", "—"), *category_choices()])
        self.fields["configuration"].widget.attrs["list"] = "configurations"

    def intake(self) -> IntakeData:
        d = self.cleaned_data
        return IntakeData(
            subject=d["subject"],
            body=d["body"],
            registration_number=d["registration_number"],
            partner_code=d["partner_code"],
            organisation=d["organisation"],
            configuration=d["configuration"],
            version=d["version"],
            category=d["category"],
            contact_email=d["contact_email"],
            contact_name=d["contact_name"],
            contact_phone=d["contact_phone"],
        )


# ---------------------------------------------------------------- ticket actions


class TicketForm(DeskForm):
    """An action form bound to a ticket (for choices and prefilled texts)."""

    def __init__(self, *args: Any, ticket: Ticket, **kwargs: Any) -> None:
        self.ticket = ticket
        super().__init__(*args, **kwargs)


class AcceptForm(TicketForm):
    text = forms.CharField(
        label=_("Подтверждение клиенту"),
        max_length=LONG_TEXT,
        required=False,
        widget=_textarea(3),
        help_text=_("Пусто — стандартное подтверждение регламента с уровнем и сроком решения"),
    )


class AskForm(TicketForm):
    text = forms.CharField(
        label=_("Вопрос клиенту"),
        max_length=LONG_TEXT,
        widget=_textarea(),
        help_text=_("Срок решения встаёт на паузу до ответа клиента"),
    )


class AnswerForm(TicketForm):
    text = forms.CharField(label=_("Ответ клиенту"), max_length=LONG_TEXT, widget=_textarea(6))
    # Issue 14 §1: files sent with the answer (the client gets them with it).
    uploads = MultipleFileField(label=_("Файлы к ответу"))


class ResolveForm(TicketForm):
    text = forms.CharField(
        label=_("Итоговый ответ"),
        max_length=LONG_TEXT,
        required=False,
        widget=_textarea(),
        help_text=_("Обращение переходит в «Оценка клиентом»; срок решения останавливается"),
    )


class ResolveInReleaseForm(TicketForm):
    """R15: "fixed in release N (planned date)" — the release comes from the development item."""

    text = forms.CharField(
        label=_("Дополнение к ответу"),
        required=False,
        widget=_textarea(2),
        help_text=_("Клиент получит ответ «Исправлено в релизе …» с плановой датой"),
    )


class LevelForm(TicketForm):
    level = forms.ChoiceField(label=_("Новый уровень"))
    reason = forms.CharField(label=_("Причина"), max_length=LONG_TEXT, widget=_textarea(2))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "level", level_choices())
        self.fields["level"].initial = self.ticket.level


class TransferForm(TicketForm):
    to = forms.ChoiceField(
        label=_("Кому"), choices=TransferTarget.choices, widget=forms.RadioSelect
    )
    kind = forms.ChoiceField(
        label=_("Вид"),
        choices=[
            (DevelopmentItem.ItemKind.DEFECT, _("критическая ошибка — «Оперативная поддержка»")),
            (DevelopmentItem.ItemKind.WISH, _("пожелание — «Запрос, пожелание по развитию»")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Причина передачи"),
        max_length=_column(DevelopmentItem, "description"),
        widget=_textarea(3),
    )
    title = forms.CharField(
        label=_("Название задачи разработки"),
        max_length=_column(DevelopmentItem, "title"),
        required=False,
        help_text=_("Пусто — тема обращения"),
    )
    development_item = ListedChoiceField(
        label=_("Или привязать к существующей задаче"),
        queryset=DevelopmentItem.objects.none(),
        required=False,
        empty_label=_("— новая задача —"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["development_item"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = DevelopmentItem.objects.order_by("-created_at", "-id")


class RedirectForm(TicketForm):
    """R3: an out-of-scope category; its standard answer is prefilled and editable."""

    category = forms.ChoiceField(label=_("Категория вне рамок регламента"))
    text = forms.CharField(
        label=_("Ответ клиенту"), max_length=LONG_TEXT, widget=_textarea(6), required=False
    )

    def __init__(self, *args: Any, category: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = category_choices(in_scope=False)
        set_choices(self, "category", choices)
        known = {c for c, _label in choices}
        chosen = category if category in known else self.ticket.category
        if chosen not in known and choices:
            chosen = choices[0][0]
        self.fields["category"].initial = chosen
        self.fields["text"].initial = self.standard_answer(chosen)
        # htmx swaps in the standard answer of the category chosen (R3).
        self.fields["category"].widget.attrs.update(
            {
                "hx-get": reverse("desk:redirect_answer", args=[self.ticket.number]),
                "hx-target": "#redirect-answer",
                "hx-trigger": "change",
            }
        )

    def standard_answer(self, category_id: str) -> str:
        try:
            category = rules.regulation().scope_category(category_id)
        except KeyError:
            return ""
        return say(category.answer, number=self.ticket.number) if category.answer else ""

    def text_to_send(self) -> str:
        """The edited text — or "" for an untouched standard answer of any category (the
        service then sends the chosen category's one; this keeps a no-JavaScript browser that
        changed the category without refreshing the prefill from sending the wrong answer)."""
        text = self.cleaned_data["text"].strip()
        standard = {self.standard_answer(c) for c, _label in category_choices(in_scope=False)}
        return "" if text in standard else text


class RefuseForm(TicketForm):
    """R2: the reason is prefilled with the contracts missing at the registration instant."""

    reason = forms.CharField(
        label=_("Чего не хватает"),
        max_length=REASON_LENGTH,
        help_text=_("Подставляется в стандартный ответ регламента об отказе"),
    )

    def __init__(self, *args: Any, missing: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].initial = ", ".join(missing or [])


def assignable_users() -> Any:
    return User.objects.filter(
        is_active=True,
        role__in=[Role.CONSULTANT, Role.SUPERVISOR, Role.METHODOLOGIST, Role.DEVELOPER],
    ).order_by("last_name", "first_name", "username")


class ConfirmExemptionForm(TicketForm):
    """R2: the consultant has read the question: it is about licensing or protection."""


class ReclassifyForm(TicketForm):
    """R2: the question is not about licensing or protection: its real category, then the
    refusal for want of contracts."""

    category = forms.ChoiceField(label=_("Категория вопроса на самом деле"), required=False)
    reason = forms.CharField(
        label=_("Почему (в историю обращения)"), widget=_textarea(2), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        exempt = {c.id for c in rules.regulation().scope_categories if c.contract_exempt}
        choices = [(c, label) for c, label in category_choices(in_scope=True) if c not in exempt]
        set_choices(self, "category", [("", "—"), *choices])


# Who may be assigned, listed by every queue page (its bulk form) and the assign form: compiled
# once (issue 15). The field's queryset, `assignable_users()`, still checks a posted choice.
_ASSIGNABLE: Select[User] = Select(assignable_users)


class _AssignableChoices(_ListedChoices):
    def rows(self) -> Iterable[Any]:
        return _ASSIGNABLE.all()


class AssigneeChoiceField(ListedChoiceField):
    """The line's people who may work a ticket (`assignable_users`)."""

    iterator = _AssignableChoices

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=assignable_users(), **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        user: User = obj
        return f"{user.get_full_name() or user.username} — {user.get_role_display()}"


class AssignForm(TicketForm):
    assignee = AssigneeChoiceField(label=_("Исполнитель"), empty_label=_("— выберите —"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].initial = self.ticket.assignee_id


class CompleteDataForm(TicketForm):
    """R1: the data an e-mail/phone ticket lacked; prefilled with what it has."""

    registration_number = forms.CharField(
        label=_("Регистрационный номер"),
        max_length=_column(Ticket, "registration_number"),
        required=False,
    )
    partner_code = forms.CharField(
        label=_("Код партнёра"), max_length=_column(Ticket, "partner_code"), required=False
    )
    organisation = forms.CharField(
        label=_("Организация"), max_length=_column(Ticket, "organisation_name"), required=False
    )
    configuration = forms.CharField(
        label=_("Конфигурация"), max_length=_column(Ticket, "configuration_name"), required=False
    )
    version = forms.CharField(
        label=_("Версия (релиз)"), max_length=_column(Ticket, "version"), required=False
    )
    category = forms.ChoiceField(label=_("Категория вопроса"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        t = self.ticket
        set_choices(self, "category", [("", "—"), *category_choices()])
        for name, value in {
            "registration_number": t.registration_number,
            "partner_code": t.partner_code,
            "organisation": t.organisation_name,
            "configuration": t.configuration_name,
            "version": t.version,
            "category": t.category,
        }.items():
            self.fields[name].initial = value
        for name in t.missing_fields or []:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-describedby"] = "complete-missing"

    def intake(self) -> IntakeData:
        d = self.cleaned_data
        return IntakeData(
            registration_number=d["registration_number"],
            partner_code=d["partner_code"],
            organisation=d["organisation"],
            configuration=d["configuration"],
            version=d["version"],
            category=d["category"],
        )


class DecideForm(TicketForm):
    """R18: the update-site login and the configurations it covers."""

    login = forms.CharField(
        label=_("Логин на сайте обновлений"),
        max_length=_column(UpdateAccessDetails, "granted_login"),
        required=False,
        help_text=_("Не нужен, если договоры не действуют: запрос будет отклонён с причиной"),
    )
    # R18: registry rows of the main delivery's product, not free text.
    configurations = ListedMultipleChoiceField(
        label=_("Конфигурации, к которым предоставляется доступ"),
        queryset=Configuration.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Ничего не отмечено — конфигурация из запроса"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        reg = self.ticket.registration
        field = self.fields["configurations"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        confs = Configuration.objects.order_by("name")
        field.queryset = confs.filter(product_id=reg.product_id) if reg is not None else confs
        field.initial = [self.ticket.configuration_id] if self.ticket.configuration_id else []
        details = getattr(self.ticket, "update_access", None)
        if details is not None and details.previous_login:
            self.fields["login"].initial = details.previous_login

    def configuration_list(self) -> list[str]:
        return [c.name for c in self.cleaned_data["configurations"]]


# ---------------------------------------------------------------- escalations, releases (R15)


class PlanForm(DeskForm):
    release = forms.ModelChoiceField(
        label=_("Целевой релиз"), queryset=Release.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from supportline.desk.selectors.escalations import planned_releases

        field = self.fields["release"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = planned_releases()


class ReleaseForm(forms.Form):
    """R15: a release the development department announces, with its planned date."""

    configuration = forms.ModelChoiceField(
        label=_("Конфигурация"), queryset=Release.objects.none(), empty_label=None
    )
    version = forms.CharField(label=_("Версия"), max_length=40)
    planned_date = forms.DateField(
        label=_("Плановая дата"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    notes = forms.CharField(
        label=_("Описание"), required=False, max_length=4000, widget=_textarea(2)
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from supportline.registry.models import Configuration

        field = self.fields["configuration"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Configuration.objects.select_related("product").order_by("name")


class RescheduleForm(forms.Form):
    planned_date = forms.DateField(
        label=_("Новая плановая дата"), widget=forms.DateInput(attrs={"type": "date"})
    )


# ---------------------------------------------------------------- complaints (R20)


class ComplaintAnswerForm(DeskForm):
    text = forms.CharField(
        label=_("Ответ на претензию"), max_length=_column(Complaint, "answer"), widget=_textarea(6)
    )


class ComplaintLinkForm(DeskForm):
    """R20: the tickets a complaint concerns, by number (comma or space separated)."""

    tickets = forms.CharField(label=_("Номера обращений"), max_length=500)

    def numbers(self) -> list[str]:
        raw = self.cleaned_data["tickets"].replace(",", " ")
        return [n for n in raw.split() if n]


class ComplaintAssignForm(DeskForm):
    assignee = forms.ModelChoiceField(
        label=_("Ответственный"), queryset=User.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by(
            "last_name", "username"
        )


class YearForm(DeskForm):
    year = forms.IntegerField(label=_("Год"), min_value=MIN_YEAR, max_value=MAX_YEAR)


# ---------------------------------------------------------------- merge and link (issue 14 §6)


class MergeForm(DeskForm):
    into = forms.CharField(
        label=_("Номер обращения, которое остаётся"),
        max_length=_column(Ticket, "number"),
        help_text=_("Сообщения и вложения этого обращения перейдут туда, а это закроется"),
    )
    reason = forms.CharField(
        label=_("Причина"),
        max_length=REASON_LENGTH,
        required=False,
        widget=_textarea(2),
        initial=_("Тот же вопрос по другому каналу"),
    )


class LinkForm(DeskForm):
    other = forms.CharField(
        label=_("Номер связанного обращения"), max_length=_column(Ticket, "number")
    )


# ---------------------------------------------------------------- bulk actions (issue 14 §8)

# At most this many tickets in one bulk action (a page of the queue and more).
BULK_LIMIT = 100


class BulkForm(DeskForm):
    """One action with one reason for the tickets ticked in the queue; each ticket then goes
    through the same single-ticket action and access rule."""

    ASSIGN, TRANSFER, LEVEL = "assign", "transfer", "level"
    action = forms.ChoiceField(
        label=_("Действие"),
        choices=[
            (ASSIGN, _("Назначить исполнителя")),
            (TRANSFER, _("Передать методологу / в отдел разработки")),
            (LEVEL, _("Изменить уровень поддержки")),
        ],
    )
    assignee = AssigneeChoiceField(
        label=_("Исполнитель"), required=False, empty_label=_("— выберите —")
    )
    to = forms.ChoiceField(
        label=_("Кому"), choices=[("", "—"), *TransferTarget.choices], required=False
    )
    kind = forms.ChoiceField(
        label=_("Вид передачи"),
        choices=[
            ("", "—"),
            (DevelopmentItem.ItemKind.DEFECT, _("критическая ошибка")),
            (DevelopmentItem.ItemKind.WISH, _("пожелание")),
        ],
        required=False,
    )
    level = forms.ChoiceField(label=_("Новый уровень"), required=False)
    reason = forms.CharField(
        label=_("Причина (одна для всех)"),
        max_length=_column(DevelopmentItem, "description"),
        required=False,
        widget=_textarea(2),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "level", [("", "—"), *level_choices()])
        self.numbers: list[str] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        raw = self.data.getlist("tickets") if hasattr(self.data, "getlist") else []
        numbers = [str(n).strip() for n in raw if str(n).strip()]
        numbers = list(dict.fromkeys(numbers))
        if not numbers:
            raise forms.ValidationError(_("Отметьте в очереди хотя бы одно обращение"))
        if len(numbers) > BULK_LIMIT or any(len(n) > _column(Ticket, "number") for n in numbers):
            raise forms.ValidationError(
                _("За один раз — не больше %(limit)s обращений") % {"limit": BULK_LIMIT}
            )
        self.numbers = numbers
        action = data.get("action")
        need = {
            self.ASSIGN: ["assignee"],
            self.TRANSFER: ["to", "kind", "reason"],
            self.LEVEL: ["level", "reason"],
        }.get(str(action), [])
        for name in need:
            if not data.get(name):
                self.add_error(name, _("Обязательное поле для этого действия"))
        return data
