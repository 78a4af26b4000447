"""Real servers for the operations tests: the Redis on 127.0.0.1:6379 (database 3, a key
prefix per test) and moto's S3 server on a free loopback port (a subprocess speaking HTTP).
Without Redis the cache tests skip — unless CI is set: then they fail.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from supportline.jobs.core import discover
from tests.mail.conftest import smtp  # noqa: F401 - the real SMTP server fixture, reused
from tests.tickets.conftest import clock, line  # noqa: F401 - the demo line's personas

ROOT = Path(__file__).resolve().parents[2]
REDIS_DB = 3  # this suite's own Redis database; never 0


@pytest.fixture(autouse=True)
def _handlers() -> None:
    from supportline.jobs import heartbeat

    discover()
    # The suite empties the database between tests; a worker's memory of its last beat must go
    # with it (in production the row and the memory live as long as each other).
    heartbeat._last_beat.clear()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} — CI must run this test", pytrace=False)
    pytest.skip(reason)


def base_env(**extra: str) -> dict[str, str]:
    """The environment of a `supportline` subprocess: this one, less what selects settings."""
    drop = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CACHE_URL", "STORAGE_BACKEND"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("S3_")}
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in [str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")] if p
    )
    env.update(extra)
    return env


def run_python(code: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_module(tmp: Path, database: dict[str, Any]) -> dict[str, str]:
    """A settings module for a subprocess: the production settings on the test's database
    (the test database is not reachable through DATABASE_URL on SQLite)."""
    (tmp / "sub_settings.py").write_text(
        "import json, os\n"
        "from supportline.settings import *  # noqa\n"
        "DATABASES = {'default': json.loads(os.environ['SUB_DATABASE'])}\n",
        encoding="utf-8",
    )
    keys = ["ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS"]
    return {
        "DJANGO_SETTINGS_MODULE": "sub_settings",
        "SUB_DATABASE": json.dumps({k: database[k] for k in keys if k in database}, default=str),
        "PYTHONPATH": str(tmp),
    }


# ---------------------------------------------------------------- Redis


@dataclass
class Redis:
    url: str
    prefix: str

    def client(self) -> Any:
        import redis

        return redis.Redis.from_url(self.url)

    def caches(self) -> dict[str, Any]:
        """CACHES as settings.py builds them from CACHE_URL and CACHE_KEY_PREFIX."""
        from supportline.ops.config import cache_settings

        old = {k: os.environ.get(k) for k in ("CACHE_URL", "CACHE_KEY_PREFIX")}
        os.environ["CACHE_URL"], os.environ["CACHE_KEY_PREFIX"] = self.url, self.prefix
        try:
            return cache_settings()
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def env(self) -> dict[str, str]:
        return {"CACHE_URL": self.url, "CACHE_KEY_PREFIX": self.prefix}


@pytest.fixture
def redis_cache() -> Iterator[Redis]:
    import redis

    url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        unavailable(f"Redis is not reachable at {url}: {exc}")
    server = Redis(url, f"test-{uuid.uuid4().hex[:12]}")
    try:
        yield server
    finally:
        client = server.client()
        keys = list(client.scan_iter(f"{server.prefix}:*"))
        if keys:
            client.delete(*keys)


# ---------------------------------------------------------------- S3 (moto's server mode)


@dataclass
class S3Server:
    endpoint: str
    bucket: str
    access_key: str = "test-access-key"
    secret_key: str = "test-secret-key"

    def env(self) -> dict[str, str]:
        return {
            "STORAGE_BACKEND": "s3",
            "S3_ENDPOINT_URL": self.endpoint,
            "S3_BUCKET": self.bucket,
            "S3_ACCESS_KEY_ID": self.access_key,
            "S3_SECRET_ACCESS_KEY": self.secret_key,
            "S3_REGION": "us-east-1",
        }

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            region_name="us-east-1",
        )

    def keys(self) -> list[str]:
        listing = self.client().list_objects_v2(Bucket=self.bucket)
        return sorted(o["Key"] for o in listing.get("Contents", []))

    def storages(self) -> dict[str, Any]:
        """STORAGES as settings.py builds them from these variables."""
        from supportline.ops.config import storage_settings

        old = {k: os.environ.get(k) for k in self.env()}
        os.environ.update(self.env())
        try:
            default = storage_settings()
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
        return {
            "default": default,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's S3 server (`python -m moto.server`) on 127.0.0.1 and a free port."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("moto") / "moto.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    up = False
    while time.monotonic() < deadline and process.poll() is None and not up:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            up = True
        except OSError:
            time.sleep(0.1)
    try:
        if not up:
            process.kill()
            process.wait(10)
            pytest.fail(f"moto's S3 server did not start: {log_path.read_text()[-800:]}")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def s3(s3_endpoint: str) -> S3Server:
    """A new, empty bucket on the S3 server."""
    server = S3Server(s3_endpoint, f"supportline-{uuid.uuid4().hex[:12]}")
    server.client().create_bucket(Bucket=server.bucket)
    return server
