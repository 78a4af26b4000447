"""The packaged production-calendar data and the validation of calendar files."""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from typing import Any

import pytest

from supportline.worktime import (
    CalendarDataError,
    YearStatus,
    load_packaged_years,
    parse_calendar_document,
    parse_xmlcalendar,
    parse_year,
    parse_year_file,
    year_to_json,
)
from tests.worktime import worktime_oracle as oracle

YEARS = [2023, 2024, 2025, 2026, 2027]
ART112 = [(1, d) for d in range(1, 9)] + [(2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)]

# The brief's facts, entered a second time by hand so that a slip in the data file shows.
EXPECTED = {
    2023: {
        "decree": "Постановление Правительства РФ от 29.08.2022 № 1505",
        "days_off": {"2023-02-24": "2023-01-01", "2023-05-08": "2023-01-08",
                     "2023-11-06": "2023-11-04"},
        "working_weekends": [],
        "short_days": ["2023-02-22", "2023-03-07", "2023-11-03"],
        "totals": (247, 1973),
    },
    2024: {
        "decree": "Постановление Правительства РФ от 10.08.2023 № 1314",
        "days_off": {"2024-04-29": "2024-04-27", "2024-04-30": "2024-11-02",
                     "2024-05-10": "2024-01-06", "2024-12-30": "2024-12-28",
                     "2024-12-31": "2024-01-07"},
        "working_weekends": ["2024-04-27", "2024-11-02", "2024-12-28"],
        "short_days": ["2024-02-22", "2024-03-07", "2024-05-08", "2024-06-11", "2024-11-02"],
        "totals": (248, 1979),
    },
    2025: {
        "decree": "Постановление Правительства РФ от 04.10.2024 № 1335",
        "days_off": {"2025-05-02": "2025-01-04", "2025-05-08": "2025-02-23",
                     "2025-06-13": "2025-03-08", "2025-11-03": "2025-11-01",
                     "2025-12-31": "2025-01-05"},
        "working_weekends": ["2025-11-01"],
        "short_days": ["2025-03-07", "2025-04-30", "2025-06-11", "2025-11-01"],
        "totals": (247, 1972),
    },
    2026: {
        "decree": "Постановление Правительства РФ от 24.09.2025 № 1466",
        "days_off": {"2026-01-09": "2026-01-03", "2026-03-09": "2026-03-08",
                     "2026-05-11": "2026-05-09", "2026-12-31": "2026-01-04"},
        "working_weekends": [],
        "short_days": ["2026-04-30", "2026-05-08", "2026-06-11", "2026-11-03"],
        "totals": (247, 1972),
    },
    2027: {
        "decree": None,
        "days_off": {"2027-02-22": "2027-02-20", "2027-05-03": "2027-05-01",
                     "2027-05-10": "2027-05-09", "2027-06-14": "2027-06-12",
                     "2027-11-05": "2027-01-02", "2027-12-31": "2027-01-03"},
        "working_weekends": ["2027-02-20"],
        "short_days": ["2027-02-20", "2027-04-30", "2027-06-11", "2027-11-03"],
        "totals": (247, 1972),
    },
}  # fmt: skip


def _dates(values: list[str]) -> set[date]:
    return {date.fromisoformat(v) for v in values}


@pytest.mark.parametrize("year", YEARS)
def test_packaged_year_reproduces_published_totals(year: int) -> None:
    # Counted by plain loops over the raw file, independently of the parser's own check.
    item = oracle.raw_years()[year]
    off = _dates(item["holidays"]) | {date.fromisoformat(o["date"]) for o in item["days_off"]}
    working_weekends = _dates(item["working_weekends"])
    short_days = _dates(item["short_days"])
    full = short = 0
    day = date(year, 1, 1)
    while day.year == year:
        working = day in working_weekends or (day.weekday() < 5 and day not in off)
        if working and day in short_days:
            short += 1
        elif working:
            full += 1
        day += timedelta(days=1)
    assert (full + short, 8 * full + 7 * short) == EXPECTED[year]["totals"]
    totals = item["totals"]
    assert (totals["working_days"], totals["hours_40h_week"]) == EXPECTED[year]["totals"]
    assert totals["published"] is (year != 2027)


