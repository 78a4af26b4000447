"""What the production commands (`supportline web`, `supportline upgrade`) check and read.

A weak SECRET_KEY is refused by the same rule as Django's `check --deploy` (security.W009): at
least 50 characters, at least 5 different ones, not Django's generated "django-insecure-" key.
The key signs sessions, password-reset links and the Message-IDs mail threading depends on, so
a guessable one is a hole, not a warning.
"""

from __future__ import annotations

import gc
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import CommandError

from supportline.lib.env import envbool, envint, envlist

log = logging.getLogger(__name__)

SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5
SECRET_KEY_INSECURE_PREFIX = "django-insecure"  # noqa: S105 - the prefix refused, not a key


def secret_key_problem(key: str) -> str | None:
    """Why `key` must not sign a production line's cookies and links; None when it may."""
    how = (
        "Создайте новый: python3 -c 'import secrets; print(secrets.token_urlsafe(50))' "
        "и передайте его в SECRET_KEY или в файле SECRET_KEY_FILE."
    )
    if key.startswith(SECRET_KEY_INSECURE_PREFIX) or "insecure" in key:
        return f"SECRET_KEY — ключ для разработки, не для работающей линии. {how}"
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return (
            f"SECRET_KEY слишком короткий: {len(key)} символов, нужно не меньше "
            f"{SECRET_KEY_MIN_LENGTH}. {how}"
        )
    if len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return (
            f"SECRET_KEY из слишком малого числа разных символов ({len(set(key))}), нужно не "
            f"меньше {SECRET_KEY_MIN_UNIQUE_CHARACTERS}. {how}"
        )
    return None


def refuse_weak_secret_key() -> None:
    problem = secret_key_problem(settings.SECRET_KEY)
    if problem:
        raise CommandError(problem)


def refuse_uncollected_static() -> None:
    """With DEBUG off every page names its stylesheet by the hashed name in the manifest that
    collectstatic writes; without it each page would answer 500."""
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if not manifest.is_file():
        raise CommandError(
            f"Статические файлы не собраны: нет {manifest}. Выполните "
            "`supportline collectstatic --noinput` (это делает и `supportline upgrade`)."
        )


@dataclass(frozen=True)
class WebSettings:
    """`supportline web`'s settings, from the environment (documented in .env.example)."""

    bind: list[str]
    workers: int
    timeout: int
    graceful_timeout: int
    access_log: bool
    max_requests: int
    max_requests_jitter: int
    gc_threshold: int = 0

    def gunicorn(self) -> dict[str, Any]:
        """The same as gunicorn's own settings (gunicorn.config names)."""
        return {
            "bind": self.bind,
            "workers": self.workers,
            "worker_class": "sync",
            "timeout": self.timeout,
            "graceful_timeout": self.graceful_timeout,
            "accesslog": "-" if self.access_log else None,
            "errorlog": "-",
            "max_requests": self.max_requests,
            "max_requests_jitter": self.max_requests_jitter,
            "proc_name": "supportline-web",
            # Several web processes may run on one machine under one user: no shared socket
            # file in $HOME (gunicorn's run-time control interface is not used).
            "control_socket_disable": True,
        }


def default_workers() -> int:
    """Gunicorn's rule of thumb for sync workers: two per core plus one."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return 2 * cores + 1


def _at_least(name: str, value: int, minimum: int) -> int:
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={value} must be at least {minimum}")
    return value


def web_settings() -> WebSettings:
    """Read strictly: a malformed or out-of-range value is an error naming the variable."""
    bind = envlist("BIND", default=["127.0.0.1:8000"])
    if not bind:
        raise ImproperlyConfigured("BIND is empty (e.g. BIND=127.0.0.1:8000)")
    return WebSettings(
        bind=bind,
        workers=_at_least(
            "WEB_CONCURRENCY", envint("WEB_CONCURRENCY", default=default_workers()), 1
        ),
        timeout=_at_least("WEB_TIMEOUT", envint("WEB_TIMEOUT", default=30), 1),
        graceful_timeout=_at_least(
            "WEB_GRACEFUL_TIMEOUT", envint("WEB_GRACEFUL_TIMEOUT", default=30), 1
        ),
        access_log=envbool("WEB_ACCESS_LOG", default=True),
        max_requests=_at_least("WEB_MAX_REQUESTS", envint("WEB_MAX_REQUESTS", default=1000), 0),
        max_requests_jitter=_at_least(
            "WEB_MAX_REQUESTS_JITTER", envint("WEB_MAX_REQUESTS_JITTER", default=100), 0
        ),
        gc_threshold=_at_least(
            "WEB_GC_THRESHOLD", envint("WEB_GC_THRESHOLD", default=GC_THRESHOLD), 0
        ),
    )


# Python's collector (a young collection every 700 net allocations) ran one and a half a desk
# page and, every seventy pages or so, walked the whole heap of the loaded application (~160k
# objects: a pause of ~100 ms). Frozen, the application is never walked again; at 5000 a young
# collection comes every few pages and lasts ~1.5 ms (at 20000: ~4 ms, in a page's p95). Issue 15.
GC_THRESHOLD = 5_000


def tune_collector(threshold: int) -> None:
    """In a web worker once the application is loaded: what exists now (modules, settings,
    the URL resolver, the regulation) is kept out of every collection (`gc.freeze`), and young
    collections run every `threshold` allocations. 0 leaves Python's collector as it is."""
    if threshold <= 0:
        return
    gc.collect()  # nothing that is already garbage is kept for ever
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(threshold, middle, old)
    log.info(
        "garbage collector: %d objects frozen, young collections every %d allocations",
        gc.get_freeze_count(),
        threshold,
    )
