"""The webhook 1C-Connect calls with the line's events: a thin edge (STYLE §2).

It authenticates the caller, checks the event's shape, stores it with its processing job and
answers at once; the worker does the rest (`connect.process_event`).
"""

from __future__ import annotations

import hmac
import json
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from supportline.connect.config import connect_settings
from supportline.connect.inbound import EventError, parse_event
from supportline.connect.services import connect_event_receive


def _answer(status: int, detail: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"detail": detail, **extra}, status=status)


def _presented_token(request: HttpRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None  # never from the query string: URLs end up in access logs


# Machine to machine: 1C-Connect has no CSRF cookie; the shared token authenticates it.
@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> JsonResponse:
    conf = connect_settings()
    if conf is None:
        return _answer(404, "Канал 1С-Коннект не включён")
    token = _presented_token(request)
    if token is None:
        response = _answer(401, "Нужен токен: заголовок «Authorization: Bearer …»")
        response["WWW-Authenticate"] = 'Bearer realm="connect"'
        return response
    if not hmac.compare_digest(token.encode("utf-8"), conf.webhook_token.encode("utf-8")):
        return _answer(403, "Неверный токен")
    try:
        raw = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return _answer(
            400,
            "Тело запроса — не JSON в UTF-8",
            errors={"body": f"Некорректный JSON: {exc}"},
        )
    try:
        event = parse_event(raw)
    except EventError as exc:
        return _answer(400, "Событие 1С-Коннект не принято: проверьте поля", errors=exc.errors)
    stored, created = connect_event_receive(event=event, raw=raw)
    return _answer(
        200,
        "Принято" if created else "Уже получено ранее",
        event=stored.pk,
        duplicate=not created,
    )
