from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from supportline.ops.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Восстановление из папки резервной копии в пустую базу и хранилище "
        "(остановите веб-процессы и обработчики заданий на это время)"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="папка, записанная `supportline backup`")
        parser.add_argument(
            "--force", action="store_true", help="заменить данные линии, если база не пуста"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            restore(options["folder"], self.stdout.write, force=options["force"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS("Восстановление закончено"))
