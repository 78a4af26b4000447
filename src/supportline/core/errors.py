"""Error answers: pages in the site's layout (Russian, English by gettext), JSON under /api/.

The root URLconf names these as Django's handler400/403/404/500 and settings as the CSRF
failure view. Under /api/ the answer is the REST API's error shape, `{"detail": "…"}`, also for
what never reaches django-ninja (an unknown path, an exception ninja passes on with DEBUG off)
and for the plain-text 405 ninja gives a method a path does not have (`ApiMethodNotAllowed`).
A 500 page is rendered without the request's context processors — the session, the user or
the database may be what failed — and, should even that fail, as a line of plain HTML: never a
traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

log = logging.getLogger("supportline.errors")

API_PREFIX = "/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _api(detail: str, status: int) -> JsonResponse:
    return JsonResponse(
        {"detail": detail}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def _page(request: HttpRequest, template: str, status: int) -> HttpResponse:
    return HttpResponse(render_to_string(template, request=request), status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return _api(_("Некорректный запрос"), 400)
    # No request context: a 400 is often a bad Host header, which the context would trip on.
    return HttpResponse(render_to_string("400.html"), status=400)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return _api(_("Доступ запрещён"), 403)
    return _page(request, "403.html", 403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return _api(_("Не найдено"), 404)
    return _page(request, "404.html", 404)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return _api(_("Внутренняя ошибка сервера, она записана в журнал"), 500)
    try:
        return HttpResponse(render_to_string("500.html"), status=500)
    except Exception:  # the page itself failed (a template, the static manifest): plain words
        log.exception("the 500 page could not be rendered")
        return HttpResponse(
            "<!doctype html><meta charset=utf-8><title>Ошибка на сервере</title>"
            "<h1>Ошибка на сервере</h1><p>Попробуйте повторить через несколько минут.</p>",
            status=500,
        )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """settings.CSRF_FAILURE_VIEW: a form sent without its token (or an old one). Django has
    logged the reason (django.security.csrf); the page does not show it."""
    if _is_api(request):
        return _api(_("Запрос отклонён: нет действительного CSRF-токена"), 403)
    return _page(request, "403_csrf.html", 403)


class ApiMethodNotAllowed:
    """Middleware: under /api/ a 405 (django-ninja writes "Method not allowed" as plain text) is
    the API's error shape too, naming the methods the path has; the Allow header is kept."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            response.status_code != 405
            or not _is_api(request)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        allowed = response.get("Allow", "")
        answer = _api(
            _("Метод %(method)s здесь не поддерживается; допустимы: %(allowed)s")
            % {"method": request.method, "allowed": allowed or "—"},
            405,
        )
        if allowed:
            answer["Allow"] = allowed
        return answer
