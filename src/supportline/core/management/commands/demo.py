from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from supportline.core.demo import load_demo
from supportline.core.demo_tickets import load_demo_tickets


class Command(BaseCommand):
    help = "Загрузить демонстрационные данные (повторный запуск ничего не дублирует)"

    def handle(self, *args: Any, **options: Any) -> None:
        logins = load_demo()
        made = load_demo_tickets(now=timezone.now())
        if made:
            self.stdout.write(f"Создано демо-обращений: {made}")
        self.stdout.write(self.style.SUCCESS("Демо-данные загружены. Входы:"))
        for login in logins:
            self.stdout.write(f"  {login.username:<14} пароль: {login.password:<18} {login.who}")
