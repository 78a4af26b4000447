"""Workers' heartbeats: each worker loop calls `beat` on every turn; a row is written at most
once per INTERVAL. Kept apart from the claiming and retry logic of `supportline.jobs.core`."""

from __future__ import annotations

import datetime as dt
import time

from django.db import IntegrityError, transaction
from django.utils import timezone

from supportline.jobs.models import WorkerHeartbeat

INTERVAL = dt.timedelta(seconds=10)

_last_beat: dict[str, float] = {}  # worker → time.monotonic() of its last written beat


def beat(worker: str, *, now: dt.datetime | None = None, force: bool = False) -> bool:
    """Record that `worker` (`host:pid`) is alive; True when a row was written."""
    mono = time.monotonic()
    last = _last_beat.get(worker)
    if not force and last is not None and mono - last < INTERVAL.total_seconds():
        return False
    now = now or timezone.now()
    if not WorkerHeartbeat.objects.filter(worker=worker).update(beat_at=now):
        host, _, pid = worker.rpartition(":")
        try:
            with transaction.atomic():
                WorkerHeartbeat.objects.create(
                    worker=worker,
                    hostname=host[:100],
                    pid=int(pid) if pid.isdigit() else 0,
                    started_at=now,
                    beat_at=now,
                )
        except IntegrityError:  # written a moment ago by the same worker id (pid reuse)
            WorkerHeartbeat.objects.filter(worker=worker).update(beat_at=now)
    _last_beat[worker] = mono
    return True
