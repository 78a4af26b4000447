"""A simple working calendar for SLA tests, and its brute-force minute-stepping reference.

Working time: 09:00-18:00 at UTC+3, Monday-Friday, except ``holidays``; ``working_weekends``
are working Saturdays/Sundays; ``short_days`` end at 17:00 (R9, simplified).

TEST_CALENDAR (March 2025, synthetic, not the real production calendar)::

    Mon 03 .. Thu 06   normal days
    Fri 07             short day (09:00-17:00)
    Sat 08, Sun 09     weekend
    Mon 10             holiday
    Tue 11 .. Fri 14   normal days
    Sat 22             working Saturday
"""

from __future__ import annotations

import datetime as dt

MSK = dt.timezone(dt.timedelta(hours=3))
MINUTE = dt.timedelta(minutes=1)
DAY = dt.timedelta(days=1)


def msk(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0):
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=MSK)


def _require_aware(*moments: dt.datetime) -> None:
    for moment in moments:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"naive datetime: {moment!r}")


class SimpleCalendar:
    def __init__(
        self,
        holidays: frozenset[dt.date] = frozenset(),
        short_days: frozenset[dt.date] = frozenset(),
        working_weekends: frozenset[dt.date] = frozenset(),
    ) -> None:
        self.holidays = holidays
        self.short_days = short_days
        self.working_weekends = working_weekends

    def window(self, day: dt.date) -> tuple[dt.datetime, dt.datetime] | None:
        if day in self.holidays:
            return None
        if day.weekday() >= 5 and day not in self.working_weekends:
            return None
        end = 17 if day in self.short_days else 18
        return (
            dt.datetime.combine(day, dt.time(9), MSK),
            dt.datetime.combine(day, dt.time(end), MSK),
        )

    def working_time_between(self, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
        _require_aware(a, b)
        if b < a:
            return -self.working_time_between(b, a)
        a, b = a.astimezone(MSK), b.astimezone(MSK)
        total = dt.timedelta()
        day = a.date()
        while day <= b.date():
            window = self.window(day)
            if window is not None:
                start, end = max(a, window[0]), min(b, window[1])
                if start < end:
                    total += end - start
            day += DAY
        return total

    def add_working_time(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        _require_aware(start)
        if duration < dt.timedelta():
            raise ValueError("negative duration")
        cursor = start.astimezone(MSK)
        if not duration:
            return cursor
        remaining = duration
        day = cursor.date()
        while True:
            window = self.window(day)
            if window is not None:
                begin = max(cursor, window[0])
                if begin < window[1]:
                    available = window[1] - begin
                    if remaining <= available:
                        return begin + remaining
                    remaining -= available
            day += DAY
            cursor = dt.datetime.combine(day, dt.time(0), MSK)

    # -- brute-force reference (minute stepping), for minute-aligned instants --------------

    def is_working_minute(self, moment: dt.datetime) -> bool:
        """Whether the minute [moment, moment + 1 min) is working time."""
        local = moment.astimezone(MSK)
        window = self.window(local.date())
        return window is not None and window[0] <= local < window[1]


def brute_working_minutes(calendar: SimpleCalendar, a: dt.datetime, b: dt.datetime) -> int:
    count, moment = 0, a
    while moment < b:
        count += calendar.is_working_minute(moment)
        moment += MINUTE
    return count


def brute_add_minutes(calendar: SimpleCalendar, start: dt.datetime, minutes: int) -> dt.datetime:
    moment, left = start, minutes
    while left:
        if calendar.is_working_minute(moment):
            left -= 1
        moment += MINUTE
    return moment


TEST_CALENDAR = SimpleCalendar(
    holidays=frozenset({dt.date(2025, 3, 10)}),
    short_days=frozenset({dt.date(2025, 3, 7)}),
    working_weekends=frozenset({dt.date(2025, 3, 22)}),
)