@pytest.mark.parametrize("year", YEARS)
def test_packaged_year_matches_the_decree_facts(year: int) -> None:
    item = oracle.raw_years()[year]
    expected = EXPECTED[year]
    assert item["decree"] == expected["decree"]
    assert {o["date"]: o["from"] for o in item["days_off"]} == expected["days_off"]
    assert item["working_weekends"] == expected["working_weekends"]
    assert item["short_days"] == expected["short_days"]
    assert _dates(item["holidays"]) == {date(year, m, d) for m, d in ART112}


@pytest.mark.parametrize("year", YEARS)
def test_packaged_year_days_are_consistent(year: int) -> None:
    item = oracle.raw_years()[year]
    holidays = _dates(item["holidays"])
    days_off = {date.fromisoformat(o["date"]): o["from"] for o in item["days_off"]}
    working_weekends = _dates(item["working_weekends"])
    for day, moved_from in days_off.items():
        assert day.weekday() < 5, f"{day} day off on a weekend"
        assert day not in holidays
        source = date.fromisoformat(moved_from)
        assert source.weekday() >= 5, f"{day}: moved from a weekday {source}"
        assert source in holidays or source in working_weekends
    # Every worked weekend day gave its rest to exactly one weekday.
    sources = [date.fromisoformat(f) for f in days_off.values()]
    assert len(sources) == len(set(sources))
    assert working_weekends <= set(sources)
    for day in working_weekends:
        assert day.weekday() >= 5
        assert day not in holidays
    for day in _dates(item["short_days"]):
        assert day in working_weekends or (
            day.weekday() < 5 and day not in holidays and day not in days_off
        ), f"{day} short but not a working day"
    for day in holidays | set(days_off) | working_weekends:
        assert day.year == year


def test_packaged_years_statuses() -> None:
    years = load_packaged_years()
    assert sorted(years) == YEARS
    for year in (2023, 2024, 2025, 2026):
        assert years[year].status is YearStatus.OFFICIAL
        assert years[year].decree
    assert years[2027].status is YearStatus.UNCONFIRMED
    assert years[2027].decree is None
    assert "не подтвержден" in years[2027].source
    assert years[2027].totals is not None
    assert not years[2027].totals.published


# -- validation ------------------------------------------------------------------------------


def _year(year: int = 2024) -> dict[str, Any]:
    return copy.deepcopy(oracle.raw_years()[year])


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda y: y["short_days"].append("2024-02-30"), "not a valid date"),
        (lambda y: y["short_days"].append("2024-2-1"), "YYYY-MM-DD"),
        (lambda y: y["holidays"].append("2025-01-01"), "not in 2024"),
        (lambda y: y["holidays"].append("2024-01-01"), "listed twice"),
        (lambda y: y["short_days"].append("2024-04-29"), "both days_off and short_days"),
        (lambda y: y["working_weekends"].append("2024-01-06"), "both holidays and working"),
        (lambda y: y["working_weekends"].append("2024-03-13"), "not a Saturday or Sunday"),
        (lambda y: y["days_off"].append({"date": "2024-03-16"}), "weekend day"),
        (lambda y: y["days_off"].append({"date": "2024-03-13", "from": "2024-03-12"}),
         "not a Saturday or Sunday"),
        (lambda y: y["days_off"].append({"date": "2024-03-13", "from": "2024-03-16"}),
         "neither a holiday nor a working weekend"),
        (lambda y: y["days_off"].append({"date": "2024-03-13", "from": "2024-04-27"}),
         "moved twice"),
        (lambda y: y["short_days"].append("2024-03-16"), "not a working day"),
        (lambda y: y["totals"].update(working_days=247), "totals say 247"),
        (lambda y: y.update(shortdays=[]), "unknown keys"),
        (lambda y: y.pop("short_days"), "missing keys"),
        (lambda y: y.update(decree=None), "must name its decree"),
        (lambda y: y.update(status="provisional"), "status must be"),
        (lambda y: y.update(year=1800), "outside the supported years"),
        (lambda y: y["days_off"].append(["2024-03-13"]), "must be a date or"),
    ],
)  # fmt: skip
def test_invalid_year_is_rejected_with_a_clear_error(mutate: Any, message: str) -> None:
    raw = _year()
    mutate(raw)
    with pytest.raises(CalendarDataError, match=message):
        parse_year(raw)


