"""Issue 15: keyset pages (the cursor in the answer), capped counts, bad cursors are 422."""

from __future__ import annotations

import base64

import pytest

from supportline.desk.selectors.queue import QUEUE_PAGE
from supportline.tickets import paging
from supportline.tickets.actions.escalation import ticket_change_level
from supportline.tickets.models import Ticket
from tests.desk.conftest import Desk, html, msk
from tests.tickets.conftest import Line


def _walk(line: Line, who: str = "consultant", **params: object) -> list[str]:
    api = getattr(line, who)
    seen: list[str] = []
    page = api.get("/tickets", page_size=2, **params).json()
    while True:
        seen += [t["number"] for t in page["items"]]
        if page["next_cursor"] is None:
            return seen
        page = api.get("/tickets", page_size=2, cursor=page["next_cursor"], **params).json()


def test_cursor_pages_walk_every_ticket_newest_first_once(line: Line) -> None:
    numbers = [line.ticket()["number"] for _ in range(5)]
    # Same registration instant for all (time is frozen): the id breaks the tie.
    assert _walk(line) == numbers[::-1]
    assert _walk(line, who="client") == numbers[::-1]
    assert _walk(line, who="client_b") == []


def test_cursor_pages_keep_the_filters(line: Line) -> None:
    numbers = [line.ticket()["number"] for _ in range(3)]
    assert _walk(line, status="registered") == numbers[::-1]
    assert _walk(line, status="closed") == []


def test_page_numbers_still_work_and_give_the_next_cursor(line: Line) -> None:
    numbers = [line.ticket()["number"] for _ in range(5)]
    first = line.consultant.get("/tickets", page_size=2).json()
    second = line.consultant.get("/tickets", page=2, page_size=2).json()
    by_cursor = line.consultant.get("/tickets", page_size=2, cursor=first["next_cursor"]).json()
    assert [t["number"] for t in second["items"]] == numbers[::-1][2:4]
    assert by_cursor["items"] == second["items"]
    assert first["count"] == 5 and first["count_exact"] is True


def test_count_is_capped(line: Line, monkeypatch: pytest.MonkeyPatch) -> None:
    for _ in range(4):
        line.ticket()
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    monkeypatch.setattr(paging.capped_count, "__defaults__", (3,))
    page = line.consultant.get("/tickets").json()
    assert (page["count"], page["count_exact"]) == (3, False)
    assert len(page["items"]) == 4


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "%%%",
        base64.urlsafe_b64encode(b"q|0|2026-11-24T07:00:00+00:00|1").decode(),  # the queue's
        base64.urlsafe_b64encode(b"n|0|2026-11-24T07:00:00|1").decode(),  # naive instant
        base64.urlsafe_b64encode(b"n|2|2026-11-24T07:00:00+00:00|1").decode(),
        base64.urlsafe_b64encode(b"n|0|2026-11-24T07:00:00+00:00|-5").decode(),
        base64.urlsafe_b64encode("n|0|ё|1".encode()).decode(),
        "x" * 121,
    ],
)
def test_a_bad_cursor_is_a_422_naming_the_field(line: Line, cursor: str) -> None:
    response = line.consultant.get("/tickets", cursor=cursor)
    assert response.status_code == 422, response.content
    assert "cursor" in response.json()["errors"]


def test_a_bad_queue_cursor_is_a_422_naming_the_field(line: Line) -> None:
    newest = base64.urlsafe_b64encode(b"n|0|2026-11-24T07:00:00+00:00|1").decode()
    for cursor in ("garbage", newest):
        queue = line.consultant.get("/queue", cursor=cursor)
        assert queue.status_code == 422 and "cursor" in queue.json()["errors"]


def test_r14_queue_api_pages_in_regulation_order(line: Line) -> None:
    numbers = [line.ticket()["number"] for _ in range(3)]
    urgent = line.ticket()["number"]
    line.consultant.post(f"/tickets/{urgent}/change-level", {"level": "operational", "reason": "x"})
    first = line.consultant.get("/queue", limit=2)
    assert [t["number"] for t in first.json()] == [urgent, numbers[0]]
    rest = line.consultant.get("/queue", limit=2, cursor=first["X-Next-Cursor"])
    assert [t["number"] for t in rest.json()] == numbers[1:]
    assert "X-Next-Cursor" not in rest


def test_r14_desk_queue_shows_a_page_and_more_on_demand(desk: Desk) -> None:
    made = [desk.ticket(channel="email", at=msk(2026, 11, 23, 9, n)) for n in range(QUEUE_PAGE + 3)]
    page = html(desk.consultant.get("/desk/"))
    assert page.count('class="row-') == QUEUE_PAGE
    assert made[QUEUE_PAGE - 1].number in page and made[QUEUE_PAGE].number not in page
    more = page.split('id="queue-more"', 1)[1]
    cursor = more.split("cursor=", 1)[1].split('"', 1)[0]
    rows = html(desk.consultant.get("/desk/queue/rows/", {"cursor": cursor}))
    assert rows.count('class="row-') == 3
    assert "<table" not in rows and 'id="queue-more"' not in rows
    assert made[-1].number in rows
    # Without JavaScript the link opens the full page from there.
    assert html(desk.consultant.get("/desk/", {"cursor": cursor})).count('class="row-') == 3


def test_desk_bad_cursor_is_a_422(desk: Desk) -> None:
    for path in ("/desk/", "/desk/queue/rows/"):
        response = desk.consultant.get(path, {"cursor": "garbage"})
        assert response.status_code == 422
        assert "cursor" in response.content.decode()


def test_queue_keyset_matches_the_full_order(desk: Desk) -> None:
    for n in range(7):
        ticket = desk.ticket(channel="email", at=msk(2026, 11, 23, 10, n % 3))
        if n % 3 == 1:
            ticket_change_level(
                ticket=ticket, actor=desk.consultant.user, level="operational", reason="R10"
            )
    assert Ticket.objects.filter(out_of_turn=True).count() == 2
    open_tickets = Ticket.objects.filter(status="registered")
    expected = list(open_tickets.order_by(*paging.ORDERING[paging.QUEUE]))
    got: list[Ticket] = []
    cursor = None
    while True:
        rows, cursor = paging.page(open_tickets, paging.QUEUE, cursor, 2)
        got += rows
        if cursor is None:
            break
    assert got == expected


def test_the_queue_declares_its_next_cursor_header_in_the_openapi_document() -> None:
    from django.test import Client

    document = Client().get("/api/openapi.json").json()
    headers = document["paths"]["/api/v1/queue"]["get"]["responses"]["200"]["headers"]
    assert headers["X-Next-Cursor"]["schema"] == {"type": "string"}
