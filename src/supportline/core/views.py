"""Small pages of the site itself."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, asked for by browsers and feed readers that ignore <link rel="icon">:
    the SVG icon base.html names, under its collected (hashed) name."""
    return redirect(static("supportline/favicon.svg"), permanent=False)
