"""Response headers that keep pages safe in the browser (issue 12 §8).

Content-Security-Policy on every response (Django 5.2 has no built-in CSP): scripts, styles and
images only from our own origin (images also as data: URLs), no framing, forms posting only to
us. The pages keep to it — no inline <script>, no on…= handlers, no style= attributes
(tests/skeleton/test_headers.py walks the main pages for them); htmx runs with its indicator
styles off (base.html) and without hx-on/js: expressions.

The one exception is the API's documentation page while django-ninja renders it from its CDN
template (when "ninja" is not an installed app): that template loads Swagger UI from
cdn.jsdelivr.net and starts it with an inline script. Once the docs are served from our own
static files (ninja in INSTALLED_APPS: its template has no inline script), the page gets the
strict policy like every other.

Cache-Control: no-store on private answers — anything for a signed-in user, anything sent with
an Authorization header (the API) and every page under the private sections — so neither
the browser nor a proxy keeps a copy of personal data.
"""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
    ]
)
# django-ninja's CDN docs template (see the module docstring): Swagger UI from jsDelivr, an
# inline script that starts it, the favicon from django-ninja.dev.
DOCS_CDN_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
        "style-src 'self' https://cdn.jsdelivr.net",
        "img-src 'self' data: https://django-ninja.dev",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
    ]
)
DOCS_PATH = "/api/docs"
# Sections whose every answer is private, signed in or not (a login page, a redirect to it).
PRIVATE_PREFIXES = (
    "/accounts/",
    "/admin/",
    "/api/v1/",
    "/desk/",
    "/home/",
    "/notifications/",
    "/portal/",
)


def policy_for(path: str) -> str:
    if path.rstrip("/") == DOCS_PATH and not apps.is_installed("ninja"):
        return DOCS_CDN_POLICY
    return POLICY


def is_private(request: HttpRequest) -> bool:
    if request.path.startswith(PRIVATE_PREFIXES) or "HTTP_AUTHORIZATION" in request.META:
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy_for(request.path)
        if is_private(request):
            patch_cache_control(response, no_store=True, private=True)
        return response
