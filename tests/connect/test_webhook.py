"""POST /connect/webhook: who may call it, what it accepts, and that it stores before it acts."""

from __future__ import annotations

import pytest
from django.test import Client

from supportline.connect.models import ConnectEvent
from supportline.jobs.models import Job
from tests.connect.conftest import WEBHOOK_TOKEN, StandIn, event, post


def test_r6_webhook_without_token_is_401(connect: StandIn) -> None:
    response = post(event(), token=None)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert ConnectEvent.objects.count() == 0


def test_r6_webhook_with_wrong_token_is_403(connect: StandIn) -> None:
    response = post(event(), token="not-the-token")
    assert response.status_code == 403
    assert "Неверный токен" in response.json()["detail"]
    assert ConnectEvent.objects.count() == 0


def test_r6_webhook_needs_no_csrf_token(connect: StandIn) -> None:
    response = Client(enforce_csrf_checks=True).post(
        "/connect/webhook",
        event(),
        content_type="application/json",
        headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"},
    )
    assert response.status_code == 200


def test_r6_webhook_token_is_not_taken_from_the_query(connect: StandIn) -> None:
    """A token in the URL ends up in access logs: only the Authorization header counts."""
    response = Client().post(
        f"/connect/webhook?token={WEBHOOK_TOKEN}", event(), content_type="application/json"
    )
    assert response.status_code == 401


def test_r6_event_is_stored_with_its_job_and_answered_at_once(connect: StandIn) -> None:
    body = event()
    response = post(body)
    assert response.status_code == 200
    assert response.json()["duplicate"] is False
    stored = ConnectEvent.objects.get()
    assert stored.message_id == body["message_id"]
    assert stored.raw == body
    assert stored.state == "pending"
    job = Job.objects.get(kind="connect.process_event")
    assert job.payload == {"event": stored.pk}
    assert connect.requests == []  # nothing is sent before the worker runs


def test_r6_same_message_id_twice_is_stored_once(connect: StandIn) -> None:
    body = event()
    assert post(body).status_code == 200
    again = post(body)
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert ConnectEvent.objects.count() == 1
    assert Job.objects.filter(kind="connect.process_event").count() == 1


def test_bad_json_is_400_with_a_russian_message(connect: StandIn) -> None:
    response = post(None, raw=b'{"line_id": ')
    assert response.status_code == 400
    assert "не JSON" in response.json()["detail"]
    assert "Некорректный JSON" in response.json()["errors"]["body"]
    assert ConnectEvent.objects.count() == 0


@pytest.mark.parametrize(
    "field", ["line_id", "user_id", "message_id", "message_type", "message_time"]
)
def test_missing_field_is_400_naming_the_field(connect: StandIn, field: str) -> None:
    body = event()
    del body[field]
    response = post(body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert field in errors and f"«{field}»" in errors[field]
    assert "не заполнено" in errors[field]
    assert ConnectEvent.objects.count() == 0 and Job.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"message_type": "текст"}, "message_type", "целым числом"),
        ({"message_time": "вчера"}, "message_time", "ISO 8601"),
        ({"text": "   "}, "text", "без текста"),
        ({"user_id": "a:b"}, "user_id", "идентификатором"),
        ({"message_type": 70, "data": {}}, "data.file_url", "http(s)"),
        (
            {"message_type": 70, "data": {"file_url": "file:///etc/passwd"}},
            "data.file_url",
            "http(s)",
        ),
    ],
)
def test_malformed_field_is_400_naming_the_field(
    connect: StandIn, fields: dict[str, object], field: str, words: str
) -> None:
    response = post(event(**fields))
    assert response.status_code == 400
    assert words in response.json()["errors"][field]


def test_a_json_array_is_400(connect: StandIn) -> None:
    response = post([event()])
    assert response.status_code == 400
    assert "JSON-объект" in response.json()["errors"]["body"]


def test_webhook_is_404_while_the_channel_is_off(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("USE_CONNECT", raising=False)
    assert post(event()).status_code == 404


def test_webhook_is_post_only(connect: StandIn) -> None:
    response = Client().get("/connect/webhook", HTTP_AUTHORIZATION=f"Bearer {WEBHOOK_TOKEN}")
    assert response.status_code == 405


def test_webhook_accepts_a_trailing_slash(connect: StandIn) -> None:
    response = Client().post(
        "/connect/webhook/",
        event(),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {WEBHOOK_TOKEN}",
    )
    assert response.status_code == 200
