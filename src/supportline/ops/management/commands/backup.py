from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from supportline.ops.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Резервная копия в новую папку: база данных (pg_dump или онлайн-копия SQLite), "
        "файлы вложений из хранилища, секретный ключ, manifest.json"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="новая (или пустая) папка для копии")

    def handle(self, *args: Any, **options: Any) -> None:
        folder: Path = options["folder"]
        try:
            manifest = backup(folder, self.stderr.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        counts = ", ".join(f"{k} {v}" for k, v in manifest.counts.items())
        self.stdout.write(f"Строк: {counts}")
        self.stdout.write(f"Файлов вложений: {len(manifest.files)}")
        self.stdout.write(
            self.style.SUCCESS(f"Резервная копия записана в {folder} (храните её как секрет)")
        )
