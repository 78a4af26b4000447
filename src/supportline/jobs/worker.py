"""The loop of `supportline worker` (and of the worker that `supportline serve` embeds).

    Worker(name=worker_id()).run()      # until SIGTERM/SIGINT (`stop()`)

Each pass of the loop (`iteration`) schedules the periodic slots, claims a batch and runs it.
A lost, refused or restarted database (OperationalError/InterfaceError) never ends the process:
the connection is closed, the pass is tried again after a capped exponential backoff with
jitter, and the outage is logged once when it starts and once when the database is back. A job
whose handler the outage interrupted is not recorded: its lease runs out and it runs again.
"""

from __future__ import annotations

import contextlib
import logging
import random
import time
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections, connection

from supportline.jobs.core import DATABASE_ERRORS, claim, release, run_claimed, schedule_periodic
from supportline.jobs.heartbeat import beat
from supportline.ops.logs import job_context

log = logging.getLogger("supportline.worker")


class Reconnect:
    """Backoff between tries to reach a lost database: base·2ⁿ capped at `cap` seconds, each
    pause drawn in its upper half (jitter, so many workers do not knock all at once)."""

    def __init__(
        self,
        *,
        base: float = 0.5,
        cap: float = 30.0,
        rng: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base, self.cap, self.rng, self.clock = base, cap, rng, clock
        self.failures = 0
        self.since = 0.0

    def delay(self) -> float:
        """The pause after the current number of failures."""
        ceiling = min(self.cap, self.base * 2.0 ** max(0, self.failures - 1))
        return ceiling / 2 + self.rng() * ceiling / 2

    def failed(self, exc: BaseException, *, who: str) -> float:
        """One more failed try; returns how long to wait. Logged only on the first."""
        self.failures += 1
        if self.failures == 1:
            self.since = self.clock()
            log.error(
                "worker %s: database unavailable, retrying with backoff up to %g s: %s",
                who,
                self.cap,
                str(exc).strip() or type(exc).__name__,
            )
        else:
            log.debug("worker %s: database still unavailable (try %s)", who, self.failures)
        return self.delay()

    def succeeded(self, *, who: str) -> None:
        if self.failures:
            log.warning(
                "worker %s: database is back after %.1f s and %s failed tries; resuming",
                who,
                self.clock() - self.since,
                self.failures,
            )
        self.failures = 0


class Worker:
    def __init__(
        self,
        *,
        name: str,
        batch: int = 10,
        idle: float = 1.0,
        periodic: bool = True,
        once: bool = False,
        reconnect: Reconnect | None = None,
    ) -> None:
        self.name = name
        self.batch = batch
        self.idle = idle
        self.periodic = periodic
        self.once = once
        self.reconnect = reconnect or Reconnect(cap=float(settings.WORKER_DB_RETRY_MAX_SECONDS))
        self.stopping = False
        self.ran = 0

    def stop(self) -> None:
        """Finish the current job, give the rest of the batch back, leave the loop."""
        self.stopping = True

    def iteration(self) -> int:
        """One pass of the loop; returns how many jobs were claimed. What must happen once per
        pass (periodic slots, a claim and its jobs — a liveness record would go here too) is
        here, so that a database error anywhere in it is handled once, by `run`."""
        close_old_connections()
        beat(self.name)  # at most once per heartbeat.INTERVAL; /api/v1/ready reads it
        if self.periodic:
            schedule_periodic()
        jobs = claim(worker=self.name, limit=self.batch)
        for job in jobs:
            if self.stopping:
                # Give the rest back at once rather than waiting for the lease to run out.
                release(job, worker=self.name)
                continue
            with job_context(job):  # log lines of the job carry job=<kind>#<id>
                run_claimed(job, worker=self.name)
            self.ran += 1
        return len(jobs)

    def run(self) -> int:
        """Loop until `stop()`; returns how many jobs ran. With `once`, one pass (a database
        error then propagates: there is no loop to wait in)."""
        while not self.stopping:
            try:
                claimed = self.iteration()
            except DATABASE_ERRORS as exc:
                if self.once:
                    raise
                self._disconnect()
                self._sleep(self.reconnect.failed(exc, who=self.name))
                continue
            self.reconnect.succeeded(who=self.name)
            if self.once:
                break
            if not claimed:
                self._sleep(self.idle)
        return self.ran

    def _disconnect(self) -> None:
        """Drop the broken connection; the next query opens a new one."""
        # Closing a dead connection may fail; it is gone either way.
        with contextlib.suppress(Exception):
            connection.close()

    def _sleep(self, seconds: float) -> None:
        """Sleep in short steps so a SIGTERM is heard at once."""
        deadline = time.monotonic() + seconds
        while not self.stopping and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 0.1))
