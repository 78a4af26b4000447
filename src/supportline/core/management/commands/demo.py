from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone

from supportline.core.demo import load_demo, why_not_a_trial
from supportline.core.demo_tickets import load_demo_tickets


class Command(BaseCommand):
    help = "Загрузить демонстрационные данные (повторный запуск ничего не дублирует)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="загрузить и в базу, которая не похожа на пробную (пользователи с известными паролями!)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        reason = why_not_a_trial(
            debug=settings.DEBUG,
            testing=getattr(settings, "TESTING", False),
            vendor=connection.vendor,
        )
        if reason and not options["force"]:
            raise CommandError(
                f"Демо-данные не загружены: {reason}. Демо создаёт пользователей с известными "
                "паролями, им не место в работающей линии. Если это всё же проба, "
                "повторите с --force."
            )
        logins = load_demo()
        made = load_demo_tickets(now=timezone.now())
        if made:
            self.stdout.write(f"Создано демо-обращений: {made}")
        self.stdout.write(self.style.SUCCESS("Демо-данные загружены. Входы:"))
        for login in logins:
            self.stdout.write(f"  {login.username:<14} пароль: {login.password:<18} {login.who}")
