"""API tokens: expiry, listing and revocation (admin, command), revoked by a password change,
and a limit on unknown tokens per client address (issue 12 §5)."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
import time_machine
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.test import Client

from supportline.accounts.models import User
from supportline.api.auth import TOKEN_FAILURES
from supportline.api.models import ApiToken, hash_token
from tests.tickets.conftest import Api, Line

pytestmark = pytest.mark.django_db


def call(token: str, *, address: str = "127.0.0.1") -> Any:
    return Client().get(
        "/api/v1/notifications", HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR=address
    )


def command(*args: str) -> str:
    out = io.StringIO()
    call_command("token", *args, stdout=out)
    return out.getvalue()


def test_an_expired_token_answers_401_saying_it_expired(line: Line) -> None:
    _, raw = ApiToken.issue(
        line.client.user, expires_at=dt.datetime(2026, 11, 24, 6, 0, tzinfo=dt.UTC)
    )
    response = call(raw)
    assert response.status_code == 401
    assert response.json()["detail"].startswith("Срок действия токена истёк 24.11.2026 09:00 МСК")


def test_token_command_issues_a_token_that_expires_after_the_given_days(
    line: Line, clock: time_machine.Coordinates
) -> None:
    raw = command("client", "--days", "2").strip()
    token = ApiToken.objects.get(key_hash=hash_token(raw))
    assert token.expires_at is not None
    assert token.expires_at - token.created_at == dt.timedelta(days=2)
    assert call(raw).status_code == 200
    clock.shift(dt.timedelta(days=2, seconds=1))
    assert call(raw).status_code == 401
    # Without --days a token does not expire.
    assert ApiToken.objects.get(key_hash=hash_token(line.client.token)).expires_at is None


def test_token_command_lists_a_users_tokens_without_secrets_and_revokes_one(line: Line) -> None:
    raw = command("client", "--name", "интеграция 1С").strip()
    token = ApiToken.objects.get(key_hash=hash_token(raw))
    listing = command("--list", "client")
    assert "интеграция 1С" in listing and "действует" in listing
    assert re.search(rf"^{token.pk}\t", listing, re.MULTILINE)
    assert raw not in listing and token.key_hash not in listing
    assert f"Токен {token.pk} (client) отозван" in command("--revoke", str(token.pk))
    response = call(raw)
    assert response.status_code == 401
    assert response.json()["detail"].startswith("Токен отозван")
    assert "отозван" in command("--list", "client")
    assert call(line.client.token).status_code == 200  # the user's other token still works


def test_admin_lists_tokens_without_the_secret_and_revokes_them(line: Line) -> None:
    admin = Client()
    admin.force_login(User.objects.get(username="admin"))
    token = ApiToken.objects.get(key_hash=hash_token(line.client.token))
    ApiToken.objects.filter(pk=token.pk).update(name="портал партнёра")
    listing = admin.get("/admin/api/apitoken/")
    html = listing.content.decode()
    assert listing.status_code == 200
    assert "портал партнёра" in html and "client" in html
    for column in ("Выпущен", "Последнее использование", "Действует до", "Отозван"):
        assert column in html
    page = admin.get(f"/admin/api/apitoken/{token.pk}/change/").content.decode()
    for secret in (line.client.token, token.key_hash):
        assert secret not in html and secret not in page
    assert admin.get("/admin/api/apitoken/add/").status_code == 403  # issued by the command
    done = admin.post(
        "/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    assert "Отозван 1 токен" in done.content.decode()
    assert call(line.client.token).status_code == 401
    assert call(line.consultant.token).status_code == 200


def test_changing_the_password_on_its_page_revokes_the_users_tokens(line: Line) -> None:
    browser = Client()
    assert browser.login(username="client", password="client-demo")
    changed = browser.post(
        "/accounts/password_change/",
        {
            "old_password": "client-demo",
            "new_password1": "Ромашка-2026-весна",
            "new_password2": "Ромашка-2026-весна",
        },
    )
    assert changed.status_code == 302
    response = call(line.client.token)
    assert response.status_code == 401 and response.json()["detail"].startswith("Токен отозван")
    assert ApiToken.objects.get(key_hash=hash_token(line.client.token)).revoked_reason == (
        "смена пароля"
    )
    assert call(line.client_b.token).status_code == 200  # nobody else's


def test_the_admin_setting_a_password_revokes_the_users_tokens(line: Line) -> None:
    admin = Client()
    admin.force_login(User.objects.get(username="admin"))
    user = line.client.user
    response = admin.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": "Ромашка-2026-весна", "password2": "Ромашка-2026-весна"},
    )
    assert response.status_code == 302
    assert call(line.client.token).status_code == 401


def test_a_hash_upgrade_at_sign_in_is_not_a_password_change(line: Line, settings: Any) -> None:
    """Django re-hashes a password with the preferred hasher when its user signs in: the
    password is the same, the tokens stay valid."""
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    User.objects.filter(pk=line.client.user.pk).update(
        password=make_password("client-demo", hasher="pbkdf2_sha256")
    )
    assert Client().login(username="client", password="client-demo")
    assert User.objects.get(pk=line.client.user.pk).password.startswith("md5$")  # upgraded
    assert call(line.client.token).status_code == 200


def test_making_the_password_unusable_revokes_the_tokens(line: Line) -> None:
    user = User.objects.get(pk=line.client.user.pk)
    user.set_unusable_password()
    user.save()
    assert call(line.client.token).status_code == 401


def test_unknown_tokens_from_one_address_are_refused_with_429_and_retry_after(
    line: Line,
) -> None:
    for n in range(TOKEN_FAILURES.attempts):
        assert call(f"sl_guess{n}", address="203.0.113.9").status_code == 401
    refused = call(line.client.token, address="203.0.113.9")  # even a valid one now
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= TOKEN_FAILURES.window
    assert refused.json()["detail"].startswith("Слишком много попыток с неверным токеном")
    # Another address is not affected.
    assert call(line.client.token, address="203.0.113.10").status_code == 200


def test_expired_and_revoked_tokens_are_not_counted_as_guesses(line: Line) -> None:
    token, raw = ApiToken.issue(line.client.user)
    ApiToken.objects.filter(pk=token.pk).revoke(reason="тест")
    for _ in range(TOKEN_FAILURES.attempts + 1):
        assert call(raw, address="203.0.113.11").status_code == 401
    assert call(line.client.token, address="203.0.113.11").status_code == 200


def test_api_tokens_behind_a_trusted_proxy_count_per_forwarded_client(
    line: Line, settings: Any
) -> None:
    import ipaddress

    settings.TRUSTED_PROXIES = [ipaddress.ip_network("127.0.0.1/32")]
    client = Client()
    for n in range(TOKEN_FAILURES.attempts):
        client.get(
            "/api/v1/notifications",
            HTTP_AUTHORIZATION=f"Bearer sl_guess{n}",
            HTTP_X_FORWARDED_FOR="198.51.100.20",
        )
    blocked = client.get(
        "/api/v1/notifications",
        HTTP_AUTHORIZATION=f"Bearer {line.client.token}",
        HTTP_X_FORWARDED_FOR="198.51.100.20",
    )
    assert blocked.status_code == 429
    other: Api = line.client
    assert (
        client.get(
            "/api/v1/notifications",
            HTTP_AUTHORIZATION=f"Bearer {other.token}",
            HTTP_X_FORWARDED_FOR="198.51.100.21",
        ).status_code
        == 200
    )
