from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from supportline.core import rules


class UserTimeZoneMiddleware:
    """Shows times in the zone the signed-in user chose (SPEC: Moscow time unless a user chose
    another zone for display). Storage and SLA maths stay in UTC and the line's calendar."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        name = getattr(user, "time_zone", "") if user is not None and user.is_authenticated else ""
        zone = None
        if name:
            try:
                zone = zoneinfo.ZoneInfo(name)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                zone = None  # a bad stored name falls back to the line's zone
        token = rules.set_display_zone(zone)
        # Issue 14 §9: the admin formats times with Django's own current zone: the user's
        # choice there too, else the line's (not the server's UTC).
        admin = request.path_info.startswith("/admin/")
        if admin:
            timezone.activate(zone or rules.line_zone())
        try:
            return self.get_response(request)
        finally:
            if admin:
                timezone.deactivate()
            rules.reset_display_zone(token)
