from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from supportline.registry.calendar_file import MAX_BYTES, CalendarFileError, read_calendar
from supportline.registry.models import CalendarYear
from supportline.worktime import year_to_json


class Command(BaseCommand):
    help = (
        "Загрузить год производственного календаря из файла (наш JSON одного года или XML "
        "формата xmlcalendar; UTF-8, UTF-16 или кодировка из заголовка XML); заменяет "
        "встроенные данные этого года"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--decree", default=None, help="постановление (для XML-файла)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            with path.open("rb") as handle:
                content = handle.read(MAX_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"Файл «{path}» не прочитан: {exc.strerror}") from None
        try:
            year = read_calendar(content, decree=options["decree"], source=path.name)
        except CalendarFileError as exc:
            raise CommandError(f"Файл календаря отклонён: {exc}") from None
        except Exception as exc:  # a file from outside: no traceback (--traceback shows it)
            raise CommandError(
                f"Файл календаря «{path.name}» не загружен: непредвиденная ошибка "
                f"{type(exc).__name__}; подробности — с ключом --traceback"
            ) from exc
        data = year_to_json(year)
        row, created = CalendarYear.objects.update_or_create(
            year=year.year, defaults={"data": data, "decree": year.decree or ""}
        )
        verb = "загружен" if created else "обновлён"
        totals = (
            f": рабочих дней {year.totals.working_days}, часов при 40-часовой неделе "
            f"{year.totals.hours_40h_week}"
            if year.totals is not None
            else ""
        )
        self.stdout.write(f"Календарь {row.year} года {verb} ({year.status}){totals}")
