"""A new year's calendar is loaded without a code change; single days are corrected in the admin
(issue 4; SPEC R9, R21). The service's clock follows both."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from supportline.core import rules
from supportline.registry.models import CalendarOverride, CalendarYear

pytestmark = pytest.mark.django_db
MSK = ZoneInfo("Europe/Moscow")

XML_2030 = """<?xml version="1.0" encoding="UTF-8"?>
<calendar year="2030" lang="ru">
  <days>
    <day d="01.01" t="1" h="1"/><day d="01.02" t="1" h="1"/><day d="01.03" t="1" h="1"/>
    <day d="01.04" t="1" h="1"/><day d="01.07" t="1" h="2"/><day d="01.08" t="1" h="1"/>
    <day d="02.22" t="2"/><day d="02.23" t="1" h="3"/><day d="03.07" t="2"/><day d="03.08" t="1" h="4"/>
    <day d="04.30" t="2"/><day d="05.01" t="1" h="5"/><day d="05.08" t="2"/><day d="05.09" t="1" h="6"/>
    <day d="05.10" t="1"/><day d="06.11" t="2"/><day d="06.12" t="1" h="7"/><day d="11.04" t="1" h="8"/>
    <day d="12.31" t="1"/>
  </days>
</calendar>
"""


@pytest.fixture(autouse=True)
def fresh_calendar() -> None:
    rules.forget_calendar()


def test_r9_provisional_year_until_its_calendar_is_imported(tmp_path: Path) -> None:
    assert rules.calendar().year_status(2030) == "provisional"
    path = tmp_path / "2030.xml"
    path.write_text(XML_2030, encoding="utf-8")
    out = StringIO()
    call_command("import_calendar", str(path), "--decree", "ПП РФ от 01.09.2029 № 1", stdout=out)
    assert "Календарь 2030 года загружен" in out.getvalue()
    row = CalendarYear.objects.get(year=2030)
    assert row.decree == "ПП РФ от 01.09.2029 № 1"
    calendar = rules.calendar()
    assert calendar.year_status(2030) == "official"
    # 10 May 2030 (Friday) is a day off by the imported file; 31 Dec (Tuesday) too.
    assert calendar.working_hours(dt.date(2030, 5, 10)) is None
    assert calendar.working_hours(dt.date(2030, 12, 31)) is None
    # Re-importing updates, never duplicates.
    call_command(
        "import_calendar", str(path), "--decree", "ПП РФ от 01.09.2029 № 1", stdout=StringIO()
    )
    assert CalendarYear.objects.count() == 1


def test_r9_our_json_year_format_imports_too(tmp_path: Path) -> None:
    from supportline.worktime import load_packaged_years, year_to_json

    year = year_to_json(load_packaged_years()[2026])
    year["year"] = 2026
    path = tmp_path / "2026.json"
    path.write_text(json.dumps(year, ensure_ascii=False), encoding="utf-8")
    call_command("import_calendar", str(path), stdout=StringIO())
    assert CalendarYear.objects.get(year=2026).decree.startswith("Постановление")


def test_bad_calendar_file_is_refused_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"year": 2031, "status": "official"}', encoding="utf-8")
    with pytest.raises(CommandError, match="Файл календаря отклонён"):
        call_command("import_calendar", str(path))
    with pytest.raises(CommandError, match="не прочитан"):
        call_command("import_calendar", str(tmp_path / "missing.json"))
    assert CalendarYear.objects.count() == 0


def test_r9_admin_override_of_a_single_day_moves_deadlines() -> None:
    tuesday = dt.datetime(2026, 11, 24, 10, 0, tzinfo=MSK)
    before = rules.calendar().add_working_time(tuesday, dt.timedelta(hours=9))
    assert before == dt.datetime(2026, 11, 25, 10, 0, tzinfo=MSK)
    CalendarOverride.objects.create(
        date=dt.date(2026, 11, 25), kind="day_off", reason="Региональный выходной"
    )
    after = rules.calendar().add_working_time(tuesday, dt.timedelta(hours=9))
    assert after == dt.datetime(2026, 11, 26, 10, 0, tzinfo=MSK)
    CalendarOverride.objects.all().delete()
    assert rules.calendar().add_working_time(tuesday, dt.timedelta(hours=9)) == before


def test_r21_working_hours_come_from_the_regulation_file(settings: object, tmp_path: Path) -> None:
    """Another line's regulation with 10:00–19:00 hours: the service's clock follows it."""
    import supportline.regulation

    text = (Path(supportline.regulation.__file__).parent / "1c-crm.toml").read_text(
        encoding="utf-8"
    )
    text = text.replace('start = "09:00"', 'start = "10:00"').replace(
        'end = "18:00"', 'end = "19:00"'
    )
    text = text.replace('short_day_end = "17:00"', 'short_day_end = "18:00"')
    other = tmp_path / "other.toml"
    other.write_text(text, encoding="utf-8")
    settings.REGULATION_FILE = str(other)  # type: ignore[attr-defined]
    rules.regulation.cache_clear()
    rules.forget_calendar()
    try:
        tuesday = dt.datetime(2026, 11, 24, 9, 0, tzinfo=MSK)
        assert rules.calendar().add_working_time(tuesday, dt.timedelta(hours=1)) == dt.datetime(
            2026, 11, 24, 11, 0, tzinfo=MSK
        )
    finally:
        rules.regulation.cache_clear()
        rules.forget_calendar()
