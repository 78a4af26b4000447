"""The site's URLs plus views that fail on purpose, with the site's own error handlers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import path

from supportline import urls as site


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret internals: /etc/supportline password=hunter2")


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("internal reason")


def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("internal reason")


urlpatterns = [
    path("boom/", boom),
    path("api/boom/", boom),
    path("forbidden/", forbidden),
    path("api/forbidden/", forbidden),
    path("suspicious/", suspicious),
    path("api/suspicious/", suspicious),
    *site.urlpatterns,
]
handler400 = site.handler400
handler403 = site.handler403
handler404 = site.handler404
handler500 = site.handler500
