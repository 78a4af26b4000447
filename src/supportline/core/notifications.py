"""In-app notifications for every role (issue 7 §5): a badge in the header and a list page."""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from supportline.accounts.models import User
from supportline.tickets.models import Notification


def _me(request: HttpRequest) -> User:
    """The signed-in user (the views are behind login_required)."""
    return cast(User, request.user)


def _unread(request: HttpRequest) -> int:
    return Notification.objects.filter(user=_me(request), read_at=None).count()


@login_required
def badge(request: HttpRequest) -> HttpResponse:
    """The header's badge, fetched by htmx after the page (so pages keep their query counts)
    and refreshed every minute."""
    return render(request, "core/_badge.html", {"unread_notifications": _unread(request)})


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    items = list(Notification.objects.filter(user=_me(request)).select_related("ticket")[:100])
    return render(
        request,
        "core/notifications.html",
        {"items": items, "unread_notifications": _unread(request)},
    )


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    Notification.objects.filter(user=_me(request), read_at=None).update(read_at=timezone.now())
    return redirect("notifications")
