"""Value types of the working-time calendar: day kinds, year statuses, year data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from enum import StrEnum

__all__ = [
    "OVERRIDE_KINDS",
    "CalendarDataError",
    "DayInfo",
    "DayKind",
    "DayOff",
    "Totals",
    "YearData",
    "YearStatus",
]


class CalendarDataError(ValueError):
    """A calendar data file (packaged or uploaded) is malformed or inconsistent."""


class DayKind(StrEnum):
    """What a calendar date is. A StrEnum, so members compare equal to their plain strings
    and can be stored as-is in a CharField by the Django side."""

    WORKING = "working"  # a full working day, including a working (transferred) Saturday/Sunday
    SHORT = "short"  # a working day shortened by one hour (Labour Code art. 95)
    WEEKEND = "weekend"  # an ordinary Saturday or Sunday
    HOLIDAY = "holiday"  # a non-working public holiday (Labour Code art. 112)
    DAY_OFF = "day_off"  # a weekday made a day off (transfer by decree or by art. 112 part 2)


# An administrator override may set any kind except WEEKEND: "weekend" would only be a
# synonym of day_off that lies about the weekday, so it is refused to keep reports honest.
OVERRIDE_KINDS: frozenset[DayKind] = frozenset(
    {DayKind.WORKING, DayKind.SHORT, DayKind.DAY_OFF, DayKind.HOLIDAY}
)


class YearStatus(StrEnum):
    """How far a year's calendar can be trusted; the UI flags anything but OFFICIAL."""

    OFFICIAL = "official"  # backed by a Government decree
    UNCONFIRMED = "unconfirmed"  # published calendar data whose decree we have not confirmed
    PROVISIONAL = "provisional"  # no data: computed by the Labour Code fallback rules


@dataclass(frozen=True, slots=True)
class DayOff:
    """A weekday made a day off; `moved_from` is the weekend day (or weekend holiday) whose
    rest was moved here, when known (the SLA explanation shows it)."""

    day: date
    moved_from: date | None = None


@dataclass(frozen=True, slots=True)
class Totals:
    """Published norms of the year for a 40-hour week, kept to verify the data against."""

    working_days: int
    hours_40h_week: int
    published: bool = True  # False when the totals were derived by us, not published


@dataclass(frozen=True, slots=True)
class YearData:
    """The exceptions of one year from the plain Monday-Friday week.

    Build it with `parse_year` / `parse_year_file` (they validate); constructing it directly
    skips validation, which only the fallback rules (correct by construction) do.
    """

    year: int
    status: YearStatus
    decree: str | None
    source: str
    holidays: tuple[date, ...]  # non-working public holidays, including those on weekends
    days_off: tuple[DayOff, ...]  # weekdays made days off
    working_weekends: tuple[date, ...]  # Saturdays/Sundays made working days
    short_days: tuple[date, ...]  # working days shortened by one hour
    totals: Totals | None = None
    notes: str | None = None

    def is_working(self, day: date) -> bool:
        """Whether `day` (of this year) is a working day by these data alone."""
        if day in self.working_weekends:
            return True
        if day.weekday() >= 5 or day in self.holidays:
            return False
        return all(off.day != day for off in self.days_off)

    def count_working_days(self) -> int:
        """Working days of the year (for the totals check)."""
        first = date(self.year, 1, 1).toordinal()
        last = date(self.year, 12, 31).toordinal()
        holidays = set(self.holidays)
        days_off = {off.day for off in self.days_off}
        working_weekends = set(self.working_weekends)
        count = 0
        for ordinal in range(first, last + 1):
            day = date.fromordinal(ordinal)
            if day in working_weekends or (
                day.weekday() < 5 and day not in holidays and day not in days_off
            ):
                count += 1
        return count

    def hours_40h_week(self) -> int:
        """The 40-hour-week norm: 8 h per full working day, 7 h per shortened one. This is the
        statutory norm the published totals use, not our 9-hour consultation-line day."""
        return 8 * self.count_working_days() - len(self.short_days)


@dataclass(frozen=True, slots=True)
class DayInfo:
    """Everything the UI needs to explain one date in an SLA breakdown."""

    day: date
    kind: DayKind
    hours: tuple[time, time] | None  # local opening and closing time; None on a non-working day
    status: YearStatus
    overridden: bool  # set by an administrator override, not by the calendar data
    moved_from: date | None  # for a transferred day off: the day whose rest moved here

    @property
    def is_working(self) -> bool:
        return self.hours is not None

    @property
    def provisional(self) -> bool:
        return self.status is YearStatus.PROVISIONAL
