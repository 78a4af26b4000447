"""Idempotent intake: a retry with the same Idempotency-Key returns the first answer and creates
nothing (issue 12 §6)."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.db import close_old_connections, connection
from django.test import Client

from supportline.accounts.models import User
from supportline.api.models import ApiToken, IdempotencyKey
from supportline.jobs.models import Job
from supportline.tickets.models import Complaint, Ticket
from tests.tickets.conftest import VALID_TICKET, Api, Line

pytestmark = pytest.mark.django_db

UPDATE_ACCESS = {
    "organisation_full_name": "Общество с ограниченной ответственностью «Ромашка»",
    "inn": "7705123452",
    "registration_number": "800123456",
    "configuration": "1С:CRM ПРОФ, редакция 3.0",
    "version": "3.0.36.12",
}


def post(api: Api, path: str, body: dict[str, Any], key: str | None, **extra: Any) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api.token}", **extra}
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return api.client.post(
        f"/api/v1{path}", json.dumps(body), content_type="application/json", **headers
    )


def test_a_retried_ticket_with_the_same_key_returns_the_first_ticket(line: Line) -> None:
    first = post(line.client, "/tickets", VALID_TICKET, "order-42-attempt")
    assert first.status_code == 201
    jobs = Job.objects.count()
    again = post(line.client, "/tickets", VALID_TICKET, "order-42-attempt")
    assert again.status_code == 201
    assert again.json()["number"] == first.json()["number"]
    assert again.content == first.content  # the first answer, as it was
    assert Ticket.objects.count() == 1
    assert Job.objects.count() == jobs  # no second receipt either


def test_without_a_key_each_post_is_a_new_ticket(line: Line) -> None:
    assert post(line.client, "/tickets", VALID_TICKET, None).status_code == 201
    assert post(line.client, "/tickets", VALID_TICKET, None).status_code == 201
    assert Ticket.objects.count() == 2


def test_the_same_key_with_json_in_another_order_is_the_same_request(line: Line) -> None:
    first = post(line.client, "/tickets", VALID_TICKET, "k1")
    reordered = dict(reversed(list(VALID_TICKET.items())))
    again = post(line.client, "/tickets", reordered, "k1")
    assert again.json()["number"] == first.json()["number"]


def test_the_same_key_with_another_body_is_refused_naming_the_header(line: Line) -> None:
    post(line.client, "/tickets", VALID_TICKET, "k2")
    other = post(line.client, "/tickets", {**VALID_TICKET, "subject": "Другой вопрос"}, "k2")
    assert other.status_code == 422
    message = other.json()["errors"]["Idempotency-Key"]
    assert "уже использован для другого запроса" in message
    # …and on another endpoint too.
    complaint = post(line.client, "/complaints", {"subject": "Долго", "text": "Нет ответа"}, "k2")
    assert complaint.status_code == 422 and "Idempotency-Key" in complaint.json()["errors"]
    assert Ticket.objects.count() == 1 and Complaint.objects.count() == 0


def test_keys_are_per_user(line: Line) -> None:
    mine = post(line.client, "/tickets", VALID_TICKET, "shared-key")
    theirs = post(
        line.client_b,
        "/tickets",
        {**VALID_TICKET, "registration_number": "800654321", "organisation": "АО «Вектор»"},
        "shared-key",
    )
    assert theirs.status_code == 201
    assert theirs.json()["number"] != mine.json()["number"]
    assert Ticket.objects.count() == 2


@pytest.mark.parametrize(
    "key", ["", "x" * 201, "ключ", "tab\there", "   "], ids=["empty", "long", "cyr", "tab", "sp"]
)
def test_a_malformed_key_is_refused_with_422_naming_the_header(line: Line, key: str) -> None:
    response = post(line.client, "/tickets", VALID_TICKET, None, HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["errors"]
    assert "печатных символов ASCII" in response.json()["errors"]["Idempotency-Key"]
    assert Ticket.objects.count() == 0


def test_a_key_of_200_printable_characters_is_accepted(line: Line) -> None:
    key = ("a1-_.~!" * 40)[:200]
    assert post(line.client, "/tickets", VALID_TICKET, key).status_code == 201
    assert IdempotencyKey.objects.get().key == key


def test_a_refused_request_stores_no_key_and_may_be_corrected_under_it(line: Line) -> None:
    missing = post(line.client, "/tickets", {"subject": "Без данных"}, "fix-me")
    assert missing.status_code == 422 and "registration_number" in missing.json()["errors"]
    assert not IdempotencyKey.objects.exists()
    fixed = post(line.client, "/tickets", VALID_TICKET, "fix-me")
    assert fixed.status_code == 201
    assert Ticket.objects.count() == 1


def test_a_retried_complaint_and_update_access_request_are_created_once(line: Line) -> None:
    body = {"subject": "Долгий ответ", "text": "Третий день без ответа"}
    first = post(line.client, "/complaints", body, "c-1")
    again = post(line.client, "/complaints", body, "c-1")
    assert first.status_code == again.status_code == 201
    assert again.json()["number"] == first.json()["number"]
    assert Complaint.objects.count() == 1
    first = post(line.client, "/update-access", UPDATE_ACCESS, "u-1")
    again = post(line.client, "/update-access", UPDATE_ACCESS, "u-1")
    assert first.status_code == again.status_code == 201, first.content
    assert again.json()["number"] == first.json()["number"]
    assert Ticket.objects.count() == 1


def test_the_key_is_stored_in_the_tickets_transaction(line: Line) -> None:
    response = post(line.client, "/tickets", VALID_TICKET, "tx-1")
    stored = IdempotencyKey.objects.get()
    assert stored.user == line.client.user and stored.response_status == 201
    assert json.loads(stored.response_body)["number"] == response.json()["number"]
    assert len(stored.request_hash) == 64


def test_the_header_is_declared_in_the_openapi_document(line: Line) -> None:
    document = Client().get("/api/openapi.json").json()
    for path in ("/api/v1/tickets", "/api/v1/complaints", "/api/v1/update-access"):
        (param,) = [
            p
            for p in document["paths"][path]["post"].get("parameters", [])
            if p["name"] == "Idempotency-Key"
        ]
        assert param["in"] == "header" and param["required"] is False
        assert param["schema"]["maxLength"] == 200 and param["schema"]["minLength"] == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_retries_with_one_key_create_one_ticket() -> None:
    """Both requests pass the look-up before either commits; the second one's key insert waits
    for the first and fails, its ticket is rolled back and it answers the first ticket."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions are proved on PostgreSQL (make test's second pass)")
    from django.db.models.signals import post_save

    from supportline.core.demo import load_demo

    load_demo()
    _, raw = ApiToken.issue(User.objects.get(username="client"))
    both_registered = threading.Barrier(2, timeout=20)

    def wait_for_the_other(sender: Any, instance: Ticket, created: bool, **kwargs: Any) -> None:
        if created:
            both_registered.wait()

    post_save.connect(wait_for_the_other, sender=Ticket, dispatch_uid="idempotency-race")
    answers: list[Any] = []

    def retry() -> None:
        try:
            answers.append(
                Client().post(
                    "/api/v1/tickets",
                    json.dumps(VALID_TICKET),
                    content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {raw}",
                    HTTP_IDEMPOTENCY_KEY="race-1",
                )
            )
        finally:
            close_old_connections()
            connection.close()

    try:
        threads = [threading.Thread(target=retry) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        post_save.disconnect(dispatch_uid="idempotency-race", sender=Ticket)
    assert [a.status_code for a in answers] == [201, 201], [a.content for a in answers]
    assert answers[0].json()["number"] == answers[1].json()["number"]
    assert Ticket.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1
