"""Settings are read strictly: a malformed value stops the start with a clear message."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from supportline.lib.env import envbool, envint, parse_database_url

# Ours, and one the browser tests set for Playwright's event loop (never in deployment).
_OURS = {
    "DEBUG",
    "SECRET_KEY",
    "DATABASE_URL",
    "SUPPORTLINE_TESTING",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _OURS}


def _start(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Import the production settings in a fresh interpreter with exactly this environment."""
    base = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "DATABASE_URL",
            "SUPPORTLINE_TESTING",
            "DJANGO_SETTINGS_MODULE",
        }
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import supportline.settings as s; print(s.DATABASES['default']['ENGINE'])",
        ],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_secret_key_required_when_debug_off() -> None:
    result = _start({"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY is required" in result.stderr


def test_malformed_boolean_is_refused() -> None:
    result = _start({"DEBUG": "maybe", "SECRET_KEY": "x" * 40})
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_sqlite_is_the_default(tmp_path: object) -> None:
    result = _start({"SECRET_KEY": "x" * 40, "SUPPORTLINE_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.sqlite3"


def test_database_url_selects_postgresql() -> None:
    result = _start({"SECRET_KEY": "x" * 40, "DATABASE_URL": "postgres://u:p@db.example:5433/line"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_secret_key_from_file(tmp_path: object) -> None:
    from pathlib import Path

    key = Path(str(tmp_path)) / "key"
    key.write_text("from-a-file-" + "k" * 40)
    script = "import supportline.settings as s; print(s.SECRET_KEY)"
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL", "SUPPORTLINE_TESTING"}
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**base, "SECRET_KEY_FILE": str(key)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().startswith("from-a-file-")


def test_time_and_language_settings() -> None:
    from django.conf import settings

    assert settings.TIME_ZONE == "UTC"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "ru"
    assert ("en", "English") in settings.LANGUAGES
    assert settings.AUTH_USER_MODEL == "accounts.User"


@pytest.mark.parametrize("raw,expected", [("1", True), ("yes", True), ("Off", False), ("", False)])
def test_envbool_accepts(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("X_FLAG", raw)
    assert envbool("X_FLAG", default=not expected) is expected


def test_envint_refuses_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_NUM", "ten")
    with pytest.raises(ImproperlyConfigured, match="X_NUM='ten' is not an integer"):
        envint("X_NUM", default=1)


@pytest.mark.parametrize(
    "url,message",
    [
        ("mysql://u@h/db", "scheme 'mysql' is not supported"),
        ("postgres://u@h/", "no database name"),
        ("postgres://u@h:notaport/db", "invalid port"),
        ("postgres://u@h/db?prepare_threshold=soon", "prepare_threshold='soon'"),
    ],
)
def test_bad_database_urls(url: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        parse_database_url(url)


def test_database_url_parts() -> None:
    db = parse_database_url("postgres://line%40user:p%2Fw@db.example:5433/support?sslmode=require")
    assert db["USER"] == "line@user"
    assert db["PASSWORD"] == "p/w"
    assert db["HOST"] == "db.example"
    assert db["PORT"] == "5433"
    assert db["OPTIONS"] == {"sslmode": "require", "prepare_threshold": 0}


@pytest.mark.parametrize(
    "query,threshold", [("", 0), ("?prepare_threshold=5", 5), ("?prepare_threshold=off", None)]
)
def test_database_url_prepared_statements(query: str, threshold: int | None) -> None:
    """The compiled hot-path statements are prepared at once unless the URL says otherwise
    (`off` for a pooler that cannot keep them); psycopg gets a number or None."""
    db = parse_database_url(f"postgres://u@h/db{query}")
    assert db["OPTIONS"]["prepare_threshold"] == threshold


def test_production_settings_pass_djangos_deploy_checks(tmp_path: object) -> None:
    """With the HTTPS settings of .env.example filled in, `check --deploy` finds nothing."""
    exe = str(Path(sys.executable).with_name("supportline"))
    env = {
        **_clean_env(),
        "SECRET_KEY": "k" * 20 + "Zx9!Qw2#Er4$Ty6^Ui8&Op0*As1@Df3%",
        "SECURE_COOKIES": "1",
        "SECURE_SSL_REDIRECT": "1",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_PRELOAD": "1",
        "USE_X_FORWARDED_PROTO": "1",
        "ALLOWED_HOSTS": "support.example.ru",
        "SUPPORTLINE_DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [exe, "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
