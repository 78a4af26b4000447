"""Issue 15: the desk forms' widgets are written in Python (`desk.widgets.DeskFormRenderer`) and
come out exactly as Django's templates wrote them — on whole desk pages, with forms unbound and
bound with errors, in both languages, and widget by widget for the edge cases."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from supportline.desk import forms as desk_forms
from supportline.desk.widgets import RENDERER
from supportline.tickets.actions.lifecycle import ticket_accept
from tests.desk.conftest import Desk

DJANGO = DjangoTemplates()
CSRF = re.compile(r'(name="csrfmiddlewaretoken" value=|"X-CSRFToken": )"[^"]+"')


def _both(get: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    ours = get()
    monkeypatch.setattr(desk_forms.DeskForm, "default_renderer", DJANGO)
    theirs = get()
    monkeypatch.setattr(desk_forms.DeskForm, "default_renderer", RENDERER)
    return CSRF.sub("CSRF", ours), CSRF.sub("CSRF", theirs)


@pytest.mark.parametrize("language", ["ru", "en"])
def test_desk_pages_are_what_djangos_widget_templates_wrote(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    with override(language):  # the request's language stays active after it: restored here
        _compare_pages(desk, monkeypatch, language)


def _compare_pages(desk: Desk, monkeypatch: pytest.MonkeyPatch, language: str) -> None:
    fresh = desk.ticket()
    accepted = desk.ticket(channel="phone")
    ticket_accept(ticket=accepted, actor=desk.consultant.user)
    pages = [
        "/desk/",
        "/desk/?who=mine&level=standard&status=accepted&channel=phone",
        "/desk/?who=nobody&level=<b>",
        f"/desk/tickets/{fresh.number}/",
        f"/desk/tickets/{accepted.number}/",
        "/desk/phone/",
        "/desk/search/?q=отчёт",
        "/desk/templates/",
    ]
    for path in pages:
        for who in (desk.consultant, desk.supervisor):

            def get(path: str = path, who: Any = who) -> str:
                response = who.get(path, HTTP_ACCEPT_LANGUAGE=language)
                assert response.status_code == 200, path
                return str(response.content.decode())

            ours, theirs = _both(get, monkeypatch)
            assert ours == theirs, path
    # A form bound with errors (the action refused on the page, status 400).
    path = f"/desk/tickets/{accepted.number}/do/ask/"

    def post() -> str:
        response = desk.consultant.post(path, {"ask-text": ""}, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 400
        return str(response.content.decode())

    ours, theirs = _both(post, monkeypatch)
    assert ours == theirs


class Edge(forms.Form):
    choice = forms.ChoiceField(
        choices=[
            ("", "—"),
            ("a&b", 'A "quoted" <b>'),
            ("Группа", [("x", "икс"), ("y", gettext_lazy("все"))]),
            (mark_safe("<s>"), mark_safe("<i>safe</i>")),
        ],
        required=False,
    )
    many = forms.MultipleChoiceField(choices=[("1", "one"), ("2", "two")], required=False)
    text = forms.CharField(
        max_length=10,
        widget=forms.TextInput(
            attrs={"placeholder": gettext_lazy("все"), "data-x": 'a"b', "autofocus": True}
        ),
    )
    area = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "disabled": False}))
    number = forms.IntegerField(min_value=1, help_text="Не <меньше> 1", label="Число & <b>")
    when = forms.DateTimeField(required=False)
    email = forms.EmailField(required=False)
    flag = forms.BooleanField(required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)
    unlabelled = forms.CharField(label="", required=False)
    radio = forms.ChoiceField(widget=forms.RadioSelect, choices=[("a", "A")], required=False)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {
            "choice": "a&b",
            "many": ["1", "2"],
            "text": '<x> "y" & z',
            "area": "line one\n<two> & 'three'",
            "number": "0",
            "when": "2026-11-24 10:00",
            "email": "a@b.ru",
            "flag": "on",
            "hidden": "h&",
        },
        {"choice": "x", "text": "", "area": "", "number": "x"},
    ],
)
@pytest.mark.parametrize("language", ["ru", "en"])
def test_each_widget_is_what_its_template_wrote(data: Any, language: str) -> None:
    with override(language):
        for field in Edge(data).fields:
            ours = str(Edge(data, renderer=RENDERER)[field])
            theirs = str(Edge(data, renderer=DJANGO)[field])
            assert ours == theirs, field
            assert str(Edge(data, renderer=RENDERER)) == str(Edge(data, renderer=DJANGO))
            ours_field = Edge(data, renderer=RENDERER)[field]
            theirs_field = Edge(data, renderer=DJANGO)[field]
            assert ours_field.as_field_group() == theirs_field.as_field_group(), field
            assert ours_field.label_tag() == theirs_field.label_tag(), field
            assert str(ours_field.errors) == str(theirs_field.errors), field


def test_the_common_widgets_need_no_template(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_template(*args: Any, **kwargs: Any) -> str:
        raise AssertionError(f"a template was rendered: {args[1]}")

    monkeypatch.setattr(DjangoTemplates, "render", no_template)
    form = Edge({"choice": "x", "text": "t", "area": "a", "number": "1"}, renderer=RENDERER)
    for name in ("choice", "many", "text", "area", "number", "when", "email", "flag", "hidden"):
        assert str(form[name].as_widget()).startswith(("<select", "<input", "<textarea")), name
