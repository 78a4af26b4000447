"""The OpenAPI document says what the server does (issue 12 §3): the intake bodies' required
fields are exactly the ones the service refuses without, and every authenticated operation
declares the token answers — 401 with its reasons, 429 with Retry-After — in the shapes sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from supportline.api.auth import TOKEN_FAILURES
from supportline.api.models import ApiToken
from tests.api.test_idempotency import UPDATE_ACCESS
from tests.tickets.conftest import VALID_TICKET, Api, Line

pytestmark = pytest.mark.django_db

COMPLAINT = {"subject": "Долго не отвечают", "text": "Третий день жду ответа."}
INTAKE = [
    ("/api/v1/tickets", VALID_TICKET),
    ("/api/v1/update-access", UPDATE_ACCESS),
    ("/api/v1/complaints", COMPLAINT),
]


def document() -> dict[str, Any]:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def body_schema(doc: dict[str, Any], path: str) -> dict[str, Any]:
    content = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    name = content["schema"]["$ref"].rsplit("/", 1)[1]
    return dict(doc["components"]["schemas"][name])


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, methods in doc["paths"].items()
        for method, operation in methods.items()
    ]


@pytest.mark.parametrize("path,valid", INTAKE)
def test_required_fields_of_an_intake_body_are_the_ones_the_server_requires(
    line: Line, path: str, valid: dict[str, Any]
) -> None:
    schema = body_schema(document(), path)
    required = set(schema["required"])
    assert required and required <= set(schema["properties"])
    # An empty body: the service names every field it cannot do without — the same list.
    empty = line.client.post(path.removeprefix("/api/v1"), {})
    assert empty.status_code == 422
    assert set(empty.json()["errors"]) == required
    for name in sorted(required):
        without = {k: v for k, v in valid.items() if k != name}
        answer = line.client.post(path.removeprefix("/api/v1"), without)
        assert answer.status_code == 422, (name, answer.content)
        assert name in answer.json()["errors"]
    # The valid body sends only required fields (and optional ones may stay away).
    assert set(valid) - required <= set(schema["properties"]) - required
    assert line.client.post(path.removeprefix("/api/v1"), valid).status_code == 201
    minimal = {k: v for k, v in valid.items() if k in required}
    assert line.client.post(path.removeprefix("/api/v1"), minimal).status_code == 201


def test_bodies_whose_fields_are_checked_by_pydantic_keep_their_required_lists() -> None:
    doc = document()
    assert set(body_schema(doc, "/api/v1/tickets/{number}/ask")["required"]) == {"text"}
    assert set(body_schema(doc, "/api/v1/tickets/{number}/transfer")["required"]) == {
        "to",
        "kind",
        "reason",
    }
    assert set(body_schema(doc, "/api/v1/releases")["required"]) == {"configuration", "version"}
    # complete-data fills in any part of the R1 data: nothing is required.
    assert "required" not in body_schema(doc, "/api/v1/tickets/{number}/complete-data")


def test_every_operation_with_a_token_declares_401_with_its_reasons_and_429() -> None:
    doc = document()
    checked = 0
    for method, path, operation in operations(doc):
        if not operation.get("security"):
            assert path in {"/api/v1/health", "/api/v1/ready"}, path
            continue
        checked += 1
        responses = operation["responses"]
        assert {"401", "429"} <= set(responses), (method, path)
        unauthorised = responses["401"]["description"]
        for reason in ("неизвестен", "отозван", "истёк", "отключён"):
            assert reason in unauthorised, (method, path, reason)
        throttled = responses["429"]
        assert "Retry-After" in throttled["headers"]
        assert throttled["content"]["application/json"]["schema"]["$ref"].endswith("/Detail")
        for status, response in responses.items():
            assert response["description"] not in {"Unknown Status Code", ""}, (path, status)
    assert checked >= 25


def _detail(response: Any) -> str:
    body = response.json()
    assert set(body) == {"detail"} and isinstance(body["detail"], str)
    return str(body["detail"])


def test_the_token_answers_have_the_declared_shapes(line: Line) -> None:
    """401 for a revoked and an expired token (saying so), 429 with Retry-After for an address
    that guessed too often — each a `Detail`, as the document declares."""
    revoked, raw = ApiToken.issue(line.client.user)
    revoked.revoked_at = timezone.now()
    revoked.save()
    assert "отозван" in _detail(_status(Api(Client(), raw, line.client.user), 401))
    expired, raw = ApiToken.issue(line.client.user, expires_at=timezone.now() + dt.timedelta(1))
    expired.expires_at = timezone.now() - dt.timedelta(minutes=1)
    expired.save()
    assert "истёк" in _detail(_status(Api(Client(), raw, line.client.user), 401))
    stranger = Api(Client(), "not-a-token", line.client.user)
    for _ in range(TOKEN_FAILURES.attempts):
        _detail(_status(stranger, 401))
    throttled = _status(stranger, 429)
    assert int(throttled["Retry-After"]) >= 1
    _detail(throttled)
    # Any operation: the limit is on the address, whichever token it sends next.
    assert line.client.get("/notifications").status_code == 429


def _status(api: Api, status: int) -> Any:
    response = api.get("/tickets")
    assert response.status_code == status, response.content
    return response


def test_an_operation_that_lists_no_token_answers_still_declares_them() -> None:
    """The token check runs before any view: the API declares its 401 and 429 for every
    operation with a token, also one a later change adds without `answers()`."""
    from ninja import Router

    from supportline.api.auth import BearerToken
    from supportline.api.schemas import Detail
    from supportline.api.urls import SupportLineApi

    probe = SupportLineApi(auth=BearerToken(), urls_namespace="probe-openapi")
    router = Router()

    @router.get("/plain", response={200: Detail})
    def plain(request: Any) -> dict[str, str]:
        return {"detail": "ok"}

    @router.get("/public", response={200: Detail}, auth=None)
    def public(request: Any) -> dict[str, str]:
        return {"detail": "ok"}

    probe.add_router("/v1", router)
    schema = probe.get_openapi_schema(path_prefix="/probe")
    responses = schema["paths"]["/probe/v1/plain"]["get"]["responses"]
    assert set(responses) == {200, 401, 429}
    assert "отозван" in responses[401]["description"]
    assert "Retry-After" in responses[429]["headers"]
    assert set(schema["paths"]["/probe/v1/public"]["get"]["responses"]) == {200}


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/v1/tickets/{number}/merge", "post"),
        ("/api/v1/tickets/{number}/links", "post"),
        ("/api/v1/tickets/{number}/links/{other}", "delete"),
    ],
)
def test_issue14_merge_and_link_declare_every_status(path: str, method: str) -> None:
    declared = set(document()["paths"][path][method]["responses"])
    assert {"200", "401", "403", "404", "409", "422", "429"} <= declared
