from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from supportline.portal.line import line_info


def line_page(request: HttpRequest) -> HttpResponse:
    """The public page of the consultation line (R19): hours, channels, additional services."""
    return render(request, "portal/line.html", {"line": line_info()})
