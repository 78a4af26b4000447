"""Every input gets a clear answer, never a 500 (issue 12 §3): values longer than their column,
NUL bytes, lone surrogates, wrong types, times outside the calendar's years, pages beyond bigint,
malformed or non-object JSON, a wrong content type — each answered 422 in the README's shape
`{"errors": {field: message}}` naming the field, in the request's language.

The limits come from the model columns (read here from the models, independently of the schemas),
and the OpenAPI document declares them."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import models
from django.test import Client

from supportline.registry.models import Configuration, RegistrationNumber
from supportline.tickets.models import (
    Complaint,
    DevelopmentItem,
    Message,
    Ticket,
    UpdateAccessDetails,
)
from tests.tickets.conftest import VALID_TICKET, Line

LONG_TEXT = 100_000  # the limit of free text (a text column has none of its own)
BIGINT_MAX = 2**63 - 1


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


Field = tuple[str, type[models.Model] | None, str | int]  # body field, model, column (or limit)

R1_FIELDS: list[Field] = [
    ("registration_number", Ticket, "registration_number"),
    ("partner_code", Ticket, "partner_code"),
    ("organisation", Ticket, "organisation_name"),
    ("configuration", Ticket, "configuration_name"),
    ("version", Ticket, "version"),
    ("category", Ticket, "category"),
]
TEXT: list[Field] = [("text", Message, "body")]

UPDATE_ACCESS = {
    "organisation_full_name": "ООО «Ромашка»",
    "inn": "7705123452",
    "registration_number": "800123456",
    "configuration": "1С:CRM ПРОФ, редакция 3.0",
    "version": "3.0.36.12",
}

# path (T = a ticket's number, C = a complaint's) → a body the schema accepts, its text fields
BODIES: dict[str, tuple[dict[str, Any], list[Field]]] = {
    "/tickets": (
        VALID_TICKET,
        [
            *R1_FIELDS,
            ("subject", Ticket, "subject"),
            ("body", Message, "body"),
            ("channel", Ticket, "channel"),
            ("contact_email", Ticket, "contact_email"),
            ("contact_name", Ticket, "contact_name"),
        ],
    ),
    "/tickets/T/accept": ({}, TEXT),
    "/tickets/T/ask": ({"text": "Вопрос"}, TEXT),
    "/tickets/T/reply": ({"text": "Ответ"}, TEXT),
    "/tickets/T/answer": ({"text": "Ответ"}, TEXT),
    "/tickets/T/resolve": ({}, TEXT),
    "/tickets/T/evaluate": ({"accepted": False}, [("comment", Ticket, "rating_comment")]),
    "/tickets/T/change-level": (
        {"level": "operational", "reason": "Причина"},
        [("level", Ticket, "level"), ("reason", None, LONG_TEXT)],
    ),
    "/tickets/T/transfer": (
        {"to": "methodologist", "kind": "wish", "reason": "Причина"},
        [
            ("to", Ticket, "transferred_to"),
            ("kind", DevelopmentItem, "kind"),
            ("reason", DevelopmentItem, "description"),
            ("title", DevelopmentItem, "title"),
        ],
    ),
    "/tickets/T/redirect": (
        {"category": "accounting"},
        [("category", Ticket, "category"), ("text", Message, "body")],
    ),
    "/tickets/T/refuse": ({"reason": "договор 1С:ИТС"}, [("reason", None, 500)]),
    "/tickets/T/complete-data": ({}, R1_FIELDS),
    "/update-access": (
        UPDATE_ACCESS,
        [
            # Stored in UpdateAccessDetails (500) and in Ticket.organisation_name (300).
            ("organisation_full_name", None, 300),
            ("inn", UpdateAccessDetails, "inn"),
            ("registration_number", Ticket, "registration_number"),
            # The subject «Доступ к обновлениям: {configuration} {version}» fits in 300.
            ("configuration", None, 300 - len("Доступ к обновлениям: ") - 1 - 40),
            ("version", Ticket, "version"),
            ("previous_login", UpdateAccessDetails, "previous_login"),
            ("contact_email", Ticket, "contact_email"),
        ],
    ),
    "/update-access/T/decide": (
        {"configurations": ["1С:CRM ПРОФ, редакция 3.0"]},
        [
            ("login", UpdateAccessDetails, "granted_login"),
            ("configurations.0", Configuration, "name"),
        ],
    ),
    "/complaints": (
        {"subject": "Долго", "text": "Нет ответа"},
        [
            ("subject", Complaint, "subject"),
            ("text", Complaint, "text"),
            ("tickets.0", Ticket, "number"),
        ],
    ),
    "/complaints/C/answer": ({"text": "Разобрались"}, TEXT),
}


@dataclass
class Caller:
    client: Client
    token: str

    def send(self, method: str, path: str, body: bytes | str | None = None, **headers: Any) -> Any:
        headers.setdefault("HTTP_AUTHORIZATION", f"Bearer {self.token}")
        if method == "GET":
            return self.client.get(f"/api/v1{path}", **headers)
        headers.setdefault("content_type", "application/json")
        return self.client.post(f"/api/v1{path}", body if body is not None else b"", **headers)


@pytest.fixture
def caller(line: Line) -> Caller:
    return Caller(line.supervisor.client, line.supervisor.token)


def _put(body: dict[str, Any], field: str, value: Any) -> dict[str, Any]:
    """The body with `field` (or item 0 of a list field, `name.0`) set to `value`."""
    name, _, item = field.partition(".")
    return {**body, name: [value] if item else value}


def _named(response: Any, field: str) -> str | None:
    """The message the 422 answer gives for `field`, or None."""
    if response.status_code != 422 or not response["Content-Type"].startswith("application/json"):
        return None
    errors = response.json().get("errors")
    if not isinstance(errors, dict):
        return None
    message = errors.get(field)
    return message if isinstance(message, str) and message else None


def _paths(line: Line) -> Callable[[str], str]:
    number = line.ticket()["number"]
    return lambda path: path.replace("/T/", f"/{number}/").replace("/C/", "/PR-000001/")


def _hostile(max_length: int) -> dict[str, Any]:
    return {
        "one character too long": "x" * (max_length + 1),
        "NUL": "Тема\x00",
        "lone surrogate": "Тема\ud800",
        "a number": 12345,
        "an object": {"a": 1},
    }


def test_every_text_field_refuses_hostile_values_with_422_naming_the_field(
    line: Line, caller: Caller
) -> None:
    path_of = _paths(line)
    wrong = []
    for path, (body, fields) in BODIES.items():
        for field, model, column in fields:
            for what, value in _hostile(limit(model, column)).items():
                # json.dumps writes a lone surrogate as the \ud800 escape: valid JSON text.
                response = caller.send("POST", path_of(path), json.dumps(_put(body, field, value)))
                if _named(response, field) is None:
                    wrong.append(
                        f"{path} {field} {what}: {response.status_code} {response.content[:200]!r}"
                    )
    assert wrong == []


def test_a_value_at_its_columns_limit_is_not_refused_for_its_length(
    line: Line, caller: Caller
) -> None:
    path_of = _paths(line)
    wrong = []
    for path, (body, fields) in BODIES.items():
        for field, model, column in fields:
            response = caller.send(
                "POST", path_of(path), json.dumps(_put(body, field, "x" * limit(model, column)))
            )
            message = _named(response, field) or ""
            if response.status_code >= 500 or "длиннее" in message:
                wrong.append(f"{path} {field}: {response.status_code} {message}")
    assert wrong == []


@pytest.mark.parametrize(
    "moment",
    [
        "0001-01-01T00:00:00+03:00",
        "0001-01-01T00:00:00+14:00",
        "1899-12-31T23:59:00+03:00",
        "9999-12-31T23:59:59-14:00",
        "2101-01-01T09:00:00+03:00",
    ],
)
def test_a_call_time_outside_the_calendars_years_is_refused_naming_the_field(
    line: Line, moment: str
) -> None:
    response = line.consultant.post(
        "/tickets", {**VALID_TICKET, "channel": "phone", "registered_at": moment}
    )
    assert response.status_code == 422
    assert "1900–2100" in response.json()["errors"]["registered_at"]
    assert not Ticket.objects.exists()


def test_wrong_types_and_numbers_out_of_range_name_the_field(line: Line, caller: Caller) -> None:
    path_of = _paths(line)
    cases = [
        ("/tickets", {**VALID_TICKET, "registered_at": "вчера"}, "registered_at"),
        (
            "/tickets",
            {**VALID_TICKET, "registered_at": "2026-13-01T09:00:00+03:00"},
            "registered_at",
        ),
        ("/tickets", {**VALID_TICKET, "registered_at": 17}, "registered_at"),
        ("/tickets/T/evaluate", {"accepted": "может быть"}, "accepted"),
        ("/tickets/T/evaluate", {"accepted": True, "rating": 2**70}, "rating"),
        ("/tickets/T/evaluate", {"accepted": True, "rating": 6}, "rating"),
        ("/tickets/T/evaluate", {"accepted": True, "rating": 0}, "rating"),
        ("/tickets/T/evaluate", {"accepted": True, "rating": 4.5}, "rating"),
        ("/tickets/T/evaluate", {"accepted": True, "rating": "пять"}, "rating"),
        (
            "/tickets/T/transfer",
            {**BODIES["/tickets/T/transfer"][0], "development_item": 2**70},
            "development_item",
        ),
        (
            "/tickets/T/transfer",
            {**BODIES["/tickets/T/transfer"][0], "development_item": 0},
            "development_item",
        ),
        (
            "/tickets/T/transfer",
            {**BODIES["/tickets/T/transfer"][0], "development_item": "x"},
            "development_item",
        ),
        ("/development-items/1/plan", {"release_id": 2**70}, "release_id"),
        ("/development-items/1/plan", {"release_id": -1}, "release_id"),
        ("/development-items/1/plan", {}, "release_id"),
        ("/complaints", {"subject": "s", "text": "t", "tickets": "CRM-000001"}, "tickets"),
        ("/complaints", {"subject": "s", "text": "t", "tickets": ["CRM-1"] * 101}, "tickets"),
        ("/update-access/T/decide", {"configurations": "одна"}, "configurations"),
        ("/tickets/T/ask", {}, "text"),
        ("/tickets/T/refuse", {}, "reason"),
        ("/complaints", {"text": "t"}, "subject"),
        ("/update-access", {k: v for k, v in UPDATE_ACCESS.items() if k != "inn"}, "inn"),
        ("/tickets/T/change-level", {"reason": "r"}, "level"),
        ("/tickets/T/transfer", {"to": "methodologist", "reason": "r"}, "kind"),
        ("/tickets/T/redirect", {}, "category"),
    ]
    wrong = []
    for path, body, field in cases:
        response = caller.send("POST", path_of(path), json.dumps(body))
        if _named(response, field) is None:
            wrong.append(
                f"{path} {body!r:.80} {field}: {response.status_code} {response.content[:200]!r}"
            )
    assert wrong == []


@pytest.mark.parametrize(
    "path,field",
    [
        (f"/tickets?page={2**70}", "page"),
        ("/tickets?page=0", "page"),
        ("/tickets?page=-3", "page"),
        ("/tickets?page=первая", "page"),
        ("/tickets?page_size=0", "page_size"),
        ("/tickets?page_size=201", "page_size"),
        (f"/tickets?page_size={2**70}", "page_size"),
        ("/tickets?status=%00", "status"),
        ("/tickets?status=" + "x" * 21, "status"),
        ("/tickets?level=" + "x" * 31, "level"),
        (f"/queue?limit={2**70}", "limit"),
        ("/queue?limit=0", "limit"),
        ("/tickets/" + "x" * 21, "number"),
        ("/tickets/CRM-%00", "number"),
        ("/registry/registrations/" + "9" * 51, "number"),
        ("/registry/registrations/%00", "number"),
    ],
)
def test_query_and_path_parameters_are_bounded(caller: Caller, path: str, field: str) -> None:
    response = caller.send("GET", path)
    assert _named(response, field), (response.status_code, response.content[:300])


@pytest.mark.parametrize(
    "path,field",
    [
        (f"/releases/{2**70}/publish", "release_id"),
        ("/releases/0/publish", "release_id"),
        (f"/development-items/{BIGINT_MAX + 1}/plan", "item_id"),
        ("/complaints/" + "x" * 21 + "/answer", "number"),
        ("/tickets/" + "x" * 21 + "/ask", "number"),
    ],
)
def test_ids_and_numbers_in_the_path_are_bounded(caller: Caller, path: str, field: str) -> None:
    response = caller.send("POST", path, json.dumps({"text": "x", "release_id": 1}))
    assert _named(response, field), (response.status_code, response.content[:300])


MALFORMED = [
    ("truncated JSON", '{"subject": "Вопрос'.encode(), "application/json"),
    ("a JSON array", b"[]", "application/json"),
    ("JSON null", b"null", "application/json"),
    ("a JSON number", b"5", "application/json"),
    ("a JSON string", b'"subject"', "application/json"),
    ("not UTF-8", b'{"subject": "\xff\xfe"}', "application/json"),
    ("100 000 levels deep", b"[" * 100_000 + b"]" * 100_000, "application/json"),
    ("text/plain", json.dumps(VALID_TICKET).encode(), "text/plain"),
    ("a form", b"subject=a&body=b", "application/x-www-form-urlencoded"),
    ("XML", b"<ticket/>", "application/xml"),
]


@pytest.mark.parametrize("what,raw,content_type", MALFORMED, ids=[m[0] for m in MALFORMED])
@pytest.mark.parametrize("path", ["/tickets", "/tickets/T/ask", "/complaints"])
def test_malformed_bodies_get_the_readme_error_shape(
    line: Line, caller: Caller, path: str, what: str, raw: bytes, content_type: str
) -> None:
    response = caller.send("POST", _paths(line)(path), raw, content_type=content_type)
    assert response.status_code == 422, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert list(response.json()) == ["errors"]
    assert list(response.json()["errors"]) == ["body"]
    assert any("а" <= ch <= "я" for ch in response.json()["errors"]["body"])  # Russian
    assert Ticket.objects.count() == 1  # the one _paths filed


def test_errors_follow_the_request_language(line: Line, caller: Caller) -> None:
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    bad_json = caller.send("POST", "/tickets", b"{", **english)
    assert bad_json.json() == {"errors": {"body": "The request body is not valid JSON"}}
    long = json.dumps({**VALID_TICKET, "subject": "x" * 301})
    assert caller.send("POST", "/tickets", long, **english).json() == {
        "errors": {"subject": "At most 300 characters"}
    }
    assert caller.send("POST", "/tickets", long).json() == {
        "errors": {"subject": "Не длиннее 300 символов"}
    }
    nul = json.dumps({**VALID_TICKET, "body": "a\x00"})
    assert "NUL" in caller.send("POST", "/tickets", nul, **english).json()["errors"]["body"]
    page = caller.send("GET", f"/tickets?page={2**70}", **english).json()
    assert page == {"errors": {"page": "At most 1000000"}}
    wrong_type = caller.send("POST", "/tickets", b"{}", content_type="text/plain", **english)
    assert "application/json" in wrong_type.json()["errors"]["body"]


def test_a_body_over_the_upload_limit_is_413_in_the_error_shape(
    caller: Caller, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    big = json.dumps({**VALID_TICKET, "body": "x" * (1024 * 1024)})
    response = caller.send("POST", "/tickets", big)
    assert response.status_code == 413
    assert "МБ" in response.json()["errors"]["body"]


# --- the OpenAPI document ----------------------------------------------------------------------


def _openapi(line: Line) -> dict[str, Any]:
    response = line.client.client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _string_limit(document: dict[str, Any], schema: dict[str, Any]) -> int | None:
    schema = _resolve(document, schema)
    for option in schema.get("anyOf", [schema]):
        if option.get("type") == "string":
            return option.get("maxLength")  # type: ignore[no-any-return]
        if option.get("type") == "array":
            return _string_limit(document, option["items"])
    return None


def _operation(document: dict[str, Any], path: str) -> dict[str, Any]:
    openapi_path = "/api/v1" + (
        path.replace("/T/", "/{number}/").replace("/C/", "/{number}/").replace("/1/", "/{item_id}/")
    )
    return document["paths"][openapi_path]["post"]  # type: ignore[no-any-return]


def test_openapi_declares_each_text_fields_column_limit(line: Line) -> None:
    document = _openapi(line)
    wrong = []
    for path, (_body, fields) in BODIES.items():
        operation = _operation(document, path)
        schema = _resolve(
            document, operation["requestBody"]["content"]["application/json"]["schema"]
        )
        for field, model, column in fields:
            declared = _string_limit(document, schema["properties"][field.partition(".")[0]])
            if declared != limit(model, column):
                wrong.append(f"{path} {field}: maxLength {declared}, column {limit(model, column)}")
    assert wrong == []


def test_openapi_declares_required_fields_and_number_bounds(line: Line) -> None:
    document = _openapi(line)

    def body(path: str) -> dict[str, Any]:
        operation = _operation(document, path)
        return _resolve(document, operation["requestBody"]["content"]["application/json"]["schema"])

    # What no call can do without is required; intake data (R1, R17, R20) is declared required
    # too, and checked by the service, which names every missing field with its own message in
    # one answer (tests/api/test_openapi_document.py).
    for path in ("/tickets/T/ask", "/tickets/T/answer", "/tickets/T/reply", "/complaints/C/answer"):
        assert body(path)["required"] == ["text"], path
    assert body("/tickets/T/refuse")["required"] == ["reason"]
    assert set(body("/tickets/T/change-level")["required"]) == {"level", "reason"}
    assert set(body("/tickets/T/transfer")["required"]) == {"to", "kind", "reason"}
    assert body("/tickets/T/redirect")["required"] == ["category"]
    assert body("/tickets/T/evaluate")["required"] == ["accepted"]
    assert body("/development-items/1/plan")["required"] == ["release_id"]
    assert set(body("/tickets")["required"]) == {
        "registration_number",
        "organisation",
        "configuration",
        "version",
        "subject",
        "body",
    }
    assert set(body("/complaints")["required"]) == {"subject", "text"}
    assert "inn" in body("/update-access")["required"]
    assert "required" not in body("/tickets/T/accept")
    rating = body("/tickets/T/evaluate")["properties"]["rating"]["anyOf"][0]
    assert (rating["minimum"], rating["maximum"]) == (1, 5)
    listing = {
        p["name"]: p["schema"] for p in document["paths"]["/api/v1/tickets"]["get"]["parameters"]
    }
    assert (listing["page"]["minimum"], listing["page"]["maximum"]) == (1, 1_000_000)
    assert (listing["page_size"]["minimum"], listing["page_size"]["maximum"]) == (1, 200)
    publish = document["paths"]["/api/v1/releases/{release_id}/publish"]["post"]
    release_id = publish["parameters"][0]["schema"]
    assert (release_id["minimum"], release_id["maximum"]) == (1, BIGINT_MAX)
    number = document["paths"]["/api/v1/tickets/{number}"]["get"]["parameters"][0]["schema"]
    assert number["maxLength"] == limit(Ticket, "number")
    registration = document["paths"]["/api/v1/registry/registrations/{number}"]["get"]
    assert registration["parameters"][0]["schema"]["maxLength"] == limit(
        RegistrationNumber, "number"
    )


def test_openapi_declares_every_error_status_with_its_body(line: Line) -> None:
    document = _openapi(line)
    missing = []
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            codes = set(operation["responses"])
            # The liveness and readiness checks are public (no token, so no 401).
            expected = set() if path in {"/api/v1/health", "/api/v1/ready"} else {"401"}
            if operation.get("requestBody") or operation.get("parameters"):
                expected.add("422")
            if "{" in path:
                expected.add("404")
            if method == "post" and path.startswith("/api/v1/tickets/{number}/"):
                expected |= {"403", "409"}
            if not expected <= codes:
                missing.append(f"{method.upper()} {path}: {sorted(expected - codes)}")
            for code in codes - {"200", "201"}:
                content = operation["responses"][code].get("content", {})
                if "application/json" not in content:
                    missing.append(f"{method.upper()} {path} {code}: no JSON body schema")
    assert missing == []
    errors = document["components"]["schemas"]["Errors"]
    assert errors["required"] == ["errors"]


def test_the_attachment_form_fields_are_checked_and_named(line: Line, caller: Caller) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    number = line.ticket()["number"]
    url = f"/api/v1/tickets/{number}/attachments"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {caller.token}"}

    def upload(**fields: Any) -> Any:
        files = [SimpleUploadedFile("журнал.log", b"x", "text/plain")]
        return caller.client.post(url, {"files": files, **fields}, **auth)

    assert upload().status_code == 200  # the text is optional
    for text in ("Журнал\x00", "x" * (LONG_TEXT + 1)):
        response = upload(text=text)
        assert response.status_code == 422
        assert list(response.json()["errors"]) == ["text"]
    no_files = caller.client.post(url, {"text": "Журнал"}, **auth)
    assert no_files.json() == {"errors": {"files": "Обязательное поле"}}
    garbage = caller.client.post(url, b"garbage", content_type="multipart/form-data", **auth)
    assert garbage.status_code == 422
    assert "multipart/form-data" in garbage.json()["errors"]["body"]
