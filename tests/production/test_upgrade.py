"""`supportline upgrade`: key check, `check --deploy`, migrate, collectstatic — and nothing at
all when the installation is not fit to run a line."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from supportline.core.production import secret_key_problem
from tests.production.conftest import HTTPS, STRONG_KEY, environment, run


def _tables(db: Path) -> set[str]:
    if not db.exists():
        return set()
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}


def test_upgrade_migrates_and_collects_hashed_compressed_static_files(installed: Path) -> None:
    assert {"tickets_ticket", "jobs_job", "django_migrations"} <= _tables(
        installed / "supportline.sqlite3"
    )
    manifest = json.loads((installed / "static" / "staticfiles.json").read_text())["paths"]
    for name in ("supportline/site.css", "supportline/htmx.min.js", "ninja/swagger-ui.css"):
        hashed = installed / "static" / manifest[name]
        assert hashed.is_file() and hashed.name != Path(name).name
        assert hashed.with_name(hashed.name + ".gz").is_file()


def test_upgrade_again_changes_nothing_and_succeeds(installed: Path) -> None:
    env = environment(installed, SECRET_KEY=STRONG_KEY, **HTTPS)
    result = run(["upgrade"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No migrations to apply" in result.stdout
    assert "0 static files copied" in result.stdout
    # HSTS preloading is not asked for (HTTPS leaves SECURE_HSTS_PRELOAD unset), though plain
    # `check --deploy` counts it: entering the domain into the browsers' preload list is the
    # domain owner's decision.
    plain = run(["check", "--deploy", "--fail-level", "WARNING"], env)
    assert plain.returncode == 1
    assert "security.W021" in plain.stderr + plain.stdout
    assert "security.W021" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    "key,message",
    [
        ("k" * 49, "SECRET_KEY слишком короткий: 49 символов, нужно не меньше 50"),
        ("abcd" * 20, "из слишком малого числа разных символов (4)"),
        ("django-insecure-" + "q1w2e3r4t5y6" * 5, "ключ для разработки"),
    ],
)
def test_upgrade_refuses_a_weak_secret_key_before_touching_anything(
    tmp_path: Path, key: str, message: str
) -> None:
    result = run(["upgrade"], environment(tmp_path, SECRET_KEY=key, **HTTPS))
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert _tables(tmp_path / "supportline.sqlite3") == set()
    assert not (tmp_path / "static").exists()


def test_upgrade_refuses_debug_on(tmp_path: Path) -> None:
    result = run(["upgrade"], environment(tmp_path, SECRET_KEY=STRONG_KEY, DEBUG="1", **HTTPS))
    assert result.returncode == 1
    assert "Обновление остановлено до изменения базы" in result.stderr
    assert "security.W018" in result.stderr
    assert _tables(tmp_path / "supportline.sqlite3") == set()


def test_upgrade_requires_https_settings_unless_told_the_line_is_plain_http(
    tmp_path: Path,
) -> None:
    env = environment(tmp_path, SECRET_KEY=STRONG_KEY)
    refused = run(["upgrade"], env)
    assert refused.returncode == 1
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in refused.stderr
    assert _tables(tmp_path / "supportline.sqlite3") == set()

    allowed = run(["upgrade", "--allow-http"], env)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert "--allow-http" in allowed.stderr
    assert "tickets_ticket" in _tables(tmp_path / "supportline.sqlite3")
    assert (tmp_path / "static" / "staticfiles.json").is_file()


@pytest.mark.parametrize(
    "key,ok",
    [
        (STRONG_KEY, True),
        ("x" * 49 + "y", False),  # 50 long, 2 different characters
        ("abcde" * 10, True),  # 50 long, 5 different characters: Django's own threshold
        ("insecure-development-key-not-for-production" + "z" * 20, False),
    ],
)
def test_secret_key_rule(key: str, ok: bool) -> None:
    assert (secret_key_problem(key) is None) is ok
