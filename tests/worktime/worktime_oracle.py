"""An independent brute-force model of R9 working time for 2023-01-01..2027-12-31 (Moscow).

It shares no code with the engine: days are classified by plain loops over the raw JSON
file plus the weekday, each minute of the period gets a working flag, and the questions
are answered by per-minute prefix sums and by stepping minute after minute. Working
intervals start and end on whole minutes, so inside one minute working time is either
all of the elapsed microseconds or none of them, which makes the model exact.
"""

from __future__ import annotations

import json
from array import array
from datetime import date, datetime, timedelta, timezone
from functools import cache
from itertools import accumulate
from pathlib import Path

import supportline.worktime

DATA_FILE = Path(supportline.worktime.__file__).parent / "calendars" / "ru.json"

FIRST_DAY = date(2023, 1, 1)
LAST_DAY = date(2027, 12, 31)
DAYS = (LAST_DAY - FIRST_DAY).days + 1
MINUTES = DAYS * 1440
MINUTE_US = 60_000_000
# Moscow has been UTC+3 all year round since 2014, so local minute k of the period starts
# at ORIGIN + k minutes; test_oracle_assumptions checks this against the tz database.
MSK = timezone(timedelta(hours=3))
ORIGIN = datetime(2023, 1, 1, tzinfo=MSK)
END = datetime(2028, 1, 1, tzinfo=MSK)
_US = timedelta(microseconds=1)

OPEN_MINUTE = 9 * 60
CLOSE_MINUTE = 18 * 60
SHORT_CLOSE_MINUTE = 17 * 60


@cache
def raw_years() -> dict[int, dict[str, object]]:
    document = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return {item["year"]: item for item in document["years"]}


@cache
def day_table() -> dict[date, str]:
    """'full', 'short' or 'off' for every date of the period."""
    holidays: set[date] = set()
    days_off: set[date] = set()
    working_weekends: set[date] = set()
    short_days: set[date] = set()
    for item in raw_years().values():
        holidays.update(date.fromisoformat(s) for s in item["holidays"])
        days_off.update(date.fromisoformat(o["date"]) for o in item["days_off"])
        working_weekends.update(date.fromisoformat(s) for s in item["working_weekends"])
        short_days.update(date.fromisoformat(s) for s in item["short_days"])
    table: dict[date, str] = {}
    for n in range(DAYS):
        day = FIRST_DAY + timedelta(days=n)
        if day in short_days:
            table[day] = "short"
        elif day in working_weekends:
            table[day] = "full"
        elif day in holidays or day in days_off or day.weekday() >= 5:
            table[day] = "off"
        else:
            table[day] = "full"
    return table


@cache
def minute_flags() -> bytearray:
    flags = bytearray(MINUTES)
    for n in range(DAYS):
        kind = day_table()[FIRST_DAY + timedelta(days=n)]
        if kind == "off":
            continue
        close = SHORT_CLOSE_MINUTE if kind == "short" else CLOSE_MINUTE
        base = n * 1440
        flags[base + OPEN_MINUTE : base + close] = b"\x01" * (close - OPEN_MINUTE)
    return flags


@cache
def minute_prefix() -> array[int]:
    """prefix[k] = working minutes before local minute k of the period."""
    return array("q", accumulate(minute_flags(), initial=0))


def to_us(dt: datetime) -> int:
    """Microseconds since the start of the period."""
    return (dt - ORIGIN) // _US


def from_us(us: int) -> datetime:
    return ORIGIN + timedelta(microseconds=us)


def in_period(dt: datetime) -> bool:
    return ORIGIN <= dt <= END


def working_before(us: int) -> int:
    """Working microseconds in [period start, us)."""
    minute, inside = divmod(us, MINUTE_US)
    if minute >= MINUTES:
        return minute_prefix()[MINUTES] * MINUTE_US
    partial = inside if minute_flags()[minute] else 0
    return minute_prefix()[minute] * MINUTE_US + partial


def between(a: datetime, b: datetime) -> timedelta:
    return timedelta(microseconds=working_before(to_us(b)) - working_before(to_us(a)))


def is_working(dt: datetime) -> bool:
    return bool(minute_flags()[to_us(dt) // MINUTE_US])


def add(start: datetime, duration: timedelta) -> datetime | None:
    """Step minute by minute from `start` until `duration` of working time is used up;
    None if the period ends first."""
    need = duration // _US
    if need == 0:
        return start
    position = to_us(start)
    minute = position // MINUTE_US
    flags = minute_flags()
    while minute < MINUTES:
        minute_end = (minute + 1) * MINUTE_US
        if flags[minute]:
            available = minute_end - position
            if need <= available:
                return from_us(position + need)
            need -= available
        position = minute_end
        minute += 1
    return None


def next_working(dt: datetime) -> datetime | None:
    """dt if working, else the start of the next working minute (None past the period)."""
    flags = minute_flags()
    minute = to_us(dt) // MINUTE_US
    if flags[minute]:
        return dt
    while minute < MINUTES and not flags[minute]:
        minute += 1
    return None if minute == MINUTES else from_us(minute * MINUTE_US)
