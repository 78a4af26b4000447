"""Forms of the desk's working day (issue 14): the search box and its filters, saved views,
internal notes, reply templates. They parse what a person typed; the actions decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from supportline.desk.forms import DeskForm, level_choices, set_choices
from supportline.desk.selectors.search import DEFAULT_SORT, SearchParams
from supportline.lib.text import LONG_TEXT, column_length
from supportline.tickets.models import ReplyTemplate, SavedView, Status

# The longest search query kept.
MAX_QUERY = 200

SORT_CHOICES = [
    ("registered", _("по дате регистрации")),
    ("updated", _("по последнему изменению")),
    ("due", _("по сроку решения")),
    ("number", _("по номеру")),
    ("subject", _("по теме")),
    ("organisation", _("по организации")),
    ("status", _("по статусу")),
    ("level", _("по уровню")),
]


class SearchForm(DeskForm):
    """GET parameters of the search; a wrong value is ignored rather than an error."""

    q = forms.CharField(
        label=_("Поиск"),
        required=False,
        # Not a validation limit: a longer query is cut (`params`), not thrown away.
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "maxlength": MAX_QUERY,
                "placeholder": _("номер, тема, текст, организация, ИНН…"),
            }
        ),
    )
    status = forms.ChoiceField(label=_("Статус"), required=False)
    level = forms.ChoiceField(label=_("Уровень"), required=False)
    who = forms.ChoiceField(
        label=_("Исполнитель"),
        required=False,
        choices=[("", _("все")), ("mine", _("мои")), ("unassigned", _("не назначенные"))],
    )
    sort = forms.ChoiceField(label=_("Сортировка"), required=False, choices=SORT_CHOICES)
    dir = forms.ChoiceField(
        label=_("Порядок"),
        required=False,
        choices=[("desc", _("по убыванию")), ("asc", _("по возрастанию"))],
    )
    stale = forms.BooleanField(label=_("ждут клиента больше 3 рабочих дней"), required=False)
    breached = forms.BooleanField(label=_("сроки нарушены"), required=False)
    after = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)
    before = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(
            self,
            "status",
            [("", _("любой")), ("open", _("все открытые")), *Status.choices],
        )
        set_choices(self, "level", [("", _("любой")), *level_choices()])

    def params(self) -> SearchParams:
        """The valid parameters (an invalid one is dropped, the others kept)."""
        if not self.is_bound:
            return SearchParams()
        self.is_valid()
        d = self.cleaned_data
        return SearchParams(
            q=str(d.get("q") or "").strip()[:MAX_QUERY],
            status=str(d.get("status") or ""),
            level=str(d.get("level") or ""),
            who=str(d.get("who") or ""),
            stale=bool(d.get("stale")),
            breached=bool(d.get("breached")),
            sort=str(d.get("sort") or DEFAULT_SORT),
            desc=d.get("dir") != "asc",
            after=str(d.get("after") or ""),
            before=str(d.get("before") or ""),
        )


class SavedViewForm(DeskForm):
    name = forms.CharField(label=_("Название вида"), max_length=column_length(SavedView, "name"))
    query = forms.CharField(
        max_length=column_length(SavedView, "query"), required=False, widget=forms.HiddenInput
    )


class NoteForm(DeskForm):
    text = forms.CharField(
        label=_("Внутренняя заметка"),
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Видна только сотрудникам линии. @логин — уведомить коллегу."),
    )


class TemplateForm(DeskForm):
    title = forms.CharField(label=_("Название"), max_length=column_length(ReplyTemplate, "title"))
    body = forms.CharField(
        label=_("Текст"),
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Подстановки: {client} — имя клиента, {number} — номер обращения, "
            "{deadline} — срок решения, {organisation} — организация, {level} — уровень"
        ),
    )
    shared = forms.BooleanField(label=_("Общий шаблон линии"), required=False)
