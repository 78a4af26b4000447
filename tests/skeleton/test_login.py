"""Sign-in refuses guessing: five wrong passwords lock that user name from that address."""

from __future__ import annotations

import pytest
from django.test import Client

from supportline.core.demo import load_demo

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/accounts/login/", "/admin/login/"])
def test_five_wrong_passwords_lock_the_sign_in(path: str) -> None:
    load_demo()
    browser = Client()
    for _ in range(5):
        page = browser.post(path, {"username": "admin", "password": "wrong"})
        assert page.status_code == 200
    locked = browser.post(path, {"username": "admin", "password": "admin-demo"})
    assert locked.status_code == 200
    assert "Слишком много неудачных попыток входа" in locked.content.decode()
    # Another user name is not affected.
    ok = Client().post("/accounts/login/", {"username": "client", "password": "client-demo"})
    assert ok.status_code == 302


def test_a_success_clears_the_count() -> None:
    load_demo()
    browser = Client()
    for _ in range(4):
        browser.post("/accounts/login/", {"username": "client", "password": "wrong"})
    assert (
        browser.post(
            "/accounts/login/", {"username": "client", "password": "client-demo"}
        ).status_code
        == 302
    )
    browser.logout()
    for _ in range(4):
        browser.post("/accounts/login/", {"username": "client", "password": "wrong"})
    assert (
        browser.post(
            "/accounts/login/", {"username": "client", "password": "client-demo"}
        ).status_code
        == 302
    )
