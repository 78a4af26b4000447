"""Exactly one run per job (issue 12 §2): each claim is proved before its handler runs, long
handlers renew their lease, and no network call can outlive the lease.

Two workers are two names driven through the core functions with a controlled clock (`now`,
time-machine), so an expired lease is a fact of the test, not a matter of sleeping.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.checks import run_checks
from django.core.mail import get_connection
from django.db import close_old_connections, connection

from supportline.connect.client import ConnectClient
from supportline.connect.config import connect_settings
from supportline.jobs.checks import network_timeouts
from supportline.jobs.core import (
    ATOMIC,
    HANDLERS,
    claim,
    enqueue,
    handler,
    lease_duration,
    release,
    renew_lease,
    run_claimed,
)
from supportline.jobs.models import Job
from supportline.mail import imap

pytestmark = pytest.mark.django_db
RUNS: list[tuple[str, int]] = []  # (kind, payload n) per handler run
CALLED_OUT: list[int] = []  # the "external call" a handler makes after renewing its lease
T0 = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def handlers() -> Iterator[None]:
    RUNS.clear()
    CALLED_OUT.clear()

    @handler("test.once")
    def once(payload: dict[str, Any]) -> None:
        RUNS.append(("test.once", payload["n"]))

    yield
    for kind in ("test.once", "test.long", "test.atomic"):
        HANDLERS.pop(kind, None)
        ATOMIC.discard(kind)


def later(seconds: float = 1) -> dt.datetime:
    return T0 + lease_duration() + dt.timedelta(seconds=seconds)


def test_a_stale_claim_is_refused_once_another_worker_took_the_job() -> None:
    """Worker A claims a batch, works on the first job past the lease; B takes the second
    job and runs it; when A reaches it, the ownership check refuses: one run."""
    for n in (1, 2):
        enqueue("test.once", {"n": n}, run_at=T0)
    first, second = claim(worker="A", limit=10, now=T0)
    assert run_claimed(first, worker="A", now=T0) is True
    # A's first job took longer than the lease: the second one's lease ran out meanwhile.
    taken = claim(worker="B", now=later())
    assert [j.pk for j in taken] == [second.pk]
    assert run_claimed(taken[0], worker="B", now=later()) is True
    assert run_claimed(second, worker="A", now=later(2)) is False
    assert RUNS == [("test.once", 1), ("test.once", 2)]
    job = Job.objects.get(pk=second.pk)
    assert job.state == "done" and job.locked_by == "B" and job.attempts == 2


def test_an_expired_lease_is_not_run_even_when_nobody_took_the_job_yet() -> None:
    enqueue("test.once", {"n": 1}, run_at=T0)
    (mine,) = claim(worker="A", now=T0)
    assert run_claimed(mine, worker="A", now=later()) is False
    assert RUNS == []
    # It is due for whoever claims next (A itself included), as a new attempt.
    (again,) = claim(worker="A", now=later())
    assert again.attempts == 2
    assert run_claimed(again, worker="A", now=later()) is True
    assert RUNS == [("test.once", 1)]


def test_the_same_worker_cannot_run_its_own_older_claim() -> None:
    """The attempt number fences a worker's earlier claim off from its newer one."""
    enqueue("test.once", {"n": 1}, run_at=T0)
    (old,) = claim(worker="A", now=T0)
    (new,) = claim(worker="A", now=later())
    assert run_claimed(new, worker="A", now=later()) is True
    assert run_claimed(old, worker="A", now=later()) is False
    assert RUNS == [("test.once", 1)]


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def test_a_long_handler_keeps_its_job_by_renewing_the_lease(clock: Any) -> None:
    half = lease_duration() * 0.6
    seen_by_b: list[int] = []

    @handler("test.long")
    def long(payload: dict[str, Any]) -> None:
        for _ in range(3):  # three steps of 0.6 lease each: 1.8 leases in all
            clock.shift(half)
            renew_lease()
            seen_by_b.extend(j.pk for j in claim(worker="B"))
            CALLED_OUT.append(payload["n"])

    job = enqueue("test.long", {"n": 7})
    assert job is not None
    (mine,) = claim(worker="A")
    assert run_claimed(mine, worker="A") is True
    assert seen_by_b == [] and CALLED_OUT == [7, 7, 7]
    job.refresh_from_db()
    assert job.state == "done" and job.attempts == 1 and job.locked_by == "A"


def test_a_handler_that_lost_its_lease_stops_before_its_external_call(clock: Any) -> None:
    @handler("test.long")
    def long(payload: dict[str, Any]) -> None:
        clock.shift(lease_duration() + dt.timedelta(seconds=1))  # hung past the lease…
        claim(worker="B")  # …and B took the job over
        renew_lease()  # raises LeaseLost: A must not send
        CALLED_OUT.append(payload["n"])

    job = enqueue("test.long", {"n": 1})
    assert job is not None
    (mine,) = claim(worker="A")
    assert run_claimed(mine, worker="A") is False
    assert CALLED_OUT == []
    job.refresh_from_db()
    # Nothing recorded by A: the job is B's running attempt (not failed, not rescheduled).
    assert job.state == "running" and job.locked_by == "B" and job.attempts == 2
    assert job.last_error == ""


def test_renew_lease_outside_a_job_does_nothing() -> None:
    renew_lease()  # a command or a test calling a handler's code directly


