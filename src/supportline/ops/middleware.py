"""Request middleware of operations: a request id on every log line, and request metrics."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from supportline.ops import logs

HEADER = "X-Request-ID"
# What a proxy's id may look like to be taken over (UUIDs, nginx's $request_id, AWS trace ids);
# anything else — too long, spaces, control characters — is replaced by our own.
SANE_ID = re.compile(r"[A-Za-z0-9._:=+/-]{8,128}")


class RequestIdMiddleware:
    """Takes a sane incoming X-Request-ID (from nginx or a load balancer) or makes one, tags
    every log line of the request with it and sends it back in the response's X-Request-ID."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(HEADER, "")
        rid = incoming if SANE_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = rid  # type: ignore[attr-defined]
        token = logs.request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            logs.request_id.reset(token)
        response[HEADER] = rid
        return response


class MetricsMiddleware:
    """Counts requests and their latency by method, route name and status (supportline.ops.metrics)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from supportline.ops import metrics

        started = time.perf_counter()
        response = self.get_response(request)
        metrics.observe_request(request, response.status_code, time.perf_counter() - started)
        return response
