"""Retention (issue 11 §5): `supportline prune` and the worker's periodic prune."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from supportline.jobs.core import run_due, schedule_periodic
from supportline.jobs.heartbeat import beat
from supportline.jobs.models import Job, WorkerHeartbeat

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def _job(state: str, age: dt.timedelta, kind: str = "test.old") -> Job:
    now = timezone.now()
    return Job.objects.create(kind=kind, state=state, run_at=now - age, finished_at=now - age)


def _session(expires_in: dt.timedelta) -> str:
    store = SessionStore()
    store["x"] = 1
    store.set_expiry(timezone.now() + expires_in)
    store.create()
    assert store.session_key is not None
    return store.session_key


def test_prune_keeps_recent_jobs_and_failed_ones_longer() -> None:
    old_done = _job(Job.State.DONE, 15 * DAY)
    recent_done = _job(Job.State.DONE, 13 * DAY)
    failed_month = _job(Job.State.FAILED, 30 * DAY)
    failed_old = _job(Job.State.FAILED, 91 * DAY)
    pending = Job.objects.create(kind="test.old", run_at=timezone.now() - 100 * DAY)
    expired, alive = _session(-DAY), _session(DAY)
    beat("gone:1", now=timezone.now() - 2 * DAY, force=True)
    beat("here:2", force=True)
    out = StringIO()
    call_command("prune", stdout=out)
    left = set(Job.objects.values_list("id", flat=True))
    assert left == {recent_done.pk, failed_month.pk, pending.pk}
    assert old_done.pk not in left and failed_old.pk not in left
    assert list(Session.objects.values_list("session_key", flat=True)) == [alive]
    assert expired != alive
    assert list(WorkerHeartbeat.objects.values_list("worker", flat=True)) == ["here:2"]
    assert "выполненных заданий 1" in out.getvalue()
    assert "заданий с ошибкой 1" in out.getvalue()
    assert "истёкших сеансов 1" in out.getvalue()


@override_settings(JOB_RETENTION_DAYS=1, FAILED_JOB_RETENTION_DAYS=2)
def test_retention_follows_the_settings() -> None:
    _job(Job.State.DONE, 2 * DAY)
    kept = _job(Job.State.FAILED, 1.5 * DAY)
    call_command("prune", stdout=StringIO())
    assert list(Job.objects.values_list("id", flat=True)) == [kept.pk]


def test_the_worker_prunes_once_per_slot_however_many_workers() -> None:
    old = _job(Job.State.DONE, 20 * DAY)
    schedule_periodic()
    schedule_periodic()  # a second worker in the same slot
    assert Job.objects.filter(kind="ops.prune").count() == 1
    while run_due(worker="w1", limit=100):
        pass
    assert not Job.objects.filter(pk=old.pk).exists()
    assert Job.objects.get(kind="ops.prune").state == Job.State.DONE
