"""The channel is off unless USE_CONNECT is set; when on, it fails fast without its settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from supportline.connect.config import REQUIRED, connect_settings

FULL = {
    "CONNECT_API_URL": "https://push.1c-connect.com/",
    "CONNECT_API_USER": "user",
    "CONNECT_API_PASSWORD": "secret",
    "CONNECT_WEBHOOK_TOKEN": "token",
    "CONNECT_LINE_ID": "5f0ddfd1-6d9c-4e25-9bca-c7ff0fd83c44",
}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (*REQUIRED, "USE_CONNECT", "CONNECT_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_FILE", raising=False)
    return monkeypatch


def test_off_unless_use_connect_is_set(env: pytest.MonkeyPatch) -> None:
    assert connect_settings() is None
    env.setenv("USE_CONNECT", "0")
    assert connect_settings() is None


def test_on_with_everything_set(env: pytest.MonkeyPatch) -> None:
    env.setenv("USE_CONNECT", "1")
    for name, value in FULL.items():
        env.setenv(name, value)
    conf = connect_settings()
    assert conf is not None
    assert conf.api_url == "https://push.1c-connect.com"
    assert conf.timeout == 10


def test_fails_fast_naming_every_missing_variable(env: pytest.MonkeyPatch) -> None:
    env.setenv("USE_CONNECT", "yes")
    env.setenv("CONNECT_API_URL", FULL["CONNECT_API_URL"])
    with pytest.raises(ImproperlyConfigured) as caught:
        connect_settings()
    message = str(caught.value)
    for name in REQUIRED[1:]:
        assert name in message
    assert "CONNECT_API_URL" not in message.split(":", 1)[1].split("(")[0]
    # The application refuses to start the same way.
    with pytest.raises(ImproperlyConfigured):
        apps.get_app_config("connect").ready()


def test_secrets_may_come_from_files(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env.setenv("USE_CONNECT", "1")
    for name, value in FULL.items():
        env.setenv(name, value)
    secret = tmp_path / "password"
    secret.write_text("from-file\n", encoding="utf-8")
    env.delenv("CONNECT_API_PASSWORD")
    env.setenv("CONNECT_API_PASSWORD_FILE", str(secret))
    conf = connect_settings()
    assert conf is not None and conf.password == "from-file"


def test_a_malformed_flag_or_url_is_an_error(env: pytest.MonkeyPatch) -> None:
    env.setenv("USE_CONNECT", "maybe")
    with pytest.raises(ImproperlyConfigured, match="USE_CONNECT"):
        connect_settings()
    env.setenv("USE_CONNECT", "1")
    for name, value in FULL.items():
        env.setenv(name, value)
    env.setenv("CONNECT_API_URL", "push.1c-connect.com")
    with pytest.raises(ImproperlyConfigured, match="CONNECT_API_URL"):
        connect_settings()
