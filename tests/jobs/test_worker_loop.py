"""The worker loop outlives the database (issue 12 §1), in process: the backoff between tries,
one log line per outage, and a handler whose connection is cut off left to its lease.
The whole process against a restarted PostgreSQL cluster: test_database_restart.py."""

from __future__ import annotations

import datetime as dt
import logging
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from supportline.jobs.core import HANDLERS, claim, enqueue, handler, lease_duration, run_claimed
from supportline.jobs.models import Job
from supportline.jobs.worker import Reconnect, Worker


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_backoff_doubles_up_to_its_cap_with_jitter_in_the_upper_half() -> None:
    low = Reconnect(base=0.5, cap=8, rng=lambda: 0.0)
    high = Reconnect(base=0.5, cap=8, rng=lambda: 0.999999)
    lows, highs = [], []
    for _ in range(8):
        lows.append(low.failed(OperationalError("down"), who="w"))
        highs.append(high.failed(OperationalError("down"), who="w"))
    assert lows == [0.25, 0.5, 1, 2, 4, 4, 4, 4]
    assert [round(h, 3) for h in highs] == [0.5, 1, 2, 4, 8, 8, 8, 8]
    low.succeeded(who="w")
    assert low.failures == 0 and low.failed(OperationalError("down"), who="w") == 0.25


def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    reconnect = Reconnect(cap=30, clock=clock)
    caplog.set_level(logging.DEBUG, logger="supportline.worker")
    reconnect.succeeded(who="w1")  # no outage: nothing said
    for _ in range(25):
        reconnect.failed(OperationalError("connection refused"), who="w1")
        clock.now += 1
    reconnect.succeeded(who="w1")
    said = [(r.levelno, r.getMessage()) for r in caplog.records if r.levelno >= logging.INFO]
    assert len(said) == 2
    assert said[0][0] == logging.ERROR and "database unavailable" in said[0][1]
    assert "connection refused" in said[0][1]
    assert said[1][0] == logging.WARNING
    assert "back after 25.0 s and 25 failed tries" in said[1][1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_handler_cut_off_from_the_database_is_not_recorded_and_runs_again(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """The server ends the handler's connection (as a restart does): the worker records
    nothing, the job stays leased, and after the lease it runs again — in the same process,
    whose loop reconnects and says so once."""
    if connection.vendor != "postgresql":
        pytest.skip("ends its own PostgreSQL backend (make test's second pass)")
    settings.JOB_LEASE_SECONDS = 1
    runs: list[int] = []
    worker = Worker(name="w1", idle=0.05, periodic=False, reconnect=Reconnect(base=0.05, cap=0.1))

    @handler("test.cut")
    def cut(payload: dict[str, Any]) -> None:
        runs.append(len(runs) + 1)
        if len(runs) == 1:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        worker.stop()

    caplog.set_level(logging.INFO, logger="supportline.worker")
    try:
        job = enqueue("test.cut")
        assert job is not None
        started = timezone.now()
        worker.run()
    finally:
        HANDLERS.pop("test.cut", None)
    assert runs == [1, 2]
    job.refresh_from_db()
    assert job.state == "done" and job.attempts == 2 and job.last_error == ""
    assert job.finished_at and job.finished_at >= started + lease_duration()
    said = [r.getMessage() for r in caplog.records if r.name == "supportline.worker"]
    assert sum("database unavailable" in m for m in said) == 1
    assert sum("database is back" in m for m in said) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_run_claimed_lets_a_lost_connection_through_untouched() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("ends its own PostgreSQL backend (make test's second pass)")

    @handler("test.cut")
    def cut(payload: dict[str, Any]) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")

    try:
        enqueue("test.cut")
        (mine,) = claim(worker="A")
        with pytest.raises(OperationalError):
            run_claimed(mine, worker="A")
    finally:
        HANDLERS.pop("test.cut", None)
        connection.close()
    job = Job.objects.get(pk=mine.pk)
    assert job.state == "running" and job.locked_by == "A" and job.attempts == 1
    assert job.last_error == "" and job.locked_until
    assert job.locked_until > timezone.now() + lease_duration() - dt.timedelta(minutes=1)


def test_serve_starts_its_embedded_worker_again_if_it_ever_ends(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Not an outage (the worker waits those out) but a crash: `serve` starts it again."""
    from supportline.jobs.management.commands import serve

    monkeypatch.setattr(serve, "RESTART_PAUSE", 0.05)
    starts = tmp_path / "starts"
    # A "worker" that notes its start and dies at once, the first two times.
    script = (
        "import pathlib, sys, time; p = pathlib.Path(sys.argv[1]); "
        "p.write_text(p.read_text() + 'x') if p.exists() else p.write_text('x'); "
        "sys.exit(3) if len(p.read_text()) < 3 else time.sleep(60)"
    )
    embedded = serve.EmbeddedWorker([sys.executable, "-c", script, str(starts)])
    try:
        deadline = time.monotonic() + 20
        while embedded.restarts < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert embedded.restarts == 2
        time.sleep(0.3)
        assert embedded.process.poll() is None and starts.read_text() == "xxx"
    finally:
        embedded.stop()
    assert embedded.process.poll() is not None
    time.sleep(0.2)
    assert embedded.restarts == 2  # stopping is not an end to recover from
