"""The transactional outbox and its workers (issue 7 §1)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from supportline.jobs.core import (
    HANDLERS,
    claim,
    enqueue,
    handler,
    lease_duration,
    run_claimed,
    run_due,
    schedule_periodic,
)
from supportline.jobs.models import Job

pytestmark = pytest.mark.django_db
CALLS: list[dict[str, Any]] = []


@pytest.fixture(autouse=True)
def handlers() -> Any:
    CALLS.clear()

    @handler("test.ok")
    def ok(payload: dict[str, Any]) -> None:
        CALLS.append(payload)

    @handler("test.fail")
    def fail(payload: dict[str, Any]) -> None:
        raise RuntimeError("сбой почтового сервера")

    yield
    HANDLERS.pop("test.ok", None)
    HANDLERS.pop("test.fail", None)


def test_job_is_written_only_if_its_cause_commits() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue("test.ok", {"n": 1})
        raise RuntimeError("the cause failed")
    assert Job.objects.count() == 0
    with transaction.atomic():
        enqueue("test.ok", {"n": 2})
    assert Job.objects.count() == 1


def test_dedupe_key_makes_a_job_once() -> None:
    assert enqueue("test.ok", {"n": 1}, dedupe_key="mail:1") is not None
    assert enqueue("test.ok", {"n": 1}, dedupe_key="mail:1") is None
    assert Job.objects.count() == 1


def test_run_due_runs_handlers_and_records_timing() -> None:
    enqueue("test.ok", {"n": 1})
    enqueue("test.ok", {"n": 2}, run_at=timezone.now() + dt.timedelta(hours=1))
    assert run_due(worker="w1") == 1
    assert CALLS == [{"n": 1}]
    done = Job.objects.get(payload__n=1)
    assert done.state == "done" and done.duration_ms is not None and done.finished_at


def test_failure_retries_with_backoff_then_fails() -> None:
    job = enqueue("test.fail", max_attempts=2)
    assert job is not None
    run_due(worker="w1")
    job.refresh_from_db()
    assert job.state == "pending" and job.attempts == 1
    assert "сбой почтового сервера" in job.last_error
    assert job.run_at > timezone.now() + dt.timedelta(seconds=20)
    run_due(worker="w1", now=job.run_at + dt.timedelta(seconds=1))
    job.refresh_from_db()
    assert job.state == "failed" and job.attempts == 2


def test_a_dead_workers_job_is_claimed_again_after_its_lease() -> None:
    enqueue("test.ok", {"n": 1})
    taken = claim(worker="dead")
    assert len(taken) == 1
    assert claim(worker="alive") == []  # leased
    later = timezone.now() + lease_duration() + dt.timedelta(seconds=1)
    again = claim(worker="alive", now=later)
    assert [j.pk for j in again] == [taken[0].pk]
    # The dead worker's stale claim is refused before its handler runs.
    assert run_claimed(taken[0], worker="dead", now=later) is False
    assert CALLS == []
    assert Job.objects.get(pk=taken[0].pk).state == "running"
    assert run_claimed(again[0], worker="alive", now=later) is True
    assert CALLS == [{"n": 1}]
    assert Job.objects.get(pk=taken[0].pk).state == "done"


def test_periodic_jobs_once_per_slot_whatever_the_number_of_workers() -> None:
    from supportline.jobs.core import discover

    discover()
    now = timezone.now()
    first = schedule_periodic(now=now)
    assert first >= 2  # SLA scan and auto-close at least
    assert schedule_periodic(now=now) == 0
    assert Job.objects.filter(kind="tickets.sla_scan").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_never_take_the_same_job() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED across workers is proved on PostgreSQL (make test's second pass)")
    for n in range(40):
        enqueue("test.ok", {"n": n})
    taken: dict[str, list[int]] = {}
    barrier = threading.Barrier(4)

    def work(name: str) -> None:
        barrier.wait()
        mine: list[int] = []
        while batch := claim(worker=name, limit=3):
            mine += [j.pk for j in batch]
        taken[name] = mine
        close_old_connections()
        connection.close()

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    every = [pk for pks in taken.values() for pk in pks]
    assert len(every) == 40 and len(set(every)) == 40


def _env(tmp: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    return {**env, "SUPPORTLINE_DATA_DIR": str(tmp), "DEBUG": "1", "SUPPORTLINE_TESTING": "1"}


@pytest.mark.slow
@pytest.mark.django_db(transaction=False)
def test_worker_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    exe = str(Path(sys.executable).with_name("supportline"))
    env = _env(tmp_path)
    subprocess.run([exe, "migrate", "-v", "0"], env=env, check=True, timeout=120)
    worker = subprocess.Popen(
        [exe, "worker", "--idle", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        line = worker.stdout.readline() if worker.stdout else ""
        assert "запущен" in line
        assert time.monotonic() < deadline
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, err
    assert "остановлен" in out


def test_a_job_that_kills_its_worker_every_time_ends_failed() -> None:
    job = enqueue("test.ok", max_attempts=2)
    assert job is not None
    now = timezone.now()
    claim(worker="w1", now=now)
    claim(
        worker="w2", now=now + lease_duration() + dt.timedelta(seconds=1)
    )  # attempt 2 after a crash
    assert claim(worker="w3", now=now + 2 * lease_duration() + dt.timedelta(seconds=2)) == []
    job.refresh_from_db()
    assert job.state == "failed" and job.attempts == 2
