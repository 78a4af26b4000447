"""Structured logs: every line carries time, level, logger and the request or job it belongs to.

The request id is set by `RequestIdMiddleware`, the job id by the worker around each job
(`job_context`); both live in context variables, so a line written anywhere below them — a
service, the mail code, Django itself — is tagged without passing anything around.

`LOG_FORMAT=json` writes one JSON object per line (for Loki, Elasticsearch, journald's JSON
readers); the default is plain text for people.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import os
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ImproperlyConfigured

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
job_id: contextvars.ContextVar[str] = contextvars.ContextVar("job_id", default="")

FORMATS = frozenset({"text", "json"})
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(context)s] %(message)s"


@contextmanager
def job_context(job: Any) -> Iterator[None]:
    """Tag every log line written while `job` runs with `job=<kind>#<id>`."""
    token = job_id.set(f"{job.kind}#{job.pk}")
    try:
        yield
    finally:
        job_id.reset(token)


class ContextFilter(logging.Filter):
    """Adds `request_id`, `job_id` and `context` ("req=…", "job=…" or "-") to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        # django.request's "Not Found"/"Internal Server Error" lines are written after the
        # middleware has returned; they carry the request itself, tagged by the middleware.
        req = request_id.get() or getattr(getattr(record, "request", None), "request_id", "")
        job = job_id.get()
        record.request_id = req
        record.job_id = job
        record.context = f"req={req}" if req else f"job={job}" if job else "-"
        return True


def _utc(created: float) -> str:
    moment = dt.datetime.fromtimestamp(created, tz=dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class TextFormatter(logging.Formatter):
    """`2026-11-24T07:00:00.123Z INFO supportline.worker [job=mail.send_message#42] …` (UTC)."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return _utc(record.created)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id or
    job_id when there is one, and the exception's traceback when the line carries one."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": _utc(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "job_id"):
            value = getattr(record, key, "")
            if value:
                data[key] = value
        if record.exc_info:
            data["exc"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        return json.dumps(data, ensure_ascii=False, default=str)


def logging_settings() -> dict[str, Any]:
    """LOGGING: everything to standard error, in `LOG_FORMAT` (text or json), at `LOG_LEVEL`."""
    fmt = os.environ.get("LOG_FORMAT", "text").strip().lower() or "text"
    if fmt not in FORMATS:
        raise ImproperlyConfigured(f"LOG_FORMAT={fmt!r} is not one of: text, json")
    level = os.environ.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ImproperlyConfigured(
            f"LOG_LEVEL={level!r} is not one of: DEBUG, INFO, WARNING, ERROR, CRITICAL"
        )
    formatter = "JsonFormatter" if fmt == "json" else "TextFormatter"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "supportline.ops.logs.ContextFilter"}},
        "formatters": {"line": {"()": f"supportline.ops.logs.{formatter}"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["context"],
                "formatter": "line",
            }
        },
        "root": {"handlers": ["console"], "level": level},
        # Django's own loggers through the same handler, not through its DEFAULT_LOGGING ones
        # (plain lines, duplicated when DEBUG is on; runserver's access lines).
        "loggers": {
            name: {"handlers": ["console"], "level": "INFO", "propagate": False}
            for name in ("django", "django.server")
        },
    }


def init_sentry() -> bool:
    """Report errors to Sentry when `SENTRY_DSN` is set; without it sentry_sdk is not even
    imported. No personal data is sent (user names and e-mail addresses stay here)."""
    dsn = os.environ.get("SENTRY_DSN", "").strip()
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    try:
        rate = float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0") or 0)
    except ValueError:
        raise ImproperlyConfigured(
            "SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1"
        ) from None
    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration()],
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=rate,
        send_default_pii=False,
    )
    return True
