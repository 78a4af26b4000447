from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    """One unit of background work, written in the same transaction as its cause.

    A worker claims it (status running, a lease until `locked_until`); a worker that dies
    loses the lease and the job is claimed again, so handlers must be idempotent.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("ожидает")
        RUNNING = "running", _("выполняется")
        DONE = "done", _("выполнено")
        FAILED = "failed", _("ошибка")

    kind = models.CharField(max_length=60)
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    run_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=8)
    # At most one job per key: a periodic slot, a message to send, an incoming message id.
    dedupe_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    locked_by = models.CharField(max_length=100, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("задание")
        verbose_name_plural = _("задания")
        indexes = [models.Index(fields=["state", "run_at"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"


class WorkerHeartbeat(models.Model):
    """The last sign of life of one worker process (`host:pid`), written by its loop every
    `supportline.jobs.heartbeat.INTERVAL`; /api/v1/ready and /metrics read it."""

    worker = models.CharField(max_length=100, unique=True)
    hostname = models.CharField(max_length=100)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("обработчик заданий")
        verbose_name_plural = _("обработчики заданий")

    def __str__(self) -> str:
        return f"{self.worker} ({self.beat_at:%Y-%m-%d %H:%M:%S})"
