"""Periodic work of the ticket domain, run by `supportline worker` (issue 7 §5; R11, R13).

Everything is driven by stored columns (due-at, warn-at), never by rescanning all tickets; the
writes are the actions' (`tickets/actions/sla.py`, `tickets/actions/lifecycle.py`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from supportline.jobs.core import periodic
from supportline.tickets.actions.lifecycle import tickets_auto_close
from supportline.tickets.actions.sla import tickets_sla_scan


@periodic("tickets.sla_scan", every=dt.timedelta(minutes=1))
def run_sla_scan(payload: dict[str, Any]) -> None:
    tickets_sla_scan(now=timezone.now())


@periodic("tickets.auto_close", every=dt.timedelta(minutes=10))
def run_auto_close(payload: dict[str, Any]) -> None:
    tickets_auto_close(now=timezone.now())
