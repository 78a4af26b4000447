"""Background work of the reports (`supportline worker`).

reports.monthly   every 15 minutes: on the first working day of a month (and after, until
                  done), mail last month's report to the supervisors — once per person.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from supportline.jobs.core import periodic
from supportline.reports.mailing import reports_monthly_mail

CHECK_EVERY = dt.timedelta(minutes=15)


@periodic("reports.monthly", every=CHECK_EVERY)
def monthly(payload: dict[str, Any]) -> None:
    reports_monthly_mail(now=timezone.now())
