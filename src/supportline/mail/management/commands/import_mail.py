from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from supportline.mail.models import InboundMail
from supportline.mail.services import inbound_mail_store


class Command(BaseCommand):
    help = (
        "Принять письма из файлов .eml (или из стандартного ввода: «-»), как будто они пришли "
        "в ящик: для доставки из почтового сервера через pipe и для ручного переноса писем"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", help="файлы .eml или «-»")
        parser.add_argument(
            "--mailbox", choices=InboundMail.Box.values, default=InboundMail.Box.LINE
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for name in options["files"]:
            try:
                raw = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
            except OSError as exc:
                raise CommandError(f"{name}: {exc}") from None
            mail = inbound_mail_store(mailbox=options["mailbox"], raw=raw)
            if mail is None:
                self.stdout.write(f"{name}: уже получено ранее")
            elif mail.state == InboundMail.State.QUARANTINED:
                self.stdout.write(f"{name}: сохранено как #{mail.pk} в карантин: {mail.error}")
            else:
                self.stdout.write(f"{name}: сохранено как #{mail.pk} {mail.message_id}")
