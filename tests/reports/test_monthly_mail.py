"""Issue 16 §3: the monthly report is mailed to the supervisors on the first working day of the
next month by the worker — once, however many workers and slots run."""

from __future__ import annotations

import io
import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection
from openpyxl import load_workbook

from supportline.accounts.models import Role, User
from supportline.jobs.core import discover, run_due, schedule_periodic
from supportline.reports.mailing import reports_monthly_mail
from supportline.reports.models import MonthlyMail, ReportSnapshot
from tests.reports.conftest import Desk, Month, msk


def test_r9_monthly_mail_waits_for_the_first_working_day(
    desk: Desk, clock: time_machine.Coordinates
) -> None:
    # January 2027: 1–8 January are holidays and days off; the first working day is Monday 11.
    for day in (1, 5, 8, 10):
        clock.move_to(msk(2027, 1, day, 12, 0))
        assert reports_monthly_mail(now=msk(2027, 1, day, 12, 0)) == 0
    assert reports_monthly_mail(now=msk(2027, 1, 11, 8, 59)) == 0  # before opening
    clock.move_to(msk(2027, 1, 11, 9, 0))
    assert reports_monthly_mail(now=msk(2027, 1, 11, 9, 0)) == 1
    assert mail.outbox[0].to == [desk.supervisor.user.email]
    assert "2026-12-01 — 2026-12-31" in mail.outbox[0].subject


def test_monthly_mail_by_the_worker_once_across_slots_and_workers(
    month: Month, desk: Desk, clock: time_machine.Coordinates
) -> None:
    clock.move_to(msk(2026, 12, 1, 9, 5))  # Tuesday 1 December: the first working day
    now = msk(2026, 12, 1, 9, 5)
    mail.outbox.clear()
    discover()  # what `supportline worker` does at start: every app's tasks register
    # Two workers schedule the same slot: one job; both run what is due.
    schedule_periodic(now=now)
    schedule_periodic(now=now)
    run_due(worker="w1", now=now, limit=50)
    run_due(worker="w2", now=now, limit=50)
    # The next slots (and another worker) find the month mailed.
    for minutes in (15, 30, 45):
        later = msk(2026, 12, 1, 9, 5 + minutes)
        clock.move_to(later)
        schedule_periodic(now=later)
        run_due(worker="w3", now=later, limit=50)
    reports = [m for m in mail.outbox if "2026-11-01" in m.subject]
    assert len(reports) == 1
    message = reports[0]
    assert message.to == [desk.supervisor.user.email]
    assert "Обращений: 25" in message.body
    name, content, kind = message.attachments[0]
    assert name == "report-2026-11.xlsx" and kind.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(content))
    assert len(book.sheetnames) > 20
    assert MonthlyMail.objects.filter(user=desk.supervisor.user).count() == 1
    # The mailed month is kept: what the page shows later is what was mailed (R21).
    assert ReportSnapshot.objects.filter(first_day="2026-11-01").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_monthly_mail_once_with_concurrent_workers() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent workers are proved on PostgreSQL (make test's second pass)")
    User.objects.create(username="boss", role=Role.SUPERVISOR, email="boss@example.ru")
    now = msk(2026, 12, 1, 10, 0)
    mail.outbox.clear()
    barrier = threading.Barrier(4)
    sent: list[int] = []

    def work() -> None:
        barrier.wait()
        try:
            sent.append(reports_monthly_mail(now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(sent) == 1
    assert len([m for m in mail.outbox if m.to == ["boss@example.ru"]]) == 1
