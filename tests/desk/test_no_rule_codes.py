"""Issue 14 §9: rule codes (R7, R11…) stay in code and tests, out of what people read. Every
page of the desk and the portal, for every demo ticket, is scanned as rendered."""

from __future__ import annotations

import re

from supportline.core.demo_tickets import load_demo_tickets
from supportline.tickets.models import Complaint, Ticket
from tests.desk.conftest import NOW, Desk, Person, html

RULE_CODE = re.compile(r"\bR\d{1,2}\b")
HIDDEN = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S)


def visible_text(page: str) -> str:
    return HIDDEN.sub(" ", page)


def scan(who: Person, paths: list[str]) -> dict[str, list[str]]:
    found = {}
    for path in paths:
        response = who.get(path)
        assert response.status_code == 200, path
        codes = RULE_CODE.findall(visible_text(html(response)))
        if codes:
            found[path] = codes
    return found


def test_no_rule_code_in_any_page_people_read(desk: Desk) -> None:
    load_demo_tickets(now=NOW)
    tickets = list(Ticket.objects.values_list("number", flat=True))
    complaints = list(Complaint.objects.values_list("number", flat=True))
    desk_pages = [
        "/desk/",
        "/desk/?evaluation=waiting",
        "/desk/queue/rows/",
        "/desk/phone/",
        "/desk/escalations/",
        "/desk/releases/",
        "/desk/board/",
        "/desk/complaints/",
        "/desk/registries/",
        "/desk/calendar/",
        "/notifications/",
        "/accounts/profile/",
        *[f"/desk/tickets/{n}/" for n in tickets],
        *[f"/desk/complaints/{n}/" for n in complaints],
    ]
    assert scan(desk.supervisor, desk_pages) == {}
    client_tickets = Ticket.objects.filter(organisation=desk.client.user.organisation)
    portal_pages = [
        "/",
        "/portal/",
        "/portal/new/",
        "/portal/kb/",
        "/notifications/",
        *[f"/portal/tickets/{t.number}/" for t in client_tickets],
    ]
    assert scan(desk.client, portal_pages) == {}


def test_the_scanner_sees_a_rule_code() -> None:
    assert RULE_CODE.findall(visible_text("<p>История (R16)</p><script>R7</script>")) == ["R16"]
