"""/api/v1/ready (issue 11 §4): the database, the attachment storage and the workers; 503
naming what is down. /api/v1/health stays a liveness check."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone

from supportline.jobs.core import enqueue, worker_id
from supportline.jobs.heartbeat import beat
from supportline.jobs.models import Job, WorkerHeartbeat
from tests.ops.conftest import S3Server, base_env, free_port, run_python

pytestmark = pytest.mark.django_db


def _ready() -> tuple[int, dict[str, Any]]:
    response = Client().get("/api/v1/ready")
    return response.status_code, response.json()


def test_without_a_worker_heartbeat_the_deployment_is_not_ready() -> None:
    status, body = _ready()
    assert status == 503
    assert body["status"] == "error"
    assert body["failing"] == ["workers"]
    assert body["database"]["status"] == "ok"
    assert body["storage"]["status"] == "ok"
    assert body["workers"]["alive"] == 0
    assert "нет обработчика заданий" in body["workers"]["detail"]


def test_a_recent_heartbeat_makes_it_ready_and_reports_lag_and_failures() -> None:
    now = timezone.now()
    beat("node-b:4242", now=now - dt.timedelta(seconds=5), force=True)
    beat("node-a:17", now=now - dt.timedelta(minutes=30), force=True)  # died half an hour ago
    enqueue("test.noop", run_at=now - dt.timedelta(seconds=90))
    enqueue("test.noop", run_at=now + dt.timedelta(hours=1))  # not due: no lag
    Job.objects.create(kind="test.noop", run_at=now, state=Job.State.FAILED)
    status, body = _ready()
    assert status == 200, body
    assert body == {**body, "status": "ok", "failing": []}
    workers = body["workers"]
    assert workers["alive"] == 1
    assert [(w["worker"], w["alive"]) for w in workers["workers"]] == [
        ("node-b:4242", True),
        ("node-a:17", False),
    ]
    assert workers["workers"][0]["hostname"] == "node-b" and workers["workers"][0]["pid"] == 4242
    assert 89 <= workers["oldest_due_job_lag_seconds"] <= 120
    assert workers["failed_jobs"] == 1


def test_a_stale_heartbeat_counts_as_down() -> None:
    beat("node-a:17", now=timezone.now() - dt.timedelta(minutes=3), force=True)
    status, body = _ready()
    assert status == 503 and body["failing"] == ["workers"]
    assert body["workers"]["workers"][0]["alive"] is False


@override_settings(READY_REQUIRE_WORKER=False)
def test_a_deployment_without_workers_may_say_so() -> None:
    status, body = _ready()
    assert status == 200, body
    assert body["workers"]["required"] is False


@pytest.mark.django_db(transaction=True)  # the loop closes old connections, as in production
def test_the_worker_loop_writes_its_heartbeat() -> None:
    call_command("worker", "--once", "--no-periodic")
    row = WorkerHeartbeat.objects.get(worker=worker_id())
    assert row.pid > 0 and row.hostname
    assert timezone.now() - row.beat_at < dt.timedelta(seconds=30)
    assert _ready()[0] == 200
    # At most one row write per interval, however fast the loop turns.
    assert beat(worker_id()) is False


def test_storage_on_s3_is_probed_and_an_unreachable_bucket_is_down(s3: S3Server) -> None:
    beat("node-a:1", force=True)
    with override_settings(STORAGES=s3.storages()):
        status, body = _ready()
        assert status == 200, body
        assert body["storage"] == {"status": "ok", "detail": "S3Storage"}
        assert s3.keys() == []  # the probe object is deleted again
    missing = S3Server(s3.endpoint, "no-such-bucket")
    with override_settings(STORAGES=missing.storages()):
        status, body = _ready()
    assert status == 503
    assert body["failing"] == ["storage"]
    assert body["storage"]["status"] == "down"


def test_an_unreachable_database_is_named(tmp_path: Path) -> None:
    code = (
        "import django, json; django.setup()\n"
        "from django.test import Client\n"
        "r = Client().get('/api/v1/ready')\n"
        "print(r.status_code, json.dumps(r.json()['failing']))\n"
    )
    env = base_env(
        SUPPORTLINE_TESTING="1",
        DJANGO_SETTINGS_MODULE="supportline.settings",
        SUPPORTLINE_DATA_DIR=str(tmp_path),
        DATABASE_URL=f"postgres://nobody@127.0.0.1:{free_port()}/none?connect_timeout=2",
    )
    result = run_python(code, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == '503 ["database", "workers"]'


def test_liveness_stays_as_it_was() -> None:
    response = Client().get("/api/v1/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_openapi_declares_both_answers() -> None:
    schema = Client().get("/api/openapi.json").json()
    responses = schema["paths"]["/api/v1/ready"]["get"]["responses"]
    assert set(responses) == {"200", "503"}
    for answer in responses.values():
        ref = answer["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("/Ready")
    ready = schema["components"]["schemas"]["Ready"]
    assert {"database", "storage", "workers", "failing"} <= set(ready["properties"])
