"""R6: a phone call registered by the consultant, the call's time as registration time."""

from __future__ import annotations

from typing import Any

from supportline.tickets.models import Message, Status, Ticket
from tests.desk.conftest import VALID, Desk, html, msk


def call(**fields: str) -> dict[str, Any]:
    return {
        "call_at": "2026-11-24T09:15",
        "contact_name": "Светлана Клиентова",
        "contact_phone": "+7 495 123-45-67",
        "contact_email": "it@romashka.example.ru",
        "category": "",
        "partner_code": "",
        **VALID,
        **fields,
    }


def test_r6_phone_call_registered_with_call_time(desk: Desk) -> None:
    response = desk.consultant.post("/desk/phone/", call())
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/desk/tickets/{ticket.number}/"
    assert ticket.channel == "phone"
    # 09:15 Moscow time, stored in UTC.
    assert ticket.registered_at == msk(2026, 11, 24, 9, 15)
    assert ticket.status == Status.REGISTERED
    assert ticket.created_by == desk.consultant.user
    assert ticket.contact_email == "it@romashka.example.ru"
    # R6: the caller's words are the client's message; the consultant is the assignee.
    first = ticket.messages.order_by("at", "id").first()
    assert first is not None and first.author_kind == Message.Author.CLIENT
    assert first.author is None
    assert ticket.assignee == desk.consultant.user
    assert (ticket.contact_name, ticket.contact_phone) == ("Светлана Клиентова", "+7 495 123-45-67")
    # The clocks run from the call, not from the moment it was typed in.
    assert ticket.reaction_due_at == msk(2026, 11, 24, 17, 15)
    page = html(desk.consultant.get(response["Location"]))
    assert f"Звонок зарегистрирован: обращение {ticket.number}" in page
    assert "24.11.2026 09:15 МСК" in page


def test_r6_call_form_defaults_to_now_in_moscow_time(desk: Desk) -> None:
    page = html(desk.consultant.get("/desk/phone/"))
    assert 'type="datetime-local" name="call_at" value="2026-11-24T10:00"' in page
    assert "Время звонка (МСК)" in page


def test_r1_r6_missing_data_is_asked_during_the_call_not_by_an_automatic_message(
    desk: Desk,
) -> None:
    response = desk.consultant.post("/desk/phone/", call(registration_number="", version=""))
    assert response.status_code == 400
    page = html(response)
    assert "Укажите регистрационный номер" in page or "регистрационный номер" in page.lower()
    assert "зарегистрировать без них" in page
    assert Ticket.objects.count() == 0
    # The caller could not say: registered without the data, and nobody is asked by mail.
    response = desk.consultant.post(
        "/desk/phone/", call(registration_number="", version="", without_data="on")
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.missing_fields == ["registration_number", "version"]
    assert ticket.status == Status.REGISTERED
    assert ticket.assignee == desk.consultant.user
    assert not ticket.messages.filter(purpose=Message.Purpose.QUESTION).exists()
    assert ticket.resolution_state == "running"
    # The consultant completes the data later; triage runs then.
    page = html(desk.consultant.get(f"/desk/tickets/{ticket.number}/"))
    assert "Дополнить данные обращения" in page


def test_r6_call_time_in_the_future_is_refused_on_its_field(desk: Desk) -> None:
    response = desk.consultant.post("/desk/phone/", call(call_at="2026-11-24T12:00"))
    assert response.status_code == 400
    page = html(response)
    assert "Время регистрации не может быть в будущем" in page
    assert 'aria-invalid="true"' in page
    assert Ticket.objects.count() == 0


def test_r6_call_form_errors_in_russian(desk: Desk) -> None:
    response = desk.consultant.post("/desk/phone/", call(call_at="вчера", subject=""))
    assert response.status_code == 400
    page = html(response)
    assert "Укажите дату и время в виде ДД.ММ.ГГГГ ЧЧ:ММ (время линии, МСК)" in page
    assert "Обязательное поле." in page
    assert Ticket.objects.count() == 0


def test_r6_call_outside_working_hours_starts_the_clocks_at_the_next_working_minute(
    desk: Desk,
) -> None:
    response = desk.consultant.post("/desk/phone/", call(call_at="2026-11-23T20:30"))
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.registered_at == msk(2026, 11, 23, 20, 30)
    assert ticket.reaction_due_at == msk(2026, 11, 24, 17, 0)  # from Tue 09:00, 8 h


def test_r6_only_the_line_registers_calls(desk: Desk) -> None:
    """A methodologist or developer cannot register a call (security review)."""
    assert desk.methodologist.get("/desk/phone/").status_code == 403
    assert desk.developer.post("/desk/phone/", call()).status_code == 403
    assert Ticket.objects.count() == 0


def test_r6_call_form_takes_one_plain_reply_address(desk: Desk) -> None:
    """The line writes to this address: a list or a display name would make it a relay."""
    for bad in ("a@romashka.example.ru, b@evil.example.com", "Иван <a@romashka.example.ru>"):
        response = desk.consultant.post("/desk/phone/", call(contact_email=bad))
        assert response.status_code == 400, bad
        assert "Укажите один адрес электронной почты" in html(response)
    assert Ticket.objects.count() == 0