def test_a_stopping_worker_gives_its_unrun_claims_back() -> None:
    enqueue("test.once", {"n": 1}, run_at=T0)
    (mine,) = claim(worker="A", now=T0)
    release(mine, worker="A")
    job = Job.objects.get(pk=mine.pk)
    assert job.state == "pending" and job.attempts == 0 and job.locked_until is None
    (again,) = claim(worker="B", now=T0)
    assert run_claimed(again, worker="B", now=T0) is True
    # A's old claim cannot come back to life either.
    assert run_claimed(mine, worker="A", now=T0) is False
    assert RUNS == [("test.once", 1)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_atomic_handlers_work_is_undone_when_its_lease_was_lost() -> None:
    """With `atomic=True` the handler's database work commits with its success record: when
    another worker took the job meanwhile, A's work rolls back and only B's remains."""
    if connection.vendor != "postgresql":
        pytest.skip("two connections writing at once: PostgreSQL (make test's second pass)")

    stolen: list[bool] = []

    def steal() -> None:
        try:
            assert len(claim(worker="B", now=later())) == 1
        finally:
            close_old_connections()
            connection.close()

    @handler("test.atomic", atomic=True)
    def atomic(payload: dict[str, Any]) -> None:
        enqueue("test.once", {"n": payload["n"]})  # the handler's own database work
        if not stolen:
            stolen.append(True)
            thread = threading.Thread(target=steal)  # B, on its own connection
            thread.start()
            thread.join(30)

    enqueue("test.atomic", {"n": 1}, run_at=T0)
    (mine,) = claim(worker="A", now=T0)
    assert run_claimed(mine, worker="A", now=T0) is False
    assert not Job.objects.filter(kind="test.once").exists()  # A's work rolled back
    job = Job.objects.get(pk=mine.pk)
    assert job.state == "running" and job.locked_by == "B"
    assert run_claimed(job, worker="B", now=later()) is True
    assert Job.objects.filter(kind="test.once").count() == 1
    assert Job.objects.get(pk=job.pk).state == "done"


# ---------------------------------------------------------------- timeouts within the lease


def test_every_network_timeout_is_shorter_than_the_lease(settings: Any) -> None:
    lease = settings.JOB_LEASE_SECONDS
    assert lease == 300 and settings.EMAIL_TIMEOUT == 30  # the shipped defaults
    assert get_connection("django.core.mail.backends.smtp.EmailBackend").timeout == 30
    assert 0 < imap.TIMEOUT < lease
    for name, seconds in network_timeouts().items():
        assert 0 < seconds < lease, name
    assert [e.id for e in run_checks() if e.id and e.id.startswith("jobs.")] == []


def test_the_connect_clients_timeout_is_shorter_than_the_lease(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "USE_CONNECT": "1",
        "CONNECT_API_URL": "https://push.example.ru",
        "CONNECT_API_USER": "u",
        "CONNECT_API_PASSWORD": "p",
        "CONNECT_WEBHOOK_TOKEN": "t",
        "CONNECT_LINE_ID": "line",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CONNECT_TIMEOUT", raising=False)
    client = ConnectClient.from_settings(connect_settings())
    assert 0 < client.timeout < settings.JOB_LEASE_SECONDS


@pytest.mark.parametrize(
    ("changed", "environ", "flagged"),
    [
        ({"EMAIL_TIMEOUT": 300}, {}, ["EMAIL_TIMEOUT"]),
        ({"EMAIL_TIMEOUT": None}, {}, ["EMAIL_TIMEOUT"]),  # Django's default: wait for ever
        ({"JOB_LEASE_SECONDS": 20}, {}, ["EMAIL_TIMEOUT"]),
        ({}, {"CONNECT_TIMEOUT": "300"}, ["CONNECT_TIMEOUT"]),
        ({}, {"USE_MAIL_POLLING": "1"}, []),
        ({"JOB_LEASE_SECONDS": 30}, {"USE_MAIL_POLLING": "1"}, ["EMAIL_TIMEOUT", "IMAP"]),
    ],
)
def test_a_timeout_as_long_as_the_lease_stops_the_worker_at_start_up(
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    changed: dict[str, Any],
    environ: dict[str, str],
    flagged: list[str],
) -> None:
    for name, value in changed.items():
        setattr(settings, name, value)
    for name, raw in environ.items():
        monkeypatch.setenv(name, raw)  # read from the environment when needed
    errors = [e for e in run_checks() if e.id == "jobs.E001"]
    assert [e.msg.split("=")[0].split(" ")[0] for e in errors] == flagged
    assert all("JOB_LEASE_SECONDS" in e.msg for e in errors)


def test_a_hung_smtp_server_fails_the_send_within_email_timeout(settings: Any) -> None:
    """A server that accepts the connection and never greets: the send gives up after
    EMAIL_TIMEOUT (unset, it would wait for ever while the lease runs out)."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # the kernel completes the handshake; nobody ever answers
    try:
        settings.EMAIL_TIMEOUT = 1
        backend = get_connection(
            "django.core.mail.backends.smtp.EmailBackend",
            host="127.0.0.1",
            port=silent.getsockname()[1],
            fail_silently=False,
        )
        started = time.monotonic()
        with pytest.raises((TimeoutError, OSError)):
            backend.open()
        assert time.monotonic() - started < 5
    finally:
        silent.close()
