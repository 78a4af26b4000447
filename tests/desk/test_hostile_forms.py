"""The desk's forms hold the API's limits (issue 12 §3): a value longer than the column it fills,
a NUL byte or a lone surrogate is a field error in Russian, never a 500; a call time outside the
calendar's years too."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.db import models

from supportline.desk import forms as f
from supportline.registry.models import Configuration
from supportline.tickets.models import (
    Complaint,
    DevelopmentItem,
    Message,
    Ticket,
    UpdateAccessDetails,
)
from tests.desk.conftest import VALID, Desk, html

LONG_TEXT = 100_000


def limit(model: type[models.Model] | None, name: str | int) -> int:
    if model is None:
        assert isinstance(name, int)
        return name
    assert isinstance(name, str)
    field = model._meta.get_field(name)
    if isinstance(field, models.TextField):
        return LONG_TEXT
    assert isinstance(field, models.CharField) and field.max_length
    return field.max_length


CALL = {
    "call_at": "2026-11-24T09:15",
    "contact_name": "Светлана Клиентова",
    "contact_phone": "+7 495 123-45-67",
    "contact_email": "it@romashka.example.ru",
    "category": "",
    "partner_code": "",
    **VALID,
}
R1: list[tuple[str, type[models.Model] | None, str | int]] = [
    ("registration_number", Ticket, "registration_number"),
    ("partner_code", Ticket, "partner_code"),
    ("organisation", Ticket, "organisation_name"),
    ("configuration", Ticket, "configuration_name"),
    ("version", Ticket, "version"),
]
TEXT = [("text", Message, "body")]

# form → (data it accepts, its text fields with the column each fills)
FORMS: list[tuple[type[forms.Form], dict[str, Any], list[tuple[str, Any, Any]]]] = [
    (
        f.PhoneCallForm,
        CALL,
        [
            *R1,
            ("contact_name", Ticket, "contact_name"),
            ("contact_phone", Ticket, "contact_phone"),
            ("subject", Ticket, "subject"),
            ("body", Message, "body"),
        ],
    ),
    (f.AcceptForm, {}, TEXT),
    (f.AskForm, {"text": "Вопрос"}, TEXT),
    (f.AnswerForm, {"text": "Ответ"}, TEXT),
    (f.ResolveForm, {}, TEXT),
    (f.LevelForm, {"level": "operational", "reason": "Причина"}, [("reason", None, LONG_TEXT)]),
    (
        f.TransferForm,
        {"to": "methodologist", "kind": "wish", "reason": "Причина"},
        [("reason", DevelopmentItem, "description"), ("title", DevelopmentItem, "title")],
    ),
    (f.RefuseForm, {"reason": "договор 1С:ИТС"}, [("reason", None, 500)]),
    (f.CompleteDataForm, {}, R1),
    (
        f.DecideForm,
        {"login": "romashka"},
        [
            ("login", UpdateAccessDetails, "granted_login"),
            ("configurations", Configuration, "name"),
        ],
    ),
]


def _bound(form_class: type[forms.Form], data: dict[str, Any], ticket: Ticket) -> forms.Form:
    if issubclass(form_class, f.TicketForm):
        return form_class(data, ticket=ticket)
    return form_class(data)


def test_every_desk_text_field_refuses_what_its_column_cannot_hold(desk: Desk) -> None:
    ticket = desk.ticket()
    wrong = []
    for form_class, data, fields in FORMS:
        assert _bound(form_class, data, ticket).is_valid(), form_class
        for field, model, column in fields:
            n = limit(model, column)
            for what, value in {
                "too long": "x" * (n + 1),
                "NUL": "Текст\x00",
                "lone surrogate": "Текст\ud800",
            }.items():
                form = _bound(form_class, {**data, field: value}, ticket)
                if form.is_valid() or field not in form.errors:
                    wrong.append(f"{form_class.__name__}.{field} {what}: accepted")
            at_limit = _bound(form_class, {**data, field: "x" * n}, ticket)
            if not at_limit.is_valid() and any(
                "не более" in e or "не длиннее" in e for e in at_limit.errors.get(field, [])
            ):
                wrong.append(f"{form_class.__name__}.{field}: refused at its column's length")
    assert wrong == []


def test_the_complaint_answer_and_the_call_e_mail_are_limited_too(desk: Desk) -> None:
    assert not f.ComplaintAnswerForm({"text": "x" * (limit(Complaint, "answer") + 1)}).is_valid()
    assert not f.ComplaintAnswerForm({"text": "Ответ\ud800"}).is_valid()
    email = "a" * 250 + "@romashka.ru"
    form = f.PhoneCallForm({**CALL, "contact_email": email})
    assert not form.is_valid() and "contact_email" in form.errors


def test_the_russian_messages_name_the_problem(desk: Desk) -> None:
    form = f.AskForm({"text": "Вопрос\ud800"}, ticket=desk.ticket())
    assert form.errors["text"] == [
        "Текст содержит недопустимые символы (одиночные суррогаты UTF-16): он не в кодировке UTF-8"
    ]
    form = f.PhoneCallForm({**CALL, "subject": "x" * 301})
    assert "не более 300" in form.errors["subject"][0]


@pytest.mark.parametrize("call_at", ["0001-01-01T10:00", "1899-12-31T10:00", "9999-12-31T23:59"])
def test_r6_a_call_time_outside_the_calendars_years_is_a_field_error(
    desk: Desk, call_at: str
) -> None:
    response = desk.consultant.post("/desk/phone/", {**CALL, "call_at": call_at})
    assert response.status_code == 400
    assert response.context["form"].errors["call_at"] == [
        "Дата вне лет производственного календаря: 1900–2100"
    ]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    "field,value",
    [
        ("subject", "x" * 301),
        ("subject", "Тема\x00"),
        ("body", "x" * (LONG_TEXT + 1)),
        ("organisation", "x" * 301),
        ("contact_phone", "8" * 31),
        ("contact_email", "a" * 250 + "@romashka.ru"),
    ],
)
def test_phone_call_with_a_hostile_value_is_a_400_page_with_the_field_error(
    desk: Desk, field: str, value: str
) -> None:
    response = desk.consultant.post("/desk/phone/", {**CALL, field: value})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert 'aria-invalid="true"' in html(response)
    assert not Ticket.objects.exists()


def test_a_desk_action_with_a_hostile_text_is_a_400_page_not_a_500(desk: Desk) -> None:
    ticket = desk.ticket()
    desk.consultant.post(f"/desk/tickets/{ticket.number}/do/accept/", {})
    for value in ("x" * (LONG_TEXT + 1), "Вопрос\x00"):
        response = desk.consultant.post(
            f"/desk/tickets/{ticket.number}/do/ask/", {"ask-text": value}
        )
        assert response.status_code == 400
        forms_on_page = {slot.name: slot.form for slot in response.context["actions"]}
        assert "text" in forms_on_page["ask"].errors
    ticket.refresh_from_db()
    assert ticket.status == "accepted"


@pytest.mark.parametrize(
    "who,url,status",
    [
        ("consultant", "/desk/tickets/CRM-%00/", 404),
        ("consultant", "/desk/tickets/" + "x" * 51 + "/", 404),
        ("supervisor", "/desk/complaints/%00/", 404),
        ("supervisor", "/desk/registries/?q=%00Ромашка", 200),
        ("client", "/portal/tickets/%00/", 404),
        ("client", "/portal/tickets/CRM-%01/reply/", 404),
    ],
)
def test_a_nul_in_a_desk_or_portal_address_is_no_such_page(
    desk: Desk, who: str, url: str, status: int
) -> None:
    """On PostgreSQL a NUL reaching a lookup was a 500."""
    response = getattr(desk, who).get(url)
    assert response.status_code == status
