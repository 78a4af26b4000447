"""In-app notifications for every role (issue 7 §5): the list, the badge, marking read."""

from __future__ import annotations

from django.test import Client

from supportline.accounts.models import User
from supportline.tickets.actions.sla import tickets_sla_scan as sla_scan
from supportline.tickets.models import Notification
from tests.tickets.conftest import Line, msk


def test_r11_consultant_sees_the_warning_and_marks_it_read(line: Line) -> None:
    number = line.ticket()["number"]
    sla_scan(now=msk(2026, 11, 24, 16, 0))
    browser = Client()
    browser.force_login(User.objects.get(username="consultant1"))
    badge = browser.get("/notifications/badge/").content.decode()
    assert '<span class="nbadge"' in badge and ">1<" in badge
    page = browser.get("/notifications/").content.decode()
    assert number in page and "75 %" in page and f"/desk/tickets/{number}/" in page
    assert browser.post("/notifications/read/").status_code == 302
    assert not Notification.objects.filter(user__username="consultant1", read_at=None).exists()
    assert 'class="nbadge"' not in browser.get("/notifications/badge/").content.decode()


def test_notifications_are_private(line: Line) -> None:
    line.ticket()
    sla_scan(now=msk(2026, 11, 24, 16, 0))
    client = Client()
    client.force_login(User.objects.get(username="client"))
    assert "75 %" not in client.get("/notifications/").content.decode()
    assert Client().get("/notifications/").status_code == 302
