"""R2: a licensing/protection exemption is decided by the line, not by the client's category.

АО «Вектор» (800654321) has no valid KP contract: its questions are served only when they
really are about licensing or the protection system, which a consultant confirms."""

from __future__ import annotations

from typing import Any

from django.test import Client

from supportline.tickets.models import EventType, Exemption, Status, Ticket
from tests.tickets.conftest import Line

# R2: what a sender who is not the holder is told (the 1C:CRM file's contracts_in_general).
CONTRACTS_IN_GENERAL = "действующие договоры 1С:ИТС и «1С:КП Отраслевой» на дату обращения"

VECTOR = {"registration_number": "800654321", "organisation": "АО «Вектор»"}


def licensing_ticket(line: Line, category: str = "licensing") -> dict[str, Any]:
    return line.ticket(line.client_b, **VECTOR, category=category)


def test_r2_ineligible_licensing_question_waits_for_the_lines_confirmation(line: Line) -> None:
    for category in ("licensing", "protection_system"):
        ticket = licensing_ticket(line, category)
        assert ticket["status"] == "registered", category
        assert ticket["exemption"] == "pending", category
        assert ticket["sla"]["reaction"]["state"] == "running"
        assert [e["type"] for e in ticket["events"]].count("exemption_pending") == 1
        # The client is not yet told anything but the receipt.
        assert "зарегистрировано под номером" in ticket["messages"][-1]["body"]


def test_r2_eligible_licensing_question_needs_no_confirmation(line: Line) -> None:
    ticket = line.ticket(category="licensing")
    assert ticket["exemption"] == ""
    assert ticket["status"] == "registered"


def test_r2_the_line_cannot_serve_before_it_confirms_the_exemption(line: Line) -> None:
    number = licensing_ticket(line)["number"]
    accepted = line.consultant.post(f"/tickets/{number}/accept", {})
    assert accepted.status_code == 409
    assert "подтвердите" in accepted.json()["detail"]
    answered = line.consultant.post(f"/tickets/{number}/answer", {"text": "Ответ"})
    assert answered.status_code == 409
    transferred = line.consultant.post(
        f"/tickets/{number}/transfer", {"to": "development", "kind": "defect", "reason": "x"}
    )
    assert transferred.status_code == 409
    assert Ticket.objects.get(number=number).status == Status.REGISTERED


def test_r2_confirmed_exemption_is_served_as_usual(line: Line) -> None:
    number = licensing_ticket(line)["number"]
    confirmed = line.consultant.post(f"/tickets/{number}/exemption", {"decision": "confirm"})
    assert confirmed.status_code == 200, confirmed.content
    body = confirmed.json()
    assert body["exemption"] == "confirmed"
    assert body["status"] == "registered"
    assert body["assignee"] == "Иван Консультантов"
    accepted = line.consultant.post(f"/tickets/{number}/accept", {})
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["sla"]["reaction"]["state"] == "met"


def test_r2_reclassified_question_is_refused_with_the_r2_explanation(line: Line) -> None:
    number = licensing_ticket(line)["number"]
    refused = line.consultant.post(
        f"/tickets/{number}/exemption",
        {
            "decision": "reclassify",
            "category": "standard_functionality",
            "reason": "вопрос о работе отчёта",
        },
    )
    assert refused.status_code == 200, refused.content
    body = refused.json()
    assert body["status"] == "refused"
    assert body["exemption"] == "reclassified"
    assert body["category"] == "standard_functionality"
    refusal = body["messages"][-1]["body"]
    assert "за исключением вопросов по лицензированию и системе защиты" in refusal
    # The organisation's own contact learns which contract lapsed.
    assert "договор 1С:КП Отраслевой" in refusal
    assert body["sla"]["reaction"]["state"] == "met"
    stored = Ticket.objects.get(number=number)
    event = stored.events.get(type=EventType.RECLASSIFIED)
    assert event.data["previous"] == "licensing"
    assert event.author == line.consultant.user


def test_r2_reclassify_keeps_a_stranger_from_learning_which_contract_lapsed(line: Line) -> None:
    from supportline.tickets.actions.registration import (
        ticket_reclassify,
        ticket_register,
    )
    from supportline.tickets.intake import IntakeData

    ticket = ticket_register(
        actor=None,
        channel="email",
        data=IntakeData(
            subject="Лицензия",
            body="Не видит ключ",
            **VECTOR,
            configuration="1С:CRM ПРОФ, редакция 3.0",
            version="3.0.36.12",
            category="licensing",
            contact_email="someone@elsewhere.example.com",
        ),
    )
    assert ticket.exemption == Exemption.PENDING
    ticket = ticket_reclassify(ticket=ticket, actor=line.consultant.user)
    assert ticket.status == Status.REFUSED
    body = ticket.messages.order_by("-id").first().body  # type: ignore[union-attr]
    assert CONTRACTS_IN_GENERAL in body and "договор 1С:КП Отраслевой" not in body


def test_r2_exemption_decision_refusals(line: Line) -> None:
    number = licensing_ticket(line)["number"]
    # Only the line decides; the client filer may not; an outsider does not see the ticket.
    assert (
        line.client_b.post(f"/tickets/{number}/exemption", {"decision": "confirm"}).status_code
        == 403
    )
    assert (
        line.client.post(f"/tickets/{number}/exemption", {"decision": "confirm"}).status_code == 404
    )
    bad = line.consultant.post(f"/tickets/{number}/exemption", {"decision": "maybe"})
    assert bad.status_code == 422 and "decision" in bad.json()["errors"]
    exempt_again = line.consultant.post(
        f"/tickets/{number}/exemption", {"decision": "reclassify", "category": "licensing"}
    )
    assert exempt_again.status_code == 422
    first = line.consultant.post(f"/tickets/{number}/exemption", {"decision": "confirm"})
    assert first.status_code == 200
    twice = line.consultant.post(f"/tickets/{number}/exemption", {"decision": "confirm"})
    assert twice.status_code == 409
    plain = line.ticket()["number"]
    assert (
        line.consultant.post(f"/tickets/{plain}/exemption", {"decision": "confirm"}).status_code
        == 409
    )


def test_r2_exemption_endpoint_is_declared_in_openapi(line: Line) -> None:
    schema = Client().get("/api/openapi.json").json()
    operation = schema["paths"]["/api/v1/tickets/{number}/exemption"]["post"]
    assert set(operation["responses"]) >= {"200", "403", "404", "409", "422"}
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    ref = body["$ref"].rsplit("/", 1)[-1]
    decision = schema["components"]["schemas"][ref]["properties"]["decision"]
    assert set(decision["enum"]) == {"confirm", "reclassify"}


def test_r2_exemption_reason_and_category_are_bounded_plain_text(line: Line) -> None:
    """A NUL in the reason once reached PostgreSQL's JSON column (HTTP 500); now each field is
    refused by name, like every other text of the API (issue 12 §3)."""
    number = licensing_ticket(line)["number"]
    base = {"decision": "reclassify", "category": "standard_functionality", "reason": "r"}
    for field, value in [
        ("reason", "a\x00b"),
        ("reason", "\ud800"),
        ("reason", "x" * 100_000),
        ("category", "a\x00b"),
        ("category", "c" * 1000),
    ]:
        answer = line.consultant.post(f"/tickets/{number}/exemption", {**base, field: value})
        assert answer.status_code == 422, (field, answer.content)
        assert field in answer.json()["errors"], (field, answer.json())
    assert Ticket.objects.get(number=number).exemption == Exemption.PENDING
