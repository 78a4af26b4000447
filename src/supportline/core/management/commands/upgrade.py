"""`supportline upgrade`: what an installation runs after every install or update, before
starting `supportline web` and `supportline worker` (the Docker image, the compose file and
the systemd units call it).

1. the SECRET_KEY is strong (core.production.secret_key_problem), or nothing happens;
2. `check --deploy --fail-level WARNING`: a warning stops the upgrade before the database is
   touched. Counted: DEBUG on, ALLOWED_HOSTS empty, a weak key, and — unless `--allow-http`
   says the line is served over plain HTTP on purpose — the HTTPS settings (SECURE_COOKIES,
   SECURE_SSL_REDIRECT, SECURE_HSTS_SECONDS). HSTS preloading (security.W021) is not counted:
   entering a domain into the browsers' preload list is its owner's decision, not the line's;
3. `migrate --noinput`;
4. `collectstatic --noinput` into STATIC_ROOT (hashed, compressed names).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings

from supportline.core.production import refuse_weak_secret_key

# Django's deployment checks that only make sense behind HTTPS.
HTTPS_CHECKS = ["security.W004", "security.W008", "security.W012", "security.W016"]
# Never counted (see the module's docstring).
NOT_COUNTED = ["security.W021"]


class Command(BaseCommand):
    help = (
        "Обновление установки: проверка настроек (check --deploy), миграции базы, "
        "сборка статических файлов"
    )
    # The deployment checks run below, with what counts decided here.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-http",
            action="store_true",
            help="линия сознательно работает без HTTPS: не требовать настроек HTTPS",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        refuse_weak_secret_key()
        silenced = [*settings.SILENCED_SYSTEM_CHECKS, *NOT_COUNTED]
        if options["allow_http"]:
            silenced += HTTPS_CHECKS
            self.stderr.write(
                "Внимание: --allow-http — настройки HTTPS не проверяются; пароли и данные "
                "клиентов пойдут по сети открытым текстом."
            )
        self.stdout.write("1/3 Проверка настроек для работы (check --deploy)")
        try:
            with override_settings(SILENCED_SYSTEM_CHECKS=silenced):
                call_command(
                    "check",
                    deploy=True,
                    fail_level="WARNING",
                    verbosity=verbosity,
                    stdout=self.stdout,
                    stderr=self.stderr,
                )
        except CommandError as exc:
            raise CommandError(
                "Обновление остановлено до изменения базы: настройки не готовы для работы "
                "(переменные описаны в .env.example и в разделе Production в README). "
                "Замечания Django:\n" + str(exc)
            ) from None
        # The stream itself, not our wrapper: migrate writes "Applying …" and " OK" apart.
        out = self.stdout._out
        self.stdout.write("2/3 Миграции базы данных (migrate)")
        call_command("migrate", interactive=False, verbosity=verbosity, stdout=out)
        self.stdout.write(f"3/3 Статические файлы в {settings.STATIC_ROOT} (collectstatic)")
        call_command("collectstatic", interactive=False, verbosity=verbosity, stdout=out)
        self.stdout.write(self.style.SUCCESS("Готово: можно запускать supportline web и worker."))
