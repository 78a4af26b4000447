"""The README's production commands on PostgreSQL with DEBUG off, in an empty database of their
own: `supportline upgrade`, the demo refused (and forced), `supportline web` serving styled
pages. Runs in make test's PostgreSQL pass (DATABASE_URL names the server)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.production.conftest import (
    HTTPS,
    STRONG_KEY,
    Browser,
    assert_styled,
    cleanup,
    environment,
    free_port,
    run,
    sign_in,
    start,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def empty_database() -> Iterator[str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("the production path on PostgreSQL runs in make test's PostgreSQL pass")
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/')}_production_{uuid.uuid4().hex[:8]}"
    server = urlunsplit(parts._replace(scheme="postgresql"))
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_production_commands_on_postgresql(empty_database: str, tmp_path: Path) -> None:
    env = environment(tmp_path, SECRET_KEY=STRONG_KEY, DATABASE_URL=empty_database, **HTTPS)
    upgraded = run(["upgrade"], env)
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    assert "Applying tickets.0001_initial... OK" in upgraded.stdout

    refused = run(["demo"], env)
    assert refused.returncode == 1
    assert "база PostgreSQL при выключенном DEBUG" in refused.stderr
    forced = run(["demo", "--force"], env)
    assert forced.returncode == 0, forced.stderr

    port = free_port()
    web = start(
        ["web"],
        {**env, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2"},
        tmp_path / "web.log",
        port,
    )
    try:
        browser = Browser(port)
        sign_in(browser, "consultant1", "consultant-demo")
        assert_styled(browser, "/desk/", "supportline/desk.")
        health = browser.get("/api/v1/health")
        assert health.status == 200
        assert b'"postgresql"' in health.body
    finally:
        cleanup(web)
