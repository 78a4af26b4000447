"""The monthly report mailed to supervisors on the first working day of the next month
(issue 16 §3), by the worker: a periodic job looks every `CHECK_EVERY`; one `MonthlyMail` row
per month and supervisor, written in the same transaction as the sending, makes it once per
person however many workers run (a second worker waits on the row's unique key and skips)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation

from supportline.accounts.models import Role, User
from supportline.core import rules
from supportline.reports.export import to_xlsx
from supportline.reports.models import MonthlyMail
from supportline.reports.service import previous_month, sla_report
from supportline.worktime import Calendar

log = logging.getLogger(__name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def first_working_instant(day: dt.date, cal: Calendar) -> dt.datetime:
    """The opening of the first working day of `day`'s month."""
    start = dt.datetime.combine(day.replace(day=1), dt.time(), cal.tz)
    return cal.next_working_instant(start)


def mail_due(now: dt.datetime) -> bool:
    cal = rules.calendar()
    return now >= first_working_instant(rules.local_date(now), cal)


def supervisors() -> list[User]:
    return list(
        User.objects.filter(role=Role.SUPERVISOR, is_active=True).exclude(email="").order_by("id")
    )


def reports_monthly_mail(*, now: dt.datetime) -> int:
    """Mail last month's report to every supervisor not yet mailed; returns how many mails."""
    if not mail_due(now):
        return 0
    period = previous_month(now)
    people = [
        u
        for u in supervisors()
        if not MonthlyMail.objects.filter(month=period.first, user=u).exists()
    ]
    if not people:
        return 0
    report = sla_report(period, now=now)  # the closed month: kept once, read back after
    with translation.override("ru"):
        attachment = to_xlsx(report)
        context = {"report": report, "line_name": rules.regulation().line_name.ru}
        subject = " ".join(render_to_string("reports/monthly-subject.txt", context).split())
        text = render_to_string("reports/monthly-body.txt", context)
    sent = 0
    for person in people:
        try:
            with transaction.atomic():
                record = MonthlyMail.objects.create(month=period.first, user=person)
                mail = EmailMultiAlternatives(
                    subject=subject,
                    body=text,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[person.email],
                    headers={
                        "Message-ID": f"<report-{period.first:%Y-%m}.{person.pk}@supportline>",
                        "Auto-Submitted": "auto-generated",
                    },
                )
                mail.attach(f"report-{period.first:%Y-%m}.xlsx", attachment, XLSX)
                mail.send()
                record.sent_at = now
                record.save(update_fields=["sent_at"])
        except IntegrityError:
            continue  # another worker mailed this person
        sent += 1
        log.info("monthly report %s mailed to %s", period.first, person.email)
    return sent
