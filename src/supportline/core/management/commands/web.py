"""`supportline web`: the production web server (gunicorn) with its settings from the environment.

BIND (default 127.0.0.1:8000; several addresses comma-separated, unix:/path for a socket),
WEB_CONCURRENCY (worker processes, default 2 × cores + 1), WEB_TIMEOUT and
WEB_GRACEFUL_TIMEOUT (seconds, default 30), WEB_ACCESS_LOG (on by default, to stdout),
WEB_MAX_REQUESTS / WEB_MAX_REQUESTS_JITTER (a worker is replaced after about that many
requests, default 1000 ± 100; 0 = never), WEB_GC_THRESHOLD (allocations between young garbage
collections in a worker, default 5000, the loaded application frozen out of them; 0 =
Python's own collector). The gunicorn master is this process: SIGTERM stops it
gracefully (requests in flight finish within WEB_GRACEFUL_TIMEOUT), SIGHUP replaces the workers.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from supportline.core.production import (
    refuse_uncollected_static,
    refuse_weak_secret_key,
    tune_collector,
    web_settings,
)


class Command(BaseCommand):
    help = "Рабочий веб-сервер (gunicorn); адрес, число процессов и таймауты — из окружения"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--print-config",
            action="store_true",
            help="показать настройки gunicorn, прочитанные из окружения, и выйти",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            web = web_settings()
        except ImproperlyConfigured as exc:
            raise CommandError(f"Неверная настройка веб-сервера: {exc}") from None
        config = web.gunicorn()
        if options["print_config"]:
            self.stdout.write(json.dumps(config, ensure_ascii=False, indent=2))
            return
        if not settings.DEBUG:
            refuse_weak_secret_key()
            refuse_uncollected_static()
        # The workers are forked from this process: none may inherit an open connection.
        connections.close_all()
        _serve(config, web.gc_threshold)


def _serve(config: dict[str, Any], gc_threshold: int = 0) -> None:
    """gunicorn run in this process (its master), with the project's WSGI application.

    Imported only now: gunicorn reads WEB_CONCURRENCY itself when its config module is
    imported (and stops with a traceback when it is not a number), so ours is checked first."""
    from gunicorn.app.base import BaseApplication

    class Gunicorn(BaseApplication):  # type: ignore[misc]  # gunicorn is untyped
        def load_config(self) -> None:
            for key, value in config.items():
                self.cfg.set(key, value)

        def load(self) -> Any:  # in each worker, after the fork
            from supportline.wsgi import application

            tune_collector(gc_threshold)
            return application

    Gunicorn().run()
