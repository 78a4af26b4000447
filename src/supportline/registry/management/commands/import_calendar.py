from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from supportline.registry.models import CalendarYear
from supportline.worktime import CalendarDataError, parse_xmlcalendar, parse_year_file, year_to_json


class Command(BaseCommand):
    help = (
        "Загрузить год производственного календаря из файла (наш JSON одного года или XML "
        "формата xmlcalendar); заменяет встроенные данные этого года"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--decree", default=None, help="постановление (для XML-файла)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Файл «{path}» не прочитан: {exc.strerror}") from None
        try:
            if options["decree"] and content.lstrip().startswith(b"<"):
                year = parse_xmlcalendar(content, decree=options["decree"], source=path.name)
            else:
                year = parse_year_file(content)
        except CalendarDataError as exc:
            raise CommandError(f"Файл календаря отклонён: {exc}") from None
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
