"""Retention: what `supportline prune` deletes, and the worker every PRUNE_EVERY.

- finished jobs older than JOB_RETENTION_DAYS (default 14 days);
- failed jobs older than FAILED_JOB_RETENTION_DAYS (default 90): kept longer, to be looked at;
- expired sessions (Django's `clearsessions`);
- heartbeats of workers silent for a day (a stopped or replaced process).

Jobs are deleted in batches, so a first prune of a large table does not hold long locks.
Deleting a finished job frees its dedupe key; nothing re-enqueues on it, because every cause
is itself recorded once (a message, an incoming mail, an event) and sending checks SentMail.
"""

from __future__ import annotations

import datetime as dt
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db.models import QuerySet
from django.utils import timezone

from supportline.jobs.models import Job, WorkerHeartbeat

PRUNE_EVERY = dt.timedelta(hours=6)
HEARTBEAT_KEPT = dt.timedelta(days=1)
BATCH = 5000


def _delete_in_batches(rows: QuerySet[Job]) -> int:
    total = 0
    while True:
        ids = list(rows.order_by("id").values_list("id", flat=True)[:BATCH])
        if not ids:
            return total
        total += Job.objects.filter(id__in=ids).delete()[0]


def prune(*, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    done_before = now - dt.timedelta(days=settings.JOB_RETENTION_DAYS)
    failed_before = now - dt.timedelta(days=settings.FAILED_JOB_RETENTION_DAYS)
    done = _delete_in_batches(Job.objects.filter(state=Job.State.DONE, finished_at__lt=done_before))
    failed = _delete_in_batches(
        Job.objects.filter(state=Job.State.FAILED, finished_at__lt=failed_before)
    )
    heartbeats = WorkerHeartbeat.objects.filter(beat_at__lt=now - HEARTBEAT_KEPT).delete()[0]
    sessions = 0
    if issubclass(import_module(settings.SESSION_ENGINE).SessionStore, db.SessionStore):
        # Sessions in the database (ours read them by a compiled statement: still these rows).
        sessions = Session.objects.filter(expire_date__lt=now).count()
    call_command("clearsessions")
    return {
        "done_jobs": done,
        "failed_jobs": failed,
        "sessions": sessions,
        "heartbeats": heartbeats,
    }
