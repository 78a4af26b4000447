"""Sign-in refuses guessing: five wrong passwords lock that user name from that address."""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

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


@pytest.mark.parametrize("variant", ["ｃlient2", "CLIENT2", "Client2", "ｃｌｉｅｎｔ２"])
def test_unicode_and_case_variants_of_a_user_name_count_against_that_user(variant: str) -> None:
    """«ｃlient2» (a fullwidth letter) and «CLIENT2» are client2 for the limit, as for Django."""
    load_demo()
    browser = Client()
    for _ in range(3):
        browser.post("/accounts/login/", {"username": "client2", "password": "wrong"})
    for _ in range(2):
        browser.post("/accounts/login/", {"username": variant, "password": "wrong"})
    locked = browser.post("/accounts/login/", {"username": "client2", "password": "client2-demo"})
    assert locked.status_code == 200
    assert "Слишком много неудачных попыток входа" in locked.content.decode()


def _five_failures(client: Client, **extra: str) -> None:
    for _ in range(5):
        client.post("/accounts/login/", {"username": "client", "password": "wrong"}, **extra)


def _signs_in(client: Client, **extra: str) -> bool:
    page = client.post(
        "/accounts/login/", {"username": "client", "password": "client-demo"}, **extra
    )
    return page.status_code == 302


def test_behind_a_trusted_proxy_the_limit_counts_per_forwarded_client(settings: Any) -> None:
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
    load_demo()
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    _five_failures(Client(), HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    # The same client behind the proxy is locked out…
    assert not _signs_in(Client(), HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    # …another client behind the same proxy is not (the proxy's address is not the key).
    assert _signs_in(Client(), HTTP_X_FORWARDED_FOR="198.51.100.9", **proxy)


def test_a_client_cannot_escape_the_limit_by_forging_x_forwarded_for(settings: Any) -> None:
    settings.TRUSTED_PROXIES = [ipaddress.ip_network("10.0.0.0/8")]
    load_demo()
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    # The proxy appends what it saw; what the client wrote is to the left of it.
    _five_failures(Client(), HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7", **proxy)
    assert not _signs_in(Client(), HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.7", **proxy)
    # A direct request (not from a trusted proxy) has its X-Forwarded-For ignored.
    direct = {"REMOTE_ADDR": "192.0.2.1"}
    _five_failures(Client(), HTTP_X_FORWARDED_FOR="5.5.5.5", **direct)
    assert not _signs_in(Client(), HTTP_X_FORWARDED_FOR="6.6.6.6", **direct)


def test_failures_counted_by_another_process_lock_this_one(settings: Any, tmp_path: Path) -> None:
    """The counts live in Django's default cache: with a cache that processes share (here a
    file cache; Redis in production), failures counted elsewhere lock the sign-in here."""
    cache = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(tmp_path / "cache"),
    }
    settings.CACHES = {"default": cache}
    load_demo()
    script = (
        "import django, json, sys\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "settings.CACHES = {'default': json.loads(sys.argv[1])}\n"
        "from supportline.accounts.forms import SIGN_IN, username_key\n"
        "for _ in range(5): SIGN_IN.hit('203.0.113.5', username_key('ＣＬＩＥＮＴ'))\n"
    )
    subprocess.run(
        [sys.executable, "-c", script, json.dumps(cache)],
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "supportline.test_settings"},
        timeout=60,
    )
    assert not _signs_in(Client(), REMOTE_ADDR="203.0.113.5")
    assert _signs_in(Client(), REMOTE_ADDR="203.0.113.6")
