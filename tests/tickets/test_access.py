"""The role × endpoint access matrix, including a client of another organisation."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.tickets.conftest import Line


def test_401_without_a_token_and_with_a_wrong_one(line: Line) -> None:
    anonymous = Client()
    response = anonymous.get("/api/v1/tickets")
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]
    wrong = anonymous.get("/api/v1/tickets", HTTP_AUTHORIZATION="Bearer sl_nope")
    assert wrong.status_code == 401


def test_client_of_another_organisation_gets_404_not_403(line: Line) -> None:
    number = line.ticket()["number"]
    assert line.client_b.get(f"/tickets/{number}").status_code == 404
    assert line.client_b.post(f"/tickets/{number}/reply", {"text": "чужое"}).status_code == 404
    assert line.client_b.get("/tickets").json()["count"] == 0
    # The same answer as for a ticket that does not exist: no existence leak.
    assert line.client_b.get("/tickets/CRM-999999").status_code == 404


def test_partner_sees_only_what_it_filed(line: Line) -> None:
    own = line.ticket(line.partner, partner_code="12-345-678")["number"]
    clients = line.ticket()["number"]
    listed = {t["number"] for t in line.partner.get("/tickets").json()["items"]}
    assert listed == {own}
    assert line.partner.get(f"/tickets/{clients}").status_code == 404
    # The client organisation sees both tickets about its program.
    listed = {t["number"] for t in line.client.get("/tickets").json()["items"]}
    assert listed == {own, clients}


@pytest.mark.parametrize("action", ["accept", "ask", "answer", "resolve", "refuse"])
def test_clients_cannot_act_for_the_line(line: Line, action: str) -> None:
    number = line.ticket()["number"]
    response = line.client.post(f"/tickets/{number}/{action}", {"text": "x", "reason": "x"})
    assert response.status_code == 403
    assert "сотрудникам линии" in response.json()["detail"]


def test_consultant_cannot_evaluate_or_reply_for_the_client(line: Line) -> None:
    number = line.ticket()["number"]
    line.consultant.post(f"/tickets/{number}/resolve", {"text": "Ответ"})
    response = line.consultant.post(f"/tickets/{number}/evaluate", {"accepted": True, "rating": 5})
    assert response.status_code == 403
    assert line.consultant.post(f"/tickets/{number}/reply", {"text": "x"}).status_code == 403


def test_methodologist_and_developer_see_nothing_untransferred(line: Line) -> None:
    number = line.ticket()["number"]
    for who in (line.methodologist, line.developer):
        assert who.get(f"/tickets/{number}").status_code == 404
        assert who.get("/tickets").json()["count"] == 0
        assert who.post("/queue/take").status_code == 403


def test_queue_is_for_line_staff_only(line: Line) -> None:
    line.ticket()
    assert line.client.get("/queue").status_code == 403
    assert line.client.post("/queue/take").status_code == 403
    assert line.supervisor.get("/queue").status_code == 200


def test_registries_read_access(line: Line) -> None:
    assert line.consultant.get("/registry/registrations/800123456").status_code == 200
    assert line.client.get("/registry/registrations/800123456").status_code == 200
    assert line.client_b.get("/registry/registrations/800123456").status_code == 404
    assert line.client.get("/registry/releases").status_code == 403
    confs = line.client.get("/registry/configurations").json()
    current = {c["name"]: c["current_release"] for c in confs}
    assert current["1С:CRM ПРОФ, редакция 3.0"] == "3.0.36.12"


def test_contracts_at_a_glance(line: Line) -> None:
    reg = line.consultant.get("/registry/registrations/800654321").json()
    validity = {c["kind"]: c["valid_today"] for c in reg["contracts"]}
    assert validity == {"its": True, "kp_otraslevoy": False}


def test_clients_do_not_read_the_lines_internal_notes(line: Line) -> None:
    """Transfer reasons, assignments and data edits stay with the line (security review)."""
    number = line.ticket()["number"]
    line.consultant.post(
        f"/tickets/{number}/transfer",
        {"to": "development", "kind": "defect", "reason": "Внутреннее: ошибка в модуле X"},
    )
    staff = line.consultant.get(f"/tickets/{number}").json()
    assert any(e["type"] == "transferred" for e in staff["events"])
    client = line.client.get(f"/tickets/{number}").json()
    types = {e["type"] for e in client["events"]}
    assert "transferred" not in types and "assigned" not in types
    assert "Внутреннее" not in str(client["events"])
    level = next(e for e in client["events"] if e["type"] == "level_changed")
    assert level["data"] == {"level": "operational"}


def test_issue14_internal_notes_never_reach_a_client_through_the_api(line: Line) -> None:
    """Internal notes (issue 14 §4) are not messages or events: the API shows them to nobody."""
    from supportline.tickets.actions.notes import note_add
    from supportline.tickets.models import Ticket

    number = line.ticket()["number"]
    ticket = Ticket.objects.get(number=number)
    note_add(ticket=ticket, actor=line.consultant.user, text="Секрет линии: клиент путает базы")
    for who in (line.client, line.consultant):
        assert "Секрет линии" not in who.get(f"/tickets/{number}").content.decode()


def test_issue14_notes_endpoints_access_matrix(line: Line) -> None:
    """GET/POST /tickets/{number}/notes: the line's staff working the ticket; 403 for the
    ticket's own client and partner (a note is never theirs to read), 404 for outsiders."""
    number = line.ticket()["number"]
    made = line.consultant.post(f"/tickets/{number}/notes", {"text": "Передать @methodologist"})
    assert made.status_code == 201, made.content
    assert made.json()["mentioned"] == ["methodologist"]
    listed = line.supervisor.get(f"/tickets/{number}/notes")
    assert listed.status_code == 200
    assert [n["text"] for n in listed.json()] == ["Передать @methodologist"]
    assert line.client.get(f"/tickets/{number}/notes").status_code == 403
    assert line.client.post(f"/tickets/{number}/notes", {"text": "x"}).status_code == 403
    for outsider in (line.client_b, line.methodologist, line.developer):
        assert outsider.get(f"/tickets/{number}/notes").status_code == 404
        assert outsider.post(f"/tickets/{number}/notes", {"text": "x"}).status_code == 404
    assert line.consultant.post(f"/tickets/{number}/notes", {"text": "  "}).status_code == 422
    assert len(line.consultant.get(f"/tickets/{number}/notes").json()) == 1


