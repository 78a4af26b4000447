"""Enqueue, claim and run background jobs (see the package docstring)."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
import traceback
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from supportline.jobs.models import Job

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
HANDLERS: dict[str, Handler] = {}

# A claimed job is another worker's after this long without finishing (the worker died).
LEASE = dt.timedelta(minutes=5)


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of `kind`. It must be idempotent."""

    def register(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return register


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
    """Atomically take up to `limit` due jobs for this worker (a lease of LEASE).

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
            job.locked_until = now + LEASE
            job.attempts += 1
            job.save(update_fields=["state", "locked_by", "locked_until", "attempts"])
    return jobs


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, … capped at one hour."""
    return dt.timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def run_claimed(job: Job, *, worker: str) -> bool:
    """Run one claimed job; record success, or schedule a retry with backoff. True on success."""
    fn = HANDLERS.get(job.kind)
    started = time.monotonic()
    error = ""
    if fn is None:
        error = f"нет обработчика для задания «{job.kind}»"
    else:
        try:
            fn(job.payload)
        except Exception as exc:
            # The traceback is kept on the job (admin «Задания»); the log gets one line.
            error = traceback.format_exc(limit=8)
            log.warning("job %s #%s failed (attempt %s): %r", job.kind, job.pk, job.attempts, exc)
    now = timezone.now()
    elapsed = int((time.monotonic() - started) * 1000)
    mine = Job.objects.filter(pk=job.pk, locked_by=worker, state=Job.State.RUNNING)
    if not error:
        mine.update(
            state=Job.State.DONE,
            finished_at=now,
            duration_ms=elapsed,
            locked_until=None,
            last_error="",
        )
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


def run_due(*, worker: str | None = None, limit: int = 10, now: dt.datetime | None = None) -> int:
    """Claim and run what is due now; returns how many jobs ran (tests and `worker --once`)."""
    worker = worker or worker_id()
    jobs = claim(worker=worker, limit=limit, now=now)
    for job in jobs:
        run_claimed(job, worker=worker)
    return len(jobs)


# Periodic work: kind → interval. The worker enqueues one job per kind and time slot; the
# dedupe key makes that exactly one job per slot however many workers are running.
PERIODIC: dict[str, dt.timedelta] = {}


def periodic(kind: str, *, every: dt.timedelta) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        PERIODIC[kind] = every
        return handler(kind)(fn)

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
