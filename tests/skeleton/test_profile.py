"""Times are Moscow time unless the user chose another zone for display (SPEC, Time)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from supportline.accounts.models import User
from supportline.core.demo import load_demo
from supportline.core.templatetags.supportline import msk

pytestmark = pytest.mark.django_db
MOMENT = dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC)


def test_times_are_moscow_with_the_zone_named_by_default() -> None:
    assert msk(MOMENT) == "24.11.2026 10:00 МСК"


def test_user_chooses_another_display_zone() -> None:
    load_demo()
    browser = Client()
    user = User.objects.get(username="client")
    browser.force_login(user)
    page = browser.get("/accounts/profile/")
    assert page.status_code == 200 and "Екатеринбург" in page.content.decode()
    assert (
        browser.post("/accounts/profile/", {"time_zone": "Asia/Yekaterinburg"}).status_code == 302
    )
    user.refresh_from_db()
    assert user.time_zone == "Asia/Yekaterinburg"
    bad = browser.post("/accounts/profile/", {"time_zone": "Mars/Olympus"})
    assert bad.status_code == 200
    assert User.objects.get(pk=user.pk).time_zone == "Asia/Yekaterinburg"


def test_display_zone_applies_to_the_users_pages() -> None:
    from supportline.core import rules

    token = rules.set_display_zone(ZoneInfo("Asia/Yekaterinburg"))
    try:
        assert msk(MOMENT) == "24.11.2026 12:00 UTC+5"
    finally:
        rules.reset_display_zone(token)
    assert msk(MOMENT) == "24.11.2026 10:00 МСК"


def test_portal_shows_the_chosen_zone() -> None:
    from supportline.core.demo_tickets import load_demo_tickets

    load_demo()
    load_demo_tickets(now=dt.datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("Europe/Moscow")))
    user = User.objects.get(username="client")
    user.time_zone = "Asia/Vladivostok"
    user.save()
    browser = Client()
    browser.force_login(user)
    html = browser.get("/portal/").content.decode()
    assert "UTC+10" in html and "МСК" not in html.split("<main", 1)[1].split("</main>", 1)[0]