def test_issue14_merge_endpoint_access_matrix(line: Line) -> None:
    """POST /tickets/{number}/merge: the line's staff only (the desk's action and rules); 403
    for the ticket's own client and partner, 404 for outsiders and unknown numbers."""
    duplicate = line.ticket(subject="Тот же вопрос по телефону")["number"]
    kept = line.ticket(subject="Тот же вопрос письмом")["number"]
    body = {"into": kept, "reason": "Один вопрос"}
    assert line.client.post(f"/tickets/{duplicate}/merge", body).status_code == 403
    for outsider in (line.client_b, line.methodologist, line.developer):
        assert outsider.post(f"/tickets/{duplicate}/merge", body).status_code == 404
    unknown = line.consultant.post(f"/tickets/{duplicate}/merge", {"into": "CRM-999999"})
    assert unknown.status_code == 404
    itself = line.consultant.post(f"/tickets/{duplicate}/merge", {"into": duplicate})
    assert itself.status_code == 422
    merged = line.consultant.post(f"/tickets/{duplicate}/merge", body)
    assert merged.status_code == 200, merged.content
    assert merged.json()["number"] == kept
    assert any(e["type"] == "merged_in" for e in merged.json()["events"])
    closed = line.consultant.get(f"/tickets/{duplicate}").json()
    assert closed["status"] == "closed"
    # A closed duplicate cannot be merged again: its status does not allow it.
    again = line.consultant.post(f"/tickets/{duplicate}/merge", body)
    assert again.status_code == 409


def test_issue14_merge_refuses_tickets_of_different_clients(line: Line) -> None:
    ours = line.ticket()["number"]
    theirs = line.ticket(line.partner, partner_code="12-345-678")["number"]  # the partner's
    response = line.supervisor.post(f"/tickets/{ours}/merge", {"into": theirs})
    assert response.status_code == 422
    assert "одного клиента" in response.json()["detail"]


def test_issue14_links_endpoints_access_matrix(line: Line) -> None:
    """POST /tickets/{number}/links and DELETE /tickets/{number}/links/{other}."""
    a = line.ticket(subject="Первый вопрос")["number"]
    b = line.ticket(subject="Связанный вопрос")["number"]
    assert line.client.post(f"/tickets/{a}/links", {"other": b}).status_code == 403
    assert line.client.delete(f"/tickets/{a}/links/{b}").status_code == 403
    for outsider in (line.client_b, line.methodologist, line.developer):
        assert outsider.post(f"/tickets/{a}/links", {"other": b}).status_code == 404
        assert outsider.delete(f"/tickets/{a}/links/{b}").status_code == 404
    made = line.consultant.post(f"/tickets/{a}/links", {"other": b})
    assert made.status_code == 200, made.content
    assert [t["number"] for t in made.json()] == [b]
    # Both ways, and a second link changes nothing.
    assert line.consultant.post(f"/tickets/{b}/links", {"other": a}).json()[0]["number"] == a
    assert line.consultant.post(f"/tickets/{a}/links", {"other": "CRM-999999"}).status_code == 404
    assert line.consultant.post(f"/tickets/{a}/links", {"other": a}).status_code == 422
    # A client's ticket page never shows the line's links.
    assert b not in line.client.get(f"/tickets/{a}").content.decode()
    removed = line.consultant.delete(f"/tickets/{a}/links/{b}")
    assert removed.status_code == 200 and removed.json() == []
