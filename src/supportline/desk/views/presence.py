"""Who else has a ticket open, and who is answering it (issue 14 §7), through the shared cache.

The ticket page polls `presence` every 15 s (htmx). Each poll records the viewer in the
ticket's entry of the cache (Redis in production, so every web process sees it) and answers
with a warning when another colleague has the ticket open — "is answering" while their answer
form is open. An entry older than `STALE` is gone. Two polls at the same instant may lose one
record to the other; the next poll, 15 s later, puts it back — good enough for a warning.
The poll also marks the viewer's notifications about this ticket read: they have seen it.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from supportline.desk.selectors.common import person_name
from supportline.desk.views.common import staff_required, user_of
from supportline.tickets import access
from supportline.tickets.models import Notification

# Seconds after which a viewer who stopped polling (closed the tab) no longer counts.
STALE = 40
POLL_SECONDS = 15


def _key(ticket_pk: int) -> str:
    return f"presence:ticket:{ticket_pk}"


def record(ticket_pk: int, user_pk: int, name: str, *, answering: bool) -> list[dict[str, Any]]:
    """Record the viewer; return the other viewers still present (answering ones first)."""
    now = time.time()
    entries: dict[str, dict[str, Any]] = cache.get(_key(ticket_pk)) or {}
    entries = {k: v for k, v in entries.items() if now - float(v.get("at", 0)) < STALE}
    entries[str(user_pk)] = {"name": name, "answering": answering, "at": now}
    cache.set(_key(ticket_pk), entries, timeout=STALE * 2)
    others = [v for k, v in entries.items() if k != str(user_pk)]
    return sorted(others, key=lambda v: (not v["answering"], v["name"]))


@require_POST
@staff_required
def presence(request: HttpRequest, number: str) -> HttpResponse:
    user = user_of(request)
    ticket = access.visible_tickets(user).filter(number=number).only("pk").first()
    if ticket is None:
        raise Http404
    answering = request.POST.get("answering") == "1"
    others = record(ticket.pk, user.pk, person_name(user) or user.username, answering=answering)
    Notification.objects.filter(user=user, ticket=ticket, read_at=None).update(
        read_at=timezone.now()
    )
    return render(request, "desk/_hdesk_presence.html", {"others": others})
