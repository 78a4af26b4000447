"""Enqueue, claim and run background jobs (see the package docstring)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    transaction,
)
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from supportline.jobs.models import Job

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
HANDLERS: dict[str, Handler] = {}
# Kinds whose handler runs in one transaction with the record of its success (see `handler`).
ATOMIC: set[str] = set()

# What a lost, refused or restarted database raises (Django wraps the driver's errors).
DATABASE_ERRORS = (OperationalError, InterfaceError)


def lease_duration() -> dt.timedelta:
    """How long a claimed job is its worker's: without a renewal (`renew_lease`) or a result
    by then, the worker is taken for dead and another one runs the job (JOB_LEASE_SECONDS)."""
    return dt.timedelta(seconds=settings.JOB_LEASE_SECONDS)


class LeaseLost(Exception):
    """This worker no longer holds the job's lease: it ran out and the job is (or may be)
    another worker's now. The handler stops; nothing about the job is recorded by us."""


def handler(kind: str, *, atomic: bool = False) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of `kind`. It must be idempotent: a worker that
    dies (or loses the database) after the handler's work and before its record runs it again.

    `atomic=True`: the handler runs inside one transaction together with the record that the
    job is done, so its database work happens exactly once (an interruption rolls both back;
    a lease lost meanwhile rolls the handler's work back). Only for handlers that do nothing
    outside the database and finish well within the lease: the transaction stays open while
    the handler runs (on SQLite that holds the database's write lock)."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        if atomic:
            ATOMIC.add(kind)
        else:
            ATOMIC.discard(kind)
        return fn

    return register


def job_row(
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    run_at: dt.datetime | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = 8,
) -> Job:
    """An unsaved job, for a caller that knows its dedupe key is new (a new row's id in it)
    and writes it without the existence check of `enqueue`, possibly with others at once."""
    return Job(
        kind=kind,
        payload=payload or {},
        run_at=run_at or timezone.now(),
        dedupe_key=dedupe_key,
        max_attempts=max_attempts,
    )


def enqueue(
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    run_at: dt.datetime | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = 8,
) -> Job | None:
    """Write a job in the caller's transaction. With a `dedupe_key` already used, nothing is
    written and None is returned (the job exists)."""
    fields = {
        "kind": kind,
        "payload": payload or {},
        "run_at": run_at or timezone.now(),
        "dedupe_key": dedupe_key,
        "max_attempts": max_attempts,
    }
    if dedupe_key is None:
        return Job.objects.create(**fields)
    if Job.objects.filter(dedupe_key=dedupe_key).exists():
        return None
    try:
        with transaction.atomic():
            return Job.objects.create(**fields)
    except IntegrityError:
        return None  # another process wrote the same key a moment ago


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def claim(*, worker: str, limit: int = 10, now: dt.datetime | None = None) -> list[Job]:
    """Atomically take up to `limit` due jobs for this worker (a lease of `lease_duration`).
    Each one is proved still this worker's (`acquire`) just before its handler runs.

    Due: pending with run_at ≤ now, or running with an expired lease (its worker died).
    """
    now = now or timezone.now()
    with transaction.atomic():
        # A job whose worker died on every attempt (it may be what kills the worker) stops here.
        Job.objects.filter(
            state=Job.State.RUNNING, locked_until__lt=now, attempts__gte=F("max_attempts")
        ).update(
            state=Job.State.FAILED,
            finished_at=now,
            locked_until=None,
            last_error="рабочий процесс прервался на каждой попытке",
        )
        due = Job.objects.filter(
            Q(state=Job.State.PENDING, run_at__lte=now)
            | Q(state=Job.State.RUNNING, locked_until__lt=now, attempts__lt=F("max_attempts"))
        ).order_by("run_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        jobs = list(due[:limit])
        for job in jobs:
            job.state = Job.State.RUNNING
            job.locked_by = worker
            job.locked_until = now + lease_duration()
            job.attempts += 1
            job.save(update_fields=["state", "locked_by", "locked_until", "attempts"])
    return jobs


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, … capped at one hour."""
    return dt.timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


# ---------------------------------------------------------------- leases


@dataclass(frozen=True)
class Lease:
    """A worker's hold on one attempt of a job: the attempt number fences off an older claim
    of the same worker, the worker's name another worker's claim."""

    job_id: int
    worker: str
    attempt: int


# The job this thread is running, for `renew_lease` (set by `run_claimed` around the handler).
_CURRENT: ContextVar[Lease | None] = ContextVar("supportline_job_lease", default=None)


def _held(lease: Lease) -> QuerySet[Job]:
    return Job.objects.filter(
        pk=lease.job_id,
        locked_by=lease.worker,
        attempts=lease.attempt,
        state=Job.State.RUNNING,
    )


def _renew(lease: Lease, now: dt.datetime) -> bool:
    """One conditional UPDATE: extend the lease if it is still ours and has not run out."""
    held = _held(lease).filter(locked_until__gt=now)
    return held.update(locked_until=now + lease_duration()) == 1


def acquire(job: Job, *, worker: str, now: dt.datetime | None = None) -> bool:
    """The ownership check before a handler runs: True and a fresh lease when `worker` still
    holds this claim of `job`; False when its lease ran out (another worker may have it)."""
    lease = Lease(job.pk, worker, job.attempts)
    return _renew(lease, now or timezone.now())


def renew_lease(*, now: dt.datetime | None = None) -> None:
    """The heartbeat of a long handler: call it before each external call (SMTP, HTTP, IMAP)
    so the job stays this worker's for another lease. Raises LeaseLost when it already is
    not, before the call is made. Outside a job (commands, tests) it does nothing.
    Call it outside a transaction of the handler's own, or the renewal is seen only when
    that transaction commits."""
    lease = _CURRENT.get()
    if lease is None:
        return
    if not _renew(lease, now or timezone.now()):
        raise LeaseLost(f"job #{lease.job_id}: the lease of {lease.worker} ran out")


@contextmanager
def _running(lease: Lease) -> Iterator[None]:
    token = _CURRENT.set(lease)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def release(job: Job, *, worker: str) -> None:
    """Give a claimed job back unrun (a stopping worker), as if it had never been claimed."""
    _held(Lease(job.pk, worker, job.attempts)).update(
        state=Job.State.PENDING, locked_until=None, attempts=job.attempts - 1
    )


def connection_lost() -> bool:
    """Whether the database connection is gone (closed after a failed rollback, or dead)."""
    if connection.connection is None:
        return True
    try:
        return not connection.is_usable()
    except Exception:
        return True


# ---------------------------------------------------------------- running


def run_claimed(job: Job, *, worker: str, now: dt.datetime | None = None) -> bool:
    """Run one claimed job; record success, or schedule a retry with backoff. True on success.

    False without running the handler when the job is no longer this worker's (`acquire`).
    When the database connection is lost during the handler, the error propagates and nothing
    is recorded: the lease runs out and the job runs again (the worker waits for the database).
    """
    lease = Lease(job.pk, worker, job.attempts)
    if not acquire(job, worker=worker, now=now):
        log.warning(
            "job %s #%s: the lease of %s ran out before it started; skipped",
            job.kind,
            job.pk,
            worker,
        )
        return False
    fn = HANDLERS.get(job.kind)
    started = time.monotonic()
    error = ""
    done = False
    if fn is None:
        error = f"нет обработчика для задания «{job.kind}»"
    else:
        try:
            with _running(lease):
                if job.kind in ATOMIC:
                    with transaction.atomic():
                        fn(job.payload)
                        if not _finish(lease, started, now):
                            raise LeaseLost(f"job #{job.pk}: lease of {worker} lost")
                    done = True
                else:
                    fn(job.payload)
        except LeaseLost as exc:
            log.warning("job %s #%s: %s; left to its new owner", job.kind, job.pk, exc)
            return False
        except Exception as exc:
            if isinstance(exc, DATABASE_ERRORS) and connection_lost():
                raise  # an outage, not the job's fault: the lease runs out, the job runs again
            # The traceback is kept on the job (admin «Задания»); the log gets one line.
            error = traceback.format_exc(limit=8)
            log.warning("job %s #%s failed (attempt %s): %r", job.kind, job.pk, job.attempts, exc)
    now = now or timezone.now()
    elapsed = int((time.monotonic() - started) * 1000)
    mine = _held(lease)
    if not error:
        if not done and not _finish(lease, started, now):
            log.warning("job %s #%s: finished after its lease was lost", job.kind, job.pk)
        log.info("job %s #%s done in %s ms", job.kind, job.pk, elapsed)
        return True
    if job.attempts >= job.max_attempts or fn is None:
        mine.update(
            state=Job.State.FAILED,
            finished_at=now,
            duration_ms=elapsed,
            last_error=error,
            locked_until=None,
        )
    else:
        mine.update(
            state=Job.State.PENDING,
            run_at=now + backoff(job.attempts),
            last_error=error,
            locked_until=None,
        )
    return False


def _finish(lease: Lease, started: float, now: dt.datetime | None) -> bool:
    """Record the attempt's success, if the job is still this attempt's."""
    return (
        _held(lease).update(
            state=Job.State.DONE,
            finished_at=now or timezone.now(),
            duration_ms=int((time.monotonic() - started) * 1000),
            locked_until=None,
            last_error="",
        )
        == 1
    )


def run_due(*, worker: str | None = None, limit: int = 10, now: dt.datetime | None = None) -> int:
    """Claim and run what is due now; returns how many jobs ran (tests and `worker --once`)."""
    worker = worker or worker_id()
    jobs = claim(worker=worker, limit=limit, now=now)
    for job in jobs:
        run_claimed(job, worker=worker, now=now)
    return len(jobs)


# Periodic work: kind → interval. The worker enqueues one job per kind and time slot; the
# dedupe key makes that exactly one job per slot however many workers are running.
PERIODIC: dict[str, dt.timedelta] = {}


def periodic(
    kind: str, *, every: dt.timedelta, atomic: bool = False
) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        PERIODIC[kind] = every
        return handler(kind, atomic=atomic)(fn)

    return register


def schedule_periodic(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    made = 0
    for kind, every in PERIODIC.items():
        step = int(every.total_seconds())
        slot = int(now.timestamp()) // step
        if enqueue(
            kind, {"slot": slot}, run_at=now, dedupe_key=f"periodic:{kind}:{slot}", max_attempts=1
        ):
            made += 1
    return made


def discover() -> None:
    """Import every app's `tasks` module so its handlers register."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("tasks")