def test_a_working_weekend_may_also_be_short() -> None:
    # The one overlap the validation allows: 2024-11-02 is in both lists.
    data = parse_year(_year(2024))
    assert date(2024, 11, 2) in data.working_weekends
    assert date(2024, 11, 2) in data.short_days


def test_document_validation() -> None:
    document = json.loads(oracle.DATA_FILE.read_text(encoding="utf-8"))
    assert sorted(parse_calendar_document(document)) == YEARS
    twice = copy.deepcopy(document)
    twice["years"].append(twice["years"][0])
    with pytest.raises(CalendarDataError, match="appears twice"):
        parse_calendar_document(twice)
    wrong_format = copy.deepcopy(document)
    wrong_format["format"] = 2
    with pytest.raises(CalendarDataError, match="unsupported format"):
        parse_calendar_document(wrong_format)


def test_year_file_json_round_trip() -> None:
    for year, data in load_packaged_years().items():
        text = json.dumps(year_to_json(data), ensure_ascii=False)
        assert parse_year_file(text) == data
        assert parse_year_file(text.encode()) == data, year


def test_year_file_rejects_bad_json() -> None:
    with pytest.raises(CalendarDataError, match="not valid JSON"):
        parse_year_file('{"year": 2028,')
    with pytest.raises(CalendarDataError, match="JSON object"):
        parse_year_file("[]")


def _xml(year: int) -> str:
    """An xmlcalendar file written from our data the way the public files are."""
    data = load_packaged_years()[year]
    days: dict[date, str] = {}
    for day in data.holidays:
        days[day] = 't="1" h="1"'
    for off in data.days_off:
        moved = f' f="{off.moved_from:%m.%d}"' if off.moved_from else ""
        days[off.day] = f't="1"{moved}'
    for day in data.working_weekends:
        days[day] = 't="3"'
    for day in data.short_days:
        days[day] = 't="2"'
    rows = "\n".join(f'    <day d="{d:%m.%d}" {attrs}/>' for d, attrs in sorted(days.items()))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<calendar year="{year}" lang="ru" date="2026.09.02" country="ru">\n'
        f'  <holidays><holiday id="1" title="Новогодние каникулы"/></holidays>\n'
        f"  <days>\n{rows}\n  </days>\n</calendar>\n"
    )


@pytest.mark.parametrize("year", YEARS)
def test_xmlcalendar_file_gives_the_same_days(year: int) -> None:
    ours = load_packaged_years()[year]
    parsed = parse_year_file(_xml(year).encode())
    assert parsed.status is YearStatus.UNCONFIRMED
    assert parsed.decree is None
    assert "2026.09.02" in parsed.source
    assert parsed.holidays == tuple(sorted(ours.holidays))
    assert parsed.days_off == tuple(sorted(ours.days_off, key=lambda off: off.day))
    assert parsed.working_weekends == ours.working_weekends
    assert parsed.short_days == ours.short_days
    official = parse_xmlcalendar(_xml(year), decree="Постановление № 1")
    assert official.status is YearStatus.OFFICIAL


def test_xmlcalendar_rejections() -> None:
    with pytest.raises(CalendarDataError, match="DTD"):
        parse_xmlcalendar('<!DOCTYPE x [<!ENTITY a "b">]><calendar year="2024"/>')
    with pytest.raises(CalendarDataError, match="well-formed"):
        parse_xmlcalendar('<calendar year="2024">')
    with pytest.raises(CalendarDataError, match="unknown type"):
        parse_xmlcalendar('<calendar year="2024"><days><day d="03.13" t="7"/></days></calendar>')
    with pytest.raises(CalendarDataError, match="t=3 but is a weekday"):
        parse_xmlcalendar('<calendar year="2024"><days><day d="03.13" t="3"/></days></calendar>')
    with pytest.raises(CalendarDataError, match="not a valid date"):
        parse_xmlcalendar('<calendar year="2024"><days><day d="02.30" t="1"/></days></calendar>')
    with pytest.raises(CalendarDataError, match="both holidays and short_days"):
        parse_xmlcalendar(
            '<calendar year="2024"><days><day d="03.13" t="1" h="1"/><day d="03.13" t="2"/>'
            "</days></calendar>"
        )
