"""ConnectEvent in the admin: read-only, filtered by state."""

from __future__ import annotations

from django.test import Client

from supportline.accounts.models import User
from supportline.connect.models import ConnectEvent
from tests.connect.conftest import StandIn, drain, event, post


def test_connect_events_are_listed_read_only_and_filtered_by_state(connect: StandIn) -> None:
    post(event())
    post(event(message_type=83, text=""))
    drain()
    admin = User.objects.create_superuser("root", "root@example.ru", "pw")
    browser = Client()
    browser.force_login(admin)
    listing = browser.get("/admin/connect/connectevent/", {"state__exact": "ignored"})
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 1
    stored = ConnectEvent.objects.get(state="done")
    page = browser.get(f"/admin/connect/connectevent/{stored.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert browser.get("/admin/connect/connectevent/add/").status_code == 403
