"""Who a signed-in request is (issue 15): the line's backend reads the user by a statement
compiled once, with Django's rules — and sessions signed in before it stay valid."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.signals import user_login_failed
from django.test import Client

from supportline.accounts.models import User
from supportline.core.demo import load_demo

pytestmark = pytest.mark.django_db

LINE = "supportline.accounts.backends.LineBackend"
DJANGO = "django.contrib.auth.backends.ModelBackend"


def test_a_sign_in_is_the_line_backends_and_its_pages_know_the_user() -> None:
    load_demo()
    browser = Client()
    signed = browser.post(
        "/accounts/login/", {"username": "consultant1", "password": "consultant-demo"}
    )
    assert signed.status_code == 302, signed.content.decode()[:300]
    assert browser.session[BACKEND_SESSION_KEY] == LINE
    page = browser.get("/desk/")
    assert page.status_code == 200
    assert page.context["user"].username == "consultant1"


@pytest.mark.parametrize("backend", [LINE, DJANGO])
def test_a_deactivated_or_changed_user_is_signed_out_whichever_backend_signed_in(
    backend: str,
) -> None:
    load_demo()
    user = User.objects.get(username="consultant1")
    browser = Client()
    browser.force_login(user, backend=backend)  # DJANGO: a session from before the change
    assert browser.get("/desk/").status_code == 200
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert browser.get("/desk/").status_code == 302  # to the sign-in page
    user.is_active = True
    user.save(update_fields=["is_active"])
    browser.force_login(user, backend=backend)
    user.set_password("другой-пароль-2026")  # the session's hash no longer matches
    user.save(update_fields=["password"])
    assert browser.get("/desk/").status_code == 302


@pytest.mark.parametrize(
    ("username", "password", "why"),
    [
        ("consultant1", "x", "a wrong password"),
        ("nobody", "x", "an unknown user (Django hashes a dummy password once)"),
        ("consultant1", "consultant-demo", "an inactive user with the right password"),
    ],
)
def test_a_refused_sign_in_is_hashed_once_and_reported_once(
    monkeypatch: Any, username: str, password: str, why: str
) -> None:
    """Two backends are listed; the second must not hash a refused password again."""
    load_demo()
    if why.startswith("an inactive"):
        User.objects.filter(username=username).update(is_active=False)
    checks = []
    hashes = []
    original, original_set = User.check_password, User.set_password

    def counted(self: User, raw: str) -> bool:
        checks.append(raw)
        return original(self, raw)

    def counted_set(self: User, raw: str | None) -> None:
        hashes.append(raw)
        original_set(self, raw)

    monkeypatch.setattr(User, "check_password", counted)
    monkeypatch.setattr(User, "set_password", counted_set)
    failures: list[dict[str, Any]] = []

    def failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
        failures.append(credentials)

    user_login_failed.connect(failed)
    try:
        refused = Client().post("/accounts/login/", {"username": username, "password": password})
    finally:
        user_login_failed.disconnect(failed)
    assert refused.status_code == 200
    assert "Неверное имя пользователя или пароль" in refused.content.decode()
    assert len(checks + hashes) == 1, why
    assert len(failures) == 1


def test_the_async_sign_in_refuses_once_too(monkeypatch: Any) -> None:
    from asgiref.sync import async_to_sync
    from django.contrib.auth import aauthenticate

    load_demo()
    checks = []
    original = User.acheck_password

    async def counted(self: User, raw: str) -> bool:
        checks.append(raw)
        return await original(self, raw)

    monkeypatch.setattr(User, "acheck_password", counted)
    assert async_to_sync(aauthenticate)(None, username="consultant1", password="x") is None
    assert checks == ["x"]
    user = async_to_sync(aauthenticate)(None, username="consultant1", password="consultant-demo")
    assert user is not None and user.backend == LINE
