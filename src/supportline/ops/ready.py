"""`/api/v1/ready`: can this deployment serve the line? (`/api/v1/health` stays liveness.)

Three parts, each `ok` or `down`; the answer is 503 naming the parts that are down:

1. database: `SELECT 1`;
2. storage: a tiny probe object written, read back and deleted through the attachment storage
   (local disk or S3), as an attachment would be;
3. workers: a worker's heartbeat (jobs.WorkerHeartbeat) newer than READY_WORKER_STALE_SECONDS.
   The oldest due job's lag and the number of failed jobs are reported, not judged: a growing
   lag is for monitoring (/metrics). A deployment that runs no worker at all says so with
   READY_REQUIRE_WORKER=0; the trial (`supportline serve`) runs an embedded worker, so the
   default (required) holds there too.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

log = logging.getLogger(__name__)

router = Router(tags=["health"])

OK, DOWN = "ok", "down"
PROBE = b"supportline readiness probe\n"
SHOWN_WORKERS = 50  # the most recent heartbeats listed; older rows are pruned
SHOWN_SINCE = dt.timedelta(hours=1)


def worker_stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=settings.READY_WORKER_STALE_SECONDS)


class Part(Schema):
    status: str  # ok | down
    detail: str = ""


class WorkerOut(Schema):
    worker: str  # host:pid
    hostname: str
    pid: int
    started_at: dt.datetime
    last_heartbeat: dt.datetime
    age_seconds: float
    alive: bool


class Workers(Schema):
    status: str  # ok | down
    detail: str = ""
    required: bool
    alive: int
    workers: list[WorkerOut] = []
    oldest_due_job_lag_seconds: float | None = None
    failed_jobs: int | None = None


class Ready(Schema):
    status: str  # ok | error
    failing: list[str]  # names of the parts that are down
    database: Part
    storage: Part
    workers: Workers


def check_database() -> Part:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        log.warning("ready: database unreachable: %s", exc)
        return Part(status=DOWN, detail=_("база данных недоступна"))
    return Part(status=OK, detail=connection.vendor)


def check_storage() -> Part:
    name = f"ready-probe/{uuid.uuid4().hex}.txt"
    saved = ""
    try:
        saved = default_storage.save(name, ContentFile(PROBE))
        with default_storage.open(saved, "rb") as f:
            if f.read() != PROBE:
                return Part(status=DOWN, detail=_("хранилище файлов вернуло не то, что записано"))
    except Exception as exc:  # OSError, botocore's errors: whatever the backend raises
        log.warning("ready: storage probe failed: %r", exc)
        return Part(status=DOWN, detail=_("хранилище файлов недоступно"))
    finally:
        if saved:
            try:
                default_storage.delete(saved)
            except Exception as exc:
                log.warning("ready: storage probe %s not deleted: %r", saved, exc)
    return Part(status=OK, detail=settings.STORAGES["default"]["BACKEND"].rsplit(".", 1)[-1])


def _worker_figures(now: dt.datetime) -> tuple[list[WorkerOut], int, float, int]:
    from supportline.jobs.models import Job, WorkerHeartbeat

    stale = now - worker_stale_after()
    rows = WorkerHeartbeat.objects.filter(beat_at__gte=now - SHOWN_SINCE).order_by("-beat_at")
    workers = [
        WorkerOut(
            worker=row.worker,
            hostname=row.hostname,
            pid=row.pid,
            started_at=row.started_at,
            last_heartbeat=row.beat_at,
            age_seconds=round(max(0.0, (now - row.beat_at).total_seconds()), 1),
            alive=row.beat_at >= stale,
        )
        for row in rows[:SHOWN_WORKERS]
    ]
    alive = WorkerHeartbeat.objects.filter(beat_at__gte=stale).count()
    oldest = (
        Job.objects.filter(state=Job.State.PENDING, run_at__lte=now)
        .order_by("run_at")
        .values_list("run_at", flat=True)
        .first()
    )
    lag = round(max(0.0, (now - oldest).total_seconds()), 1) if oldest else 0.0
    failed = Job.objects.filter(state=Job.State.FAILED).count()
    return workers, alive, lag, failed


def check_workers(*, database_up: bool, now: dt.datetime | None = None) -> Workers:
    required: bool = settings.READY_REQUIRE_WORKER
    if not database_up:
        return Workers(
            status=DOWN if required else OK,
            detail=_("неизвестно: база данных недоступна"),
            required=required,
            alive=0,
        )
    try:
        workers, alive, lag, failed = _worker_figures(now or timezone.now())
    except DatabaseError as exc:  # e.g. the heartbeat table before `migrate`
        log.warning("ready: worker figures unreadable: %s", exc)
        return Workers(
            status=DOWN if required else OK,
            detail=_("неизвестно: база данных недоступна"),
            required=required,
            alive=0,
        )
    down = required and alive == 0
    return Workers(
        status=DOWN if down else OK,
        detail=(
            _("нет обработчика заданий с сигналом за последние %(n)s с")
            % {"n": settings.READY_WORKER_STALE_SECONDS}
            if down
            else ""
        ),
        required=required,
        alive=alive,
        workers=workers,
        oldest_due_job_lag_seconds=lag,
        failed_jobs=failed,
    )


@router.get("/ready", response={200: Ready, 503: Ready}, auth=None)
def ready(request: HttpRequest) -> Status[Ready]:
    """Readiness: the database, the attachment storage and the background workers (last
    heartbeat per worker, the oldest due job's lag, failed jobs). 503 names the parts down."""
    database = check_database()
    storage = check_storage()
    workers = check_workers(database_up=database.status == OK)
    parts: dict[str, Part | Workers] = {
        "database": database,
        "storage": storage,
        "workers": workers,
    }
    failing = [name for name, part in parts.items() if part.status != OK]
    body = Ready(
        status="error" if failing else "ok",
        failing=failing,
        database=database,
        storage=storage,
        workers=workers,
    )
    return Status(503 if failing else 200, body)
