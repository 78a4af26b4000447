"""The report a supervisor asks for: computed, or — for a closed month — read back as it was
first computed after the month ended (R21: a later change of the calendar or the regulation
file never rewrites a closed month)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from supportline.core import rules
from supportline.reports.figures import Period, compute_report
from supportline.reports.models import ReportSnapshot


def is_closed(period: Period, now: dt.datetime) -> bool:
    """A whole month that has ended."""
    return period.is_month and period.bounds()[1] <= now


def sla_report(period: Period, *, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    if not is_closed(period, now):
        return compute_report(period, now=now)
    end_day = period.last + dt.timedelta(days=1)
    kept = ReportSnapshot.objects.filter(first_day=period.first, end_day=end_day).first()
    if kept is not None:
        return dict(kept.data, frozen=True)
    # Closed: the figures are those at the period's end; computed in the line's language.
    from django.utils import translation

    with translation.override("ru"):
        data = compute_report(period, now=now)
    try:
        with transaction.atomic():
            ReportSnapshot.objects.create(
                first_day=period.first, end_day=end_day, data=data, created_at=now
            )
    except IntegrityError:
        # Another request kept it a moment ago: theirs is the month's report.
        kept = ReportSnapshot.objects.get(first_day=period.first, end_day=end_day)
        return dict(kept.data, frozen=True)
    return dict(data, frozen=True)


def previous_month(now: dt.datetime) -> Period:
    today = rules.local_date(now)
    return Period.month_of(today.replace(day=1) - dt.timedelta(days=1))


def current_month(now: dt.datetime) -> Period:
    return Period.month_of(rules.local_date(now))
