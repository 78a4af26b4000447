"""Reading and validating production-calendar data: our JSON and the xmlcalendar XML.

Everything here is pure: a new year is loaded by parsing its file with `parse_year_file`
and passing the result to `Calendar(years=...)`, no code change needed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import date
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Any
from xml.etree import ElementTree

from .kinds import CalendarDataError, DayOff, Totals, YearData, YearStatus

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "load_packaged_years",
    "merge_years",
    "parse_calendar_document",
    "parse_xmlcalendar",
    "parse_year",
    "parse_year_file",
    "validate_year",
    "year_to_json",
]

# The engine converts epoch microseconds to datetimes through a float, which is exact only
# while |seconds| < 2**32 (till 2106); these bounds keep every instant well inside that.
MIN_YEAR = 1900
MAX_YEAR = 2100

PACKAGED_RESOURCE = "calendars/ru.json"
FORMAT_VERSION = 1

_YEAR_KEYS = frozenset(
    {
        "year",
        "status",
        "decree",
        "source",
        "totals",
        "holidays",
        "days_off",
        "working_weekends",
        "short_days",
        "notes",
    }
)
# Every list is required (even when empty) so that a hand-edited year cannot silently
# lose one by a misspelt or forgotten key.
_REQUIRED_YEAR_KEYS = frozenset(
    {"year", "status", "decree", "source", "holidays", "days_off", "working_weekends", "short_days"}
)
_TOTALS_KEYS = frozenset({"working_days", "hours_40h_week", "published"})
_DOCUMENT_KEYS = frozenset({"format", "country", "timezone", "description", "years"})
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_XML_DAY = re.compile(r"(\d{2})\.(\d{2})")


def _fail(year: object, message: str) -> CalendarDataError:
    return CalendarDataError(f"year {year}: {message}")


def _parse_iso_date(year: int, value: object, what: str) -> date:
    # fromisoformat alone would also accept "20240101" and week dates; the data file is
    # edited by hand, so only the one unambiguous spelling is allowed.
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise _fail(year, f"{what}: {value!r} is not a date in YYYY-MM-DD form")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise _fail(year, f"{what}: {value!r} is not a valid date") from None


def _date_list(year: int, raw: Mapping[str, Any], key: str) -> list[date]:
    value = raw.get(key, [])
    if not isinstance(value, list):
        raise _fail(year, f"{key!r} must be a list of dates")
    return [_parse_iso_date(year, item, key) for item in value]


def _days_off(year: int, raw: Mapping[str, Any]) -> list[DayOff]:
    value = raw.get("days_off", [])
    if not isinstance(value, list):
        raise _fail(year, "'days_off' must be a list")
    result: list[DayOff] = []
    for item in value:
        # A bare date is accepted for a day off whose origin is unknown (e.g. imported XML).
        if isinstance(item, str):
            result.append(DayOff(_parse_iso_date(year, item, "days_off")))
            continue
        if not isinstance(item, dict) or not set(item) <= {"date", "from"} or "date" not in item:
            raise _fail(year, f"days_off: {item!r} must be a date or {{'date': ..., 'from': ...}}")
        day = _parse_iso_date(year, item["date"], "days_off")
        moved_from = item.get("from")
        result.append(
            DayOff(
                day,
                None if moved_from is None else _parse_iso_date(year, moved_from, "days_off.from"),
            )
        )
    return result


def _totals(year: int, raw: object) -> Totals | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or not set(raw) <= _TOTALS_KEYS:
        raise _fail(year, f"'totals' must be an object with keys {sorted(_TOTALS_KEYS)}")
    days = raw.get("working_days")
    hours = raw.get("hours_40h_week")
    published = raw.get("published", True)
    # bool is an int subclass; True must not pass for a count.
    if type(days) is not int or type(hours) is not int or not isinstance(published, bool):
        raise _fail(year, "totals: working_days and hours_40h_week must be integers")
    return Totals(working_days=days, hours_40h_week=hours, published=published)


def parse_year(raw: object) -> YearData:
    """Build validated `YearData` from one decoded JSON year object (the shape of an item of
    the packaged file's "years" list). Raises `CalendarDataError` with a precise message."""
    if not isinstance(raw, dict):
        raise CalendarDataError("a year must be a JSON object")
    year = raw.get("year")
    if type(year) is not int:
        raise CalendarDataError(f"'year' must be an integer, got {year!r}")
    unknown = set(raw) - _YEAR_KEYS
    if unknown:
        # Typos such as "short_day" would otherwise silently drop a whole list.
        raise _fail(year, f"unknown keys {sorted(unknown)}")
    missing = _REQUIRED_YEAR_KEYS - set(raw)
    if missing:
        raise _fail(year, f"missing keys {sorted(missing)}")
    status_raw = raw["status"]
    if status_raw not in (YearStatus.OFFICIAL, YearStatus.UNCONFIRMED):
        raise _fail(year, f"status must be 'official' or 'unconfirmed', got {status_raw!r}")
    decree = raw.get("decree")
    source = raw["source"]
    notes = raw.get("notes")
    if decree is not None and not (isinstance(decree, str) and decree.strip()):
        raise _fail(year, "'decree' must be a non-empty string or null")
    if not isinstance(source, str) or not source.strip():
        raise _fail(year, "'source' must be a non-empty string")
    if notes is not None and not isinstance(notes, str):
        raise _fail(year, "'notes' must be a string")
    data = YearData(
        year=year,
        status=YearStatus(status_raw),
        decree=decree,
        source=source,
        holidays=tuple(_date_list(year, raw, "holidays")),
        days_off=tuple(_days_off(year, raw)),
        working_weekends=tuple(_date_list(year, raw, "working_weekends")),
        short_days=tuple(_date_list(year, raw, "short_days")),
        totals=_totals(year, raw.get("totals")),
        notes=notes,
    )
    validate_year(data)
    return data


def validate_year(data: YearData) -> None:
    """Check the internal consistency of one year; raise `CalendarDataError` on the first
    problem. Both parsers call it, so whatever reaches a Calendar has passed it."""
    year = data.year
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise _fail(year, f"outside the supported years {MIN_YEAR}-{MAX_YEAR}")
    if data.status is YearStatus.OFFICIAL and not data.decree:
        raise _fail(year, "an official year must name its decree")
    if data.status is YearStatus.PROVISIONAL:
        raise _fail(year, "'provisional' is reserved for years computed by the fallback rules")

    lists: dict[str, list[date]] = {
        "holidays": list(data.holidays),
        "days_off": [off.day for off in data.days_off],
        "working_weekends": list(data.working_weekends),
        "short_days": list(data.short_days),
    }
    seen: dict[date, str] = {}
    for name, days in lists.items():
        for day in days:
            if day.year != year:
                raise _fail(year, f"{name}: {day.isoformat()} is not in {year}")
            previous = seen.get(day)
            if previous == name:
                raise _fail(year, f"{name}: {day.isoformat()} is listed twice")
            # The only legitimate overlap: a working Saturday that is also shortened
            # (2024-11-02, 2025-11-01, 2027-02-20).
            if previous is not None and {previous, name} != {"working_weekends", "short_days"}:
                raise _fail(year, f"{day.isoformat()} is in both {previous} and {name}")
            seen.setdefault(day, name)

    holidays = set(data.holidays)
    working_weekends = set(data.working_weekends)
    for off in data.days_off:
        if off.day.weekday() >= 5:
            raise _fail(
                year, f"days_off: {off.day.isoformat()} is a weekend day, already a day off"
            )
        source = off.moved_from
        if source is None:
            continue
        if source.weekday() < 5:
            raise _fail(
                year,
                f"days_off: {off.day.isoformat()} is moved from {source.isoformat()}, "
                "which is not a Saturday or Sunday",
            )
        # Within the year, rest can only be moved from a weekend day that is itself worked
        # or is a holiday (whose rest would otherwise be lost); anything else is a typo.
        if source.year == year and source not in holidays | working_weekends:
            raise _fail(
                year,
                f"days_off: {off.day.isoformat()} is moved from {source.isoformat()}, "
                "which is neither a holiday nor a working weekend day",
            )
    moved = [off.moved_from for off in data.days_off if off.moved_from is not None]
    if len(moved) != len(set(moved)):
        raise _fail(year, "days_off: the same day's rest is moved twice")
    for day in data.working_weekends:
        if day.weekday() < 5:
            raise _fail(year, f"working_weekends: {day.isoformat()} is not a Saturday or Sunday")
    for day in data.short_days:
        if not data.is_working(day):
            raise _fail(year, f"short_days: {day.isoformat()} is not a working day")

    if data.totals is not None:
        counted_days = data.count_working_days()
        counted_hours = data.hours_40h_week()
        if (counted_days, counted_hours) != (data.totals.working_days, data.totals.hours_40h_week):
            raise _fail(
                year,
                f"the days give {counted_days} working days / {counted_hours} h, "
                f"but the totals say {data.totals.working_days} / {data.totals.hours_40h_week} h",
            )


def year_to_json(data: YearData) -> dict[str, Any]:
    """The JSON object of one year, as `parse_year` reads it (to store an imported year)."""
    result: dict[str, Any] = {
        "year": data.year,
        "status": str(data.status),
        "decree": data.decree,
        "source": data.source,
    }
    if data.totals is not None:
        result["totals"] = {
            "working_days": data.totals.working_days,
            "hours_40h_week": data.totals.hours_40h_week,
            "published": data.totals.published,
        }
    result["holidays"] = [d.isoformat() for d in data.holidays]
    result["days_off"] = [
        {
            "date": off.day.isoformat(),
            "from": None if off.moved_from is None else off.moved_from.isoformat(),
        }
        for off in data.days_off
    ]
    result["working_weekends"] = [d.isoformat() for d in data.working_weekends]
    result["short_days"] = [d.isoformat() for d in data.short_days]
    if data.notes is not None:
        result["notes"] = data.notes
    return result


def parse_calendar_document(raw: object) -> dict[int, YearData]:
    """Validate a multi-year document (the packaged file's shape) into {year: YearData}."""
    if not isinstance(raw, dict):
        raise CalendarDataError("a calendar document must be a JSON object")
    unknown = set(raw) - _DOCUMENT_KEYS
    if unknown:
        raise CalendarDataError(f"calendar document: unknown keys {sorted(unknown)}")
    if raw.get("format") != FORMAT_VERSION:
        raise CalendarDataError(
            f"calendar document: unsupported format {raw.get('format')!r}, "
            f"expected {FORMAT_VERSION}"
        )
    items = raw.get("years")
    if not isinstance(items, list):
        raise CalendarDataError("calendar document: 'years' must be a list")
    years: dict[int, YearData] = {}
    for item in items:
        data = parse_year(item)
        if data.year in years:
            raise _fail(data.year, "appears twice in the document")
        years[data.year] = data
    return years


def parse_year_file(content: str | bytes) -> YearData:
    """Parse one year's file: our JSON year object, or the xmlcalendar XML (detected by a
    leading '<'). Raises `CalendarDataError` on anything malformed or inconsistent."""
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
    if text.lstrip().startswith("<"):
        return parse_xmlcalendar(text)
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CalendarDataError(f"not valid JSON: {exc}") from None
    return parse_year(raw)


def parse_xmlcalendar(
    content: str | bytes, *, decree: str | None = None, source: str | None = None
) -> YearData:
    """Parse the xmlcalendar format: <calendar year="YYYY"><days><day d="MM.DD" t="1|2|3"
    [h="holiday id"] [f="MM.DD"]/>...</days></calendar>, where t=1 is a day off (a holiday
    when h is present), t=2 a shortened working day, t=3 a working weekend day, and f the
    day whose rest was moved here.

    The file carries no decree, so the year is 'unconfirmed' unless `decree` is given.
    """
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
    # The standard-library parser expands internal entities; a calendar never needs a DTD,
    # so refusing one closes the entity-expansion attacks on an uploaded file.
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        raise CalendarDataError("xmlcalendar: DTDs and entities are not allowed")
    try:
        root = ElementTree.fromstring(text)  # noqa: S314 - DTDs refused above
    except ElementTree.ParseError as exc:
        raise CalendarDataError(f"xmlcalendar: not well-formed XML: {exc}") from None
    if root.tag != "calendar":
        raise CalendarDataError(f"xmlcalendar: root element is <{root.tag}>, not <calendar>")
    year_attr = root.get("year", "")
    if not year_attr.isdigit():
        raise CalendarDataError(f"xmlcalendar: bad year attribute {year_attr!r}")
    year = int(year_attr)

    def day_of(value: str | None, what: str) -> date:
        match = _XML_DAY.fullmatch(value or "")
        if match is None:
            raise _fail(year, f"xmlcalendar: {what} {value!r} is not MM.DD")
        try:
            return date(year, int(match[1]), int(match[2]))
        except ValueError:
            raise _fail(year, f"xmlcalendar: {what} {value!r} is not a valid date") from None

    holidays: list[date] = []
    days_off: list[DayOff] = []
    working_weekends: list[date] = []
    short_days: list[date] = []
    for element in root.iterfind("./days/day"):
        day = day_of(element.get("d"), "day")
        kind = element.get("t")
        weekend = day.weekday() >= 5
        if kind == "1":
            if element.get("h"):
                holidays.append(day)
            elif not weekend:
                moved = element.get("f")
                days_off.append(DayOff(day, day_of(moved, "f") if moved else None))
            # A plain weekend day listed as a day off says nothing new.
        elif kind == "2":
            # A shortened Saturday/Sunday is necessarily a working one.
            if weekend:
                working_weekends.append(day)
            short_days.append(day)
        elif kind == "3":
            if not weekend:
                raise _fail(year, f"xmlcalendar: {day.isoformat()} has t=3 but is a weekday")
            working_weekends.append(day)
        else:
            raise _fail(year, f"xmlcalendar: {day.isoformat()} has unknown type t={kind!r}")
    data = YearData(
        year=year,
        status=YearStatus.OFFICIAL if decree else YearStatus.UNCONFIRMED,
        decree=decree,
        source=source or f"xmlcalendar file (calendar date {root.get('date', 'unknown')})",
        holidays=tuple(sorted(holidays)),
        days_off=tuple(sorted(days_off, key=lambda off: off.day)),
        working_weekends=tuple(sorted(working_weekends)),
        short_days=tuple(sorted(short_days)),
    )
    validate_year(data)
    return data


@lru_cache(maxsize=1)
def calendar_keys() -> frozenset[str]:
    """The production calendars the service has (a regulation's `working_time.calendar`):
    the packaged ``calendars/<key>.json`` files."""
    folder = resources.files(__package__).joinpath("calendars")
    return frozenset(
        entry.name.removesuffix(".json")
        for entry in folder.iterdir()
        if entry.name.endswith(".json")
    )


def load_packaged_years(key: str = "ru") -> Mapping[int, YearData]:
    """The years shipped with the package for the calendar `key` (`calendars/<key>.json`, a
    regulation's `working_time.calendar`), validated, as a read-only {year: YearData}."""
    resource = PACKAGED_RESOURCE if key == "ru" else f"calendars/{key}.json"
    text = resources.files(__package__).joinpath(resource).read_text(encoding="utf-8")
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CalendarDataError(f"{resource}: not valid JSON: {exc}") from None
    try:
        return MappingProxyType(parse_calendar_document(raw))
    except CalendarDataError as exc:
        raise CalendarDataError(f"{resource}: {exc}") from None


def merge_years(*sources: Iterable[YearData] | Mapping[int, YearData]) -> dict[int, YearData]:
    """Combine year sets; a later source wins for the same year (an uploaded file replaces
    the packaged year it corrects)."""
    merged: dict[int, YearData] = {}
    for source in sources:
        items = source.values() if isinstance(source, Mapping) else source
        for data in items:
            merged[data.year] = data
    return merged
