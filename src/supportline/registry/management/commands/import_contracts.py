"""`supportline import-contracts FILE`: contracts and registration numbers from CSV or XLSX."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from supportline.registry.importer import ImportFileError, import_contracts


class Command(BaseCommand):
    help = (
        "Импортировать договоры и регистрационные номера из CSV или XLSX: всё или ничего, "
        "повторный импорт того же файла ничего не меняет. Формат файла описан в README."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="файл CSV (разделитель «;» или «,») или XLSX")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="только проверить файл и показать, что изменится, ничего не записывая",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            report = import_contracts(rows_source=path, dry_run=options["dry_run"])
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        except Exception as exc:  # a file from outside: no traceback (--traceback shows it)
            raise CommandError(
                f"Импорт отменён, ничего не записано: файл «{path.name}» не обработан из-за "
                f"непредвиденной ошибки {type(exc).__name__}; подробности — с ключом --traceback"
            ) from exc
        if report.errors:
            for error in report.errors:
                self.stderr.write(str(error))
            lines = len({error.line for error in report.errors})
            raise CommandError(
                "Импорт отменён, ничего не записано. "
                f"Ошибок: {len(report.errors)}, строк с ошибками: {lines} из {report.rows}"
            )
        title = "Проверка пройдена, ничего не записано" if report.dry_run else "Импорт выполнен"
        self.stdout.write(self.style.SUCCESS(f"{title}: строк {report.rows}"))
        self.stdout.write(f"  Организации: {report.organisations}")
        self.stdout.write(f"  Регистрационные номера: {report.registrations}")
        self.stdout.write(f"  Договоры: {report.contracts}")
        self.stdout.write(f"  Партнёры — клиенты: {report.links}")
