from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from supportline.accounts.models import User
from supportline.api.models import ApiToken


class Command(BaseCommand):
    help = "Выпустить токен REST API для пользователя и напечатать его (хранится только хеш)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="назначение токена")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist:
            raise CommandError(f"Пользователь «{options['username']}» не найден") from None
        if not user.is_active:
            raise CommandError(f"Пользователь «{user.username}» отключён")
        _, raw = ApiToken.issue(user, options["name"])
        self.stdout.write(raw)
