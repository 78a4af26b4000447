"""Structured logs (issue 11 §4): time, level, logger and the request or job id on every line;
LOG_FORMAT=json for one JSON object per line; Sentry only with SENTRY_DSN."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

from supportline.jobs.core import HANDLERS, enqueue, handler
from supportline.ops.logs import ContextFilter, JsonFormatter, TextFormatter
from tests.ops.conftest import base_env, run_python


@pytest.fixture
def lines() -> Iterator[io.StringIO]:
    """What the configured console handler writes (JSON), for this test."""
    stream = io.StringIO()
    capture = logging.StreamHandler(stream)
    capture.addFilter(ContextFilter())
    capture.setFormatter(JsonFormatter())
    # The root logger, and Django's, which writes to the console handler without propagating.
    loggers = [logging.getLogger(), logging.getLogger("django")]
    for logger in loggers:
        logger.addHandler(capture)
    try:
        yield stream
    finally:
        for logger in loggers:
            logger.removeHandler(capture)


def _records(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.django_db
def test_every_response_carries_a_request_id() -> None:
    made = Client().get("/api/v1/health")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert Client().get("/api/v1/health")["X-Request-ID"] != made
    given = "3f2a9c1e-5b7d-4e8a-9c0f-1a2b3c4d5e6f"
    assert Client().get("/api/v1/health", HTTP_X_REQUEST_ID=given)["X-Request-ID"] == given


@pytest.mark.parametrize("bad", ["short", "with spaces in it", "x" * 300, "id\r\nSet-Cookie: a"])
@pytest.mark.django_db
def test_an_insane_incoming_request_id_is_replaced(bad: str) -> None:
    echoed = Client().get("/api/v1/health", HTTP_X_REQUEST_ID=bad)["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", echoed)


@pytest.mark.django_db
def test_a_line_logged_during_a_request_carries_its_id(lines: io.StringIO, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    broken = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "a-file" / "media")},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=broken):
        response = Client().get("/api/v1/ready", HTTP_X_REQUEST_ID="req-from-nginx-42")
    assert response.status_code == 503
    (probe,) = [r for r in _records(lines) if "storage probe failed" in r["message"]]
    assert probe["request_id"] == "req-from-nginx-42"
    assert probe["level"] == "WARNING" and probe["logger"] == "supportline.ops.ready"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", probe["time"])


@pytest.mark.django_db(transaction=True)
def test_a_line_logged_by_a_job_carries_the_job_id(lines: io.StringIO) -> None:
    @handler("test.logs")
    def logs(payload: dict[str, Any]) -> None:
        logging.getLogger("supportline.test").info("working on %s", payload["n"])

    try:
        job = enqueue("test.logs", {"n": 7})
        assert job is not None
        call_command("worker", "--once", "--no-periodic")
    finally:
        HANDLERS.pop("test.logs", None)
    records = _records(lines)
    (working,) = [r for r in records if r["message"] == "working on 7"]
    assert working["job_id"] == f"test.logs#{job.pk}"
    assert "request_id" not in working
    done = [r for r in records if r["message"].startswith(f"job test.logs #{job.pk} done")]
    assert done and done[0]["job_id"] == f"test.logs#{job.pk}"


def test_plain_text_lines_have_time_level_logger_and_context() -> None:
    record = logging.LogRecord("supportline.x", logging.INFO, __file__, 1, "hello", (), None)
    ContextFilter().filter(record)
    line = TextFormatter().format(record)
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO supportline\.x \[-\] hello", line
    ), line


LOG = (
    "import django, logging; django.setup()\n"
    "from supportline.ops import logs\n"
    "logs.request_id.set('abc123def456')\n"
    "logging.getLogger('supportline.demo').warning('привет %s', 1)\n"
)


def _run(tmp_path: Path, **env: str) -> Any:
    return run_python(
        LOG,
        base_env(
            SUPPORTLINE_TESTING="1",
            DJANGO_SETTINGS_MODULE="supportline.settings",
            SUPPORTLINE_DATA_DIR=str(tmp_path),
            **env,
        ),
    )


def test_log_format_json_writes_one_object_per_line(tmp_path: Path) -> None:
    result = _run(tmp_path, LOG_FORMAT="json")
    assert result.returncode == 0, result.stderr
    (line,) = [json.loads(x) for x in result.stderr.splitlines()]
    assert line["message"] == "привет 1"
    assert line["request_id"] == "abc123def456"
    assert (line["level"], line["logger"]) == ("WARNING", "supportline.demo")
    text = _run(tmp_path)
    assert text.stderr.strip().endswith("WARNING supportline.demo [req=abc123def456] привет 1")


def test_an_unknown_log_format_is_refused(tmp_path: Path) -> None:
    result = _run(tmp_path, LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "LOG_FORMAT='xml' is not one of: text, json" in result.stderr


SENTRY = (
    "import sys, django; django.setup()\n"
    "from django.conf import settings\n"
    "print(settings.SENTRY_ENABLED, 'sentry_sdk' in sys.modules)\n"
    "if settings.SENTRY_ENABLED:\n"
    "    import sentry_sdk\n"
    "    client = sentry_sdk.get_client()\n"
    "    print(client.is_active(), client.options['send_default_pii'],\n"
    "          [i for i in client.integrations if i == 'django'])\n"
)


def test_sentry_only_with_a_dsn(tmp_path: Path) -> None:
    env = base_env(
        SUPPORTLINE_TESTING="1",
        DJANGO_SETTINGS_MODULE="supportline.settings",
        SUPPORTLINE_DATA_DIR=str(tmp_path),
    )
    env.pop("SENTRY_DSN", None)
    off = run_python(SENTRY, env)
    assert off.stdout.split() == ["False", "False"], off.stderr
    # A DSN on loopback where nothing listens: nothing leaves the machine.
    on = run_python(SENTRY, {**env, "SENTRY_DSN": "http://public@127.0.0.1:9/1"})
    assert on.returncode == 0, on.stderr
    assert on.stdout.split("\n")[0] == "True True"
    assert on.stdout.split("\n")[1] == "True False ['django']"


@pytest.mark.django_db
def test_djangos_not_found_line_carries_the_request_id(lines: io.StringIO) -> None:
    response = Client().get("/no/such/page/", HTTP_X_REQUEST_ID="req-not-found-7")
    assert response.status_code == 404
    (line,) = [r for r in _records(lines) if r["logger"] == "django.request"]
    assert line["message"] == "Not Found: /no/such/page/"
    assert line["request_id"] == "req-not-found-7"
