"""Issue 15: the read paths write their JSON directly (plain rows, no second pydantic pass).

What they answer must be, byte for byte, what the declared schema gives for the same ticket
through the general path (`ticket_out` / `ticket_detail` validated by `TicketOut` /
`TicketDetailOut`, rendered by ninja's encoder) — for tickets in every status, with and
without an assignee, organisation, attachments, for the line and for the client side.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from ninja.responses import NinjaJSONEncoder
from pydantic import TypeAdapter

from supportline.accounts.models import User
from supportline.api import schemas as s
from supportline.api.views import json_time, ticket_detail, ticket_out
from supportline.tickets.models import Status, Ticket
from tests.tickets.conftest import MSK, Line


def _schema_bytes(schema: Any, data: Any) -> bytes:
    """What ninja writes for `data` declared as `schema`."""
    adapter = TypeAdapter(schema)
    dumped = adapter.dump_python(adapter.validate_python(data))
    return json.dumps(dumped, cls=NinjaJSONEncoder).encode()


def _tickets(line: Line) -> list[Ticket]:
    """Tickets in every status, some assigned (with and without a full name), with files."""
    numbers = [line.ticket()["number"] for _ in range(3)]
    numbers.append(line.ticket(line.partner, partner_code="12-345-678")["number"])
    first, second, third, _ = numbers
    line.consultant.post(f"/tickets/{first}/accept", {"text": "Принято"})
    line.consultant.post(f"/tickets/{first}/ask", {"text": "Пришлите снимок"})
    line.client.client.post(
        f"/api/v1/tickets/{first}/attachments",
        {
            "files": [
                SimpleUploadedFile("a.png", b"\x89PNG0000", "image/png"),
                SimpleUploadedFile("b.txt", b"text", "text/plain"),
            ],
            "text": "Снимки",
        },
        HTTP_AUTHORIZATION=f"Bearer {line.client.token}",
    )
    line.consultant2.post(f"/tickets/{second}/accept", {"text": "Принято"})
    line.consultant2.post(f"/tickets/{second}/answer", {"text": "Ответ"})
    line.consultant2.post(f"/tickets/{second}/resolve", {"text": "Решено"})
    User.objects.filter(username="consultant2").update(first_name="", last_name="")
    line.consultant.post(f"/tickets/{third}/accept", {"text": "Принято"})
    line.consultant.post(
        f"/tickets/{third}/transfer",
        {"to": "methodologist", "kind": "defect", "reason": "Нужен методолог"},
    )
    for status in Status.values:  # every status at least once (the label comes from the row)
        made = line.ticket()["number"]
        Ticket.objects.filter(number=made).update(status=status)
    return list(Ticket.objects.select_related("assignee", "organisation").order_by("id"))


@pytest.fixture
def tickets(line: Line) -> list[Ticket]:
    return _tickets(line)


def test_list_items_are_the_schemas_output_of_each_ticket(
    line: Line, tickets: list[Ticket]
) -> None:
    assert {t.status for t in tickets} == set(Status.values)
    assert any(t.assignee is not None for t in tickets)
    assert any(t.organisation is None for t in tickets) or any(t.organisation for t in tickets)
    for who in (line.consultant, line.client, line.partner, line.methodologist):
        response = line.client.client.get(
            "/api/v1/tickets", {"page_size": 200}, HTTP_AUTHORIZATION=f"Bearer {who.token}"
        )
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json; charset=utf-8"
        page = response.json()
        by_number = {t.number: t for t in tickets}
        expected = {
            "count": page["count"],
            "count_exact": True,
            "page": 1,
            "page_size": 200,
            "items": [ticket_out(by_number[item["number"]]) for item in page["items"]],
            "next_cursor": None,
        }
        assert response.content == _schema_bytes(s.TicketPage, expected), who.user.username
        assert page["count"] == len(page["items"]) > 0


def test_cursor_pages_are_the_schemas_output(line: Line, tickets: list[Ticket]) -> None:
    by_number = {t.number: t for t in tickets}
    cursor, seen = None, []
    while True:
        params: dict[str, Any] = {"page_size": 3}
        if cursor:
            params["cursor"] = cursor
        response = line.consultant.get("/tickets", **params)
        page = response.json()
        expected = {**page, "items": [ticket_out(by_number[i["number"]]) for i in page["items"]]}
        assert response.content == _schema_bytes(s.TicketPage, expected)
        seen += [i["number"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    newest_first = sorted(tickets, key=lambda t: (t.registered_at, t.pk), reverse=True)
    assert seen == [t.number for t in newest_first]


def test_queue_is_the_schemas_output_with_its_cursor_header(
    line: Line, tickets: list[Ticket]
) -> None:
    by_number = {t.number: t for t in tickets}
    cursor, pages = None, 0
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        response = line.consultant.get("/queue", **params)
        assert response.status_code == 200
        rows = response.json()
        expected = [ticket_out(by_number[r["number"]]) for r in rows]
        assert response.content == _schema_bytes(list[s.TicketOut], expected)
        pages += 1
        cursor = response.headers.get("X-Next-Cursor")
        if cursor is None:
            break
    assert pages > 2
    assert line.client.get("/queue").status_code == 403


def test_detail_is_the_schemas_output_for_the_line_and_the_client(
    line: Line, tickets: list[Ticket]
) -> None:
    with_files = 0
    for t in tickets:
        for who in (line.consultant, line.client, line.partner, line.methodologist):
            response = who.get(f"/tickets/{t.number}")
            if response.status_code == 404:
                continue
            assert response.status_code == 200
            expected = _schema_bytes(s.TicketDetailOut, ticket_detail(t, who.user))
            assert response.content == expected, (t.number, who.user.username)
            with_files += any(m["attachments"] for m in response.json()["messages"])
    assert with_files  # the attachments were compared too


def test_a_closed_tickets_detail_reads_its_frozen_figures(line: Line) -> None:
    number = line.ticket()["number"]
    line.consultant.post(f"/tickets/{number}/accept", {"text": "Принято"})
    line.consultant.post(f"/tickets/{number}/answer", {"text": "Ответ"})
    line.consultant.post(f"/tickets/{number}/resolve", {"text": "Решено"})
    line.client.post(f"/tickets/{number}/evaluate", {"accepted": True, "rating": 5})
    t = Ticket.objects.select_related("assignee", "organisation").get(number=number)
    assert t.status == Status.CLOSED and t.sla_frozen
    response = line.client.get(f"/tickets/{number}")
    assert response.content == _schema_bytes(s.TicketDetailOut, ticket_detail(t, line.client.user))


def test_times_are_written_as_ninjas_encoder_writes_them() -> None:
    import datetime as dt

    encoder = NinjaJSONEncoder()
    for moment in (
        dt.datetime(2026, 11, 24, 10, 0, tzinfo=MSK),
        dt.datetime(2026, 11, 24, 10, 0, 0, 123456, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 24, 10, 0, 0, 999, tzinfo=MSK),
    ):
        for zone in (MSK, dt.UTC):
            assert json_time(moment, zone) == encoder.default(moment.astimezone(zone))
    assert json_time(None, MSK) is None
