"""Who else has a ticket open, and who is answering it (issue 14 §7), through the shared cache.

The ticket page polls `presence` every 15 s (htmx). Each poll records the viewer under a key of
their own for that ticket in the cache (Redis in production, so every web process sees it),
which expires `STALE` seconds after the last poll, and answers with a warning when another
colleague has the ticket open — "is answering" while their answer form is open. The others
are read with one `get_many` over the keys of the line's staff: every poll writes only its own
key, so simultaneous polls never overwrite each other (no read-modify-write of a shared entry).
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

from supportline.accounts.models import STAFF_ROLES, User
from supportline.desk.selectors.common import person_name
from supportline.desk.views.common import staff_required, user_of
from supportline.tickets import access
from supportline.tickets.models import Notification

# Seconds after which a viewer who stopped polling (closed the tab) no longer counts.
STALE = 40
POLL_SECONDS = 15


def _key(ticket_pk: int, user_pk: int) -> str:
    return f"presence:ticket:{ticket_pk}:{user_pk}"


def _staff_pks() -> list[int]:
    """Who can have a desk ticket open: the line's active staff (tens of people)."""
    return list(
        User.objects.filter(is_active=True, role__in=STAFF_ROLES).values_list("pk", flat=True)
    )


def record(ticket_pk: int, user_pk: int, name: str, *, answering: bool) -> list[dict[str, Any]]:
    """Record the viewer; return the other viewers still present (answering ones first)."""
    now = time.time()
    cache.set(_key(ticket_pk, user_pk), {"name": name, "answering": answering, "at": now}, STALE)
    keys = [_key(ticket_pk, pk) for pk in _staff_pks() if pk != user_pk]
    others = [v for v in cache.get_many(keys).values() if now - float(v.get("at", 0)) < STALE]
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
