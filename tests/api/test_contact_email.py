"""The API's contact_email is one plain address (issue 12 §4): a list, a display name or a
header smuggled in is refused with 422 naming the field, in Russian."""

from __future__ import annotations

import pytest

from supportline.tickets.models import Ticket
from tests.api.test_idempotency import UPDATE_ACCESS
from tests.tickets.conftest import VALID_TICKET, Line

pytestmark = pytest.mark.django_db

NOT_ONE_ADDRESS = [
    "a@romashka.example.ru, b@evil.example.com",
    "a@romashka.example.ru;b@evil.example.com",
    "Иван <a@romashka.example.ru>",
    "a@romashka.example.ru\r\nBcc: b@evil.example.com",
    '"a,b"@romashka.example.ru',
    "a@[192.0.2.1]",
    "a@localhost",
    "not-an-address",
]


@pytest.mark.parametrize("value", NOT_ONE_ADDRESS)
def test_a_ticket_with_a_contact_that_is_not_one_address_is_refused(line: Line, value: str) -> None:
    response = line.consultant.post("/tickets", {**VALID_TICKET, "contact_email": value})
    assert response.status_code == 422
    assert response.json()["errors"]["contact_email"] == (
        "Укажите один адрес электронной почты, например ivanov@example.ru"
    )
    assert Ticket.objects.count() == 0


@pytest.mark.parametrize("value", NOT_ONE_ADDRESS[:3])
def test_an_update_access_request_with_such_a_contact_is_refused(line: Line, value: str) -> None:
    response = line.client.post("/update-access", {**UPDATE_ACCESS, "contact_email": value})
    assert response.status_code == 422
    assert "contact_email" in response.json()["errors"]


def test_one_plain_address_is_kept_with_its_domain_in_lower_case(line: Line) -> None:
    response = line.consultant.post(
        "/tickets", {**VALID_TICKET, "contact_email": "  I.Smirnov@Romashka.Example.RU "}
    )
    assert response.status_code == 201
    assert Ticket.objects.get().contact_email == "I.Smirnov@romashka.example.ru"


def test_the_message_follows_the_request_language(line: Line) -> None:
    response = line.consultant.client.post(
        "/api/v1/tickets",
        {**VALID_TICKET, "contact_email": "a@x.ru, b@y.ru"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {line.consultant.token}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.json()["errors"]["contact_email"] == (
        "Enter one e-mail address, e.g. ivanov@example.ru"
    )
