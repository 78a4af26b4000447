"""Issue 14 §9: every role's menus offer only what it may open; the footer names the zone the
times are shown in; the admin shows the line's times with Russian labels and never deletes a
ticket (R16)."""

from __future__ import annotations

import re

import pytest

from supportline.tickets.models import Ticket
from tests.desk.conftest import Desk, html

NAV = re.compile(r'<nav class="desk-nav".*?</nav>|<header class="top">.*?</header>', re.S)
HREF = re.compile(r'href="(/[^"#]*)"')


@pytest.mark.parametrize(
    "role", ["consultant", "methodologist", "developer", "supervisor", "admin"]
)
def test_every_menu_link_opens_for_the_role_that_sees_it(desk: Desk, role: str) -> None:
    who = getattr(desk, role)
    page = html(who.get("/desk/"))
    links = {href for block in NAV.findall(page) for href in HREF.findall(block)}
    assert "/desk/" in links
    for href in sorted(links - {"/"}):
        assert who.get(href).status_code == 200, (role, href)
    if role in ("methodologist", "developer"):
        assert "/desk/phone/" not in links


def test_footer_names_the_users_zone(desk: Desk) -> None:
    assert "время показано в поясе Europe/Moscow, UTC+3" in html(desk.consultant.get("/desk/"))
    desk.consultant.post("/accounts/profile/", {"time_zone": "Asia/Yekaterinburg"})
    assert "Asia/Yekaterinburg, UTC+5" in html(desk.consultant.get("/desk/"))


def test_r16_admin_cannot_delete_tickets_and_speaks_russian_in_the_lines_zone(
    desk: Desk,
) -> None:
    ticket = desk.ticket()
    changelist = html(desk.admin.get("/admin/tickets/ticket/"))
    assert "delete_selected" not in changelist
    page = html(desk.admin.get(f"/admin/tickets/ticket/{ticket.pk}/change/"))
    assert "Срок реакции" in page and "Исполнитель" in page and "Когда" in page
    # Registered at 10:00 Moscow time (07:00 UTC): shown as 10:00.
    assert "10:00" in page
    response = desk.admin.post(f"/admin/tickets/ticket/{ticket.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Ticket.objects.filter(pk=ticket.pk).exists()
