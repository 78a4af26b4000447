"""The portal's forms hold the API's limits (issue 12 §3) and its file upload survives a failing
disk (§7): a value longer than its column, a NUL byte or a lone surrogate is a field error in
Russian, never a 500; a failed write leaves no file, no message, and says why next to the box."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django import forms
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models

from supportline.portal import forms as pf
from supportline.tickets.models import (
    Attachment,
    Complaint,
    Message,
    Ticket,
    UpdateAccessDetails,
)
from tests.portal.conftest import VALID, Portal

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


UPDATE_ACCESS = {
    "organisation_full_name": "ООО «Ромашка»",
    "inn": "7705123452",
    "registration_number": "800123456",
    "configuration": "1С:CRM ПРОФ, редакция 3.0",
    "version": "3.0.36.12",
}


def _forms(portal: Portal) -> list[tuple[Any, dict[str, Any], list[tuple[str, Any, Any]]]]:
    """(make a bound form, data it accepts, its text fields with the column each fills)"""
    client = portal.client.user
    return [
        (
            lambda data: pf.TicketForm(data, user=client),
            VALID,
            [
                ("registration_number", Ticket, "registration_number"),
                ("organisation", Ticket, "organisation_name"),
                ("version", Ticket, "version"),
                ("subject", Ticket, "subject"),
                ("body", Message, "body"),
            ],
        ),
        (
            lambda data: pf.TicketForm(data, user=portal.partner.user),
            {**VALID, "partner_code": "12-345-678"},
            [("partner_code", Ticket, "partner_code")],
        ),
        (pf.ReplyForm, {"text": "Ответ"}, [("text", Message, "body")]),
        (pf.AcceptForm, {"rating": "5"}, [("comment", Ticket, "rating_comment")]),
        (pf.RejectForm, {"reason": "Не помогло"}, [("reason", None, LONG_TEXT)]),
        (
            pf.UpdateAccessForm,
            UPDATE_ACCESS,
            [
                # Stored in UpdateAccessDetails (500) and in Ticket.organisation_name (300).
                ("organisation_full_name", None, 300),
                ("inn", UpdateAccessDetails, "inn"),
                ("registration_number", Ticket, "registration_number"),
                ("version", Ticket, "version"),
                ("previous_login", UpdateAccessDetails, "previous_login"),
            ],
        ),
        (
            lambda data: pf.ComplaintForm(data, tickets=[]),
            {"subject": "Долго", "text": "Нет ответа"},
            [("subject", Complaint, "subject"), ("text", Complaint, "text")],
        ),
    ]


def test_every_portal_text_field_refuses_what_its_column_cannot_hold(portal: Portal) -> None:
    wrong = []
    for make, data, fields in _forms(portal):
        form: forms.Form = make(data)
        assert form.is_valid(), form.errors
        for field, model, column in fields:
            n = limit(model, column)
            for what, value in {
                "too long": "x" * (n + 1),
                "NUL": "Текст\x00",
                "lone surrogate": "Текст\ud800",
            }.items():
                form = make({**data, field: value})
                if form.is_valid() or field not in form.errors:
                    wrong.append(f"{type(form).__name__}.{field} {what}: accepted")
            form = make({**data, field: "x" * n})
            if any("не более" in e for e in form.errors.get(field, [])):
                wrong.append(f"{type(form).__name__}.{field}: refused at its column's length")
    assert wrong == []


@pytest.mark.parametrize(
    "field,value",
    [
        ("subject", "x" * 301),
        ("subject", "Тема\x00"),
        ("body", "x" * (LONG_TEXT + 1)),
        ("version", "3" * 41),
        ("registration_number", "8" * 51),
    ],
)
def test_a_hostile_new_ticket_is_a_field_error_and_nothing_is_filed(
    portal: Portal, field: str, value: str
) -> None:
    response = portal.client.browser.post("/portal/new/", {**VALID, field: value})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Ticket.objects.exists()


def test_a_hostile_reply_or_complaint_is_a_field_error(portal: Portal) -> None:
    ticket = portal.ticket()
    reply = portal.client.browser.post(
        f"/portal/tickets/{ticket.number}/reply/", {"text": "x" * (LONG_TEXT + 1)}
    )
    assert reply.status_code == 200
    assert "text" in reply.context["reply_form"].errors
    complaint = portal.client.browser.post(
        "/portal/complaints/", {"subject": "Тема\x00", "text": "Текст"}
    )
    assert complaint.status_code == 200
    assert "subject" in complaint.context["form"].errors
    assert not Complaint.objects.exists()
    access = portal.client.browser.post(
        "/portal/update-access/", {**UPDATE_ACCESS, "organisation_full_name": "x" * 301}
    )
    assert access.status_code == 200
    assert "organisation_full_name" in access.context["form"].errors


@pytest.mark.parametrize(
    "backend",
    ["tests.tickets.full_disk.FullDiskStorage", "tests.tickets.full_disk.ReadOnlyStorage"],
)
def test_a_failed_file_write_is_a_form_error_and_leaves_nothing(
    portal: Portal, settings: Any, backend: str
) -> None:
    ticket = portal.ticket()
    messages_before = ticket.messages.count()
    settings.STORAGES = {
        **django_settings.STORAGES,
        "default": {"BACKEND": backend, "OPTIONS": {"location": str(settings.MEDIA_ROOT)}},
    }
    upload = SimpleUploadedFile("журнал.log", b"x" * 5000, "text/plain")
    folder = Path(settings.MEDIA_ROOT) / "attachments" / str(ticket.pk)
    files_before = sorted(folder.iterdir()) if folder.exists() else []  # shared between tests

    response = portal.client.browser.post(
        f"/portal/tickets/{ticket.number}/reply/", {"text": "Журнал во вложении", "file": upload}
    )

    assert response.status_code == 200
    assert response.context["reply_form"].errors["file"] == [
        "Файл не сохранён: хранилище вложений переполнено или недоступно для записи. "
        "Ничего не отправлено — попробуйте позже или сообщите администратору линии."
    ]
    assert "Файл не сохранён" in response.content.decode()
    assert (sorted(folder.iterdir()) if folder.exists() else []) == files_before
    assert Attachment.objects.count() == 0
    assert ticket.messages.count() == messages_before
