from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from supportline.core.demo import load_demo


class Command(BaseCommand):
    help = "Загрузить демонстрационные данные (повторный запуск ничего не дублирует)"

    def handle(self, *args: Any, **options: Any) -> None:
        logins = load_demo()
        self.stdout.write(self.style.SUCCESS("Демо-данные загружены. Входы:"))
        for login in logins:
            self.stdout.write(f"  {login.username:<14} пароль: {login.password:<18} {login.who}")
