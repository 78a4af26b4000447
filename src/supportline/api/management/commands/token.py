from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from supportline.accounts.models import User
from supportline.api.models import ApiToken
from supportline.core.formatting import msk

REVOKED_BY_COMMAND = "отозван командой supportline token"


class Command(BaseCommand):
    help = (
        "Выпустить токен REST API для пользователя и напечатать его (хранится только хеш); "
        "--list ИМЯ — токены пользователя, --revoke ID — отозвать токен"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="?", help="пользователь, которому выпустить токен")
        parser.add_argument("--name", default="", help="назначение токена")
        parser.add_argument(
            "--days", type=int, default=None, help="срок действия в днях (без него — бессрочно)"
        )
        parser.add_argument("--list", metavar="ИМЯ", help="показать токены пользователя")
        parser.add_argument("--revoke", metavar="ID", type=int, help="отозвать токен с этим ID")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["revoke"] is not None:
            self._revoke(options["revoke"])
        elif options["list"]:
            self._list(options["list"])
        elif options["username"]:
            self._issue(options["username"], options["name"], options["days"])
        else:
            raise CommandError("Укажите пользователя, --list ИМЯ или --revoke ID")

    def _user(self, username: str) -> User:
        try:
            return User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"Пользователь «{username}» не найден") from None

    def _issue(self, username: str, name: str, days: int | None) -> None:
        user = self._user(username)
        if not user.is_active:
            raise CommandError(f"Пользователь «{user.username}» отключён")
        expires_at = None
        if days is not None:
            if not 1 <= days <= 3650:
                raise CommandError("--days: от 1 до 3650 дней")
            expires_at = timezone.now() + dt.timedelta(days=days)
        _, raw = ApiToken.issue(user, name, expires_at=expires_at)
        self.stdout.write(raw)

    def _list(self, username: str) -> None:
        user = self._user(username)
        now = timezone.now()
        tokens = list(ApiToken.objects.filter(user=user))
        if not tokens:
            self.stdout.write(f"У пользователя «{user.username}» нет токенов")
            return
        self.stdout.write(
            "ID\tназначение\tвыпущен\tпоследнее использование\tдействует до\tсостояние"
        )
        for t in tokens:
            if t.revoked_at is not None:
                state = f"отозван {msk(t.revoked_at)} ({t.revoked_reason})"
            elif t.is_expired(now):
                state = "истёк"
            else:
                state = "действует"
            self.stdout.write(
                "\t".join(
                    [
                        str(t.pk),
                        t.name or "—",
                        msk(t.created_at),
                        msk(t.last_used_at),
                        msk(t.expires_at) if t.expires_at else "бессрочно",
                        state,
                    ]
                )
            )

    def _revoke(self, pk: int) -> None:
        token = ApiToken.objects.filter(pk=pk).select_related("user").first()
        if token is None:
            raise CommandError(f"Токен с ID {pk} не найден")
        if not ApiToken.objects.filter(pk=pk).revoke(reason=REVOKED_BY_COMMAND):
            self.stdout.write(f"Токен {pk} ({token.user.username}) уже был отозван")
            return
        self.stdout.write(f"Токен {pk} ({token.user.username}) отозван")
