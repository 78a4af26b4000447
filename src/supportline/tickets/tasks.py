"""Periodic work of the ticket domain, run by `supportline worker` (issue 7 §5; R11, R13).

Everything is driven by stored columns (due-at, warn-at), never by rescanning all tickets; the
writes are the actions' (`tickets/actions/sla.py`, `tickets/actions/lifecycle.py`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from supportline.jobs.core import handler, periodic
from supportline.tickets import registry_watch, search
from supportline.tickets.actions.lifecycle import tickets_auto_close
from supportline.tickets.actions.sla import tickets_sla_scan
from supportline.tickets.models import Ticket


@periodic("tickets.sla_scan", every=dt.timedelta(minutes=1))
def run_sla_scan(payload: dict[str, Any]) -> None:
    tickets_sla_scan(now=timezone.now())


@periodic("tickets.auto_close", every=dt.timedelta(minutes=10))
def run_auto_close(payload: dict[str, Any]) -> None:
    tickets_auto_close(now=timezone.now())


# Tickets whose search rows one job rebuilds; the next batch is the next job.
SEARCH_BATCH = 200


@handler(registry_watch.JOB, atomic=True)
def run_search_registry(payload: dict[str, Any]) -> None:
    """Rebuild the search rows of one batch of tickets of a changed registry row (ids past
    `after`, ascending) and, when the batch was full, write the job for the next one."""
    field, pk, after = str(payload["field"]), int(payload["id"]), int(payload.get("after", 0))
    if field not in {f for f, _ in registry_watch.WATCHED.values()}:
        return
    batch = list(
        Ticket.objects.filter(**{f"{field}_id": pk}, pk__gt=after).order_by("pk")[:SEARCH_BATCH]
    )
    for ticket in batch:
        search.refresh(ticket)
    if len(batch) == SEARCH_BATCH:
        registry_watch.refresh_job(field, pk, batch[-1].pk)
