"""The working-time engine: exact SLA arithmetic over a production calendar (SPEC R9).

Every instant is an integer count of microseconds since the Unix epoch, so all arithmetic
is exact. The working intervals of the covered years sit in one flat sorted list
`points = [lo, lo, open1, close1, open2, close2, ...]` (the leading empty interval is a
sentinel, so a search never falls off the front), with `cum[i]` = working time from `lo`
to `points[i]`. An even index of the right-most point <= x means x is inside an interval;
the working time up to x is then one lookup, and both operations are two binary searches.
Years are added lazily on first use and the lists are rebuilt whole, then published as one
immutable tuple, so concurrent readers never see a half-built table.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .fallback import fallback_year
from .kinds import OVERRIDE_KINDS, DayInfo, DayKind, YearData, YearStatus
from .yearfile import MAX_YEAR, MIN_YEAR, load_packaged_years, merge_years, validate_year

__all__ = [
    "R9_DAY_END",
    "R9_DAY_START",
    "R9_SHORT_DAY_END",
    "R9_TIMEZONE",
    "Calendar",
    "build_calendar",
]

R9_TIMEZONE = "Europe/Moscow"
R9_DAY_START = time(9)
R9_DAY_END = time(18)
R9_SHORT_DAY_END = time(17)  # pre-holiday days are one hour shorter (Labour Code art. 95)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_ONE_DAY = timedelta(days=1)

# (points, cum, lo, hi): see the module docstring; lo/hi bound the covered instants.
_Table = tuple[list[int], list[int], int, int]
_EMPTY_TABLE: _Table = ([], [], 0, 0)


class _YearPlan:
    """The kinds of one year's dates that differ from the plain Mon-Fri week."""

    __slots__ = ("kinds", "moved_from", "overridden", "status")

    def __init__(
        self,
        status: YearStatus,
        kinds: dict[date, DayKind],
        moved_from: dict[date, date],
        overridden: frozenset[date],
    ) -> None:
        self.status = status
        self.kinds = kinds
        self.moved_from = moved_from
        self.overridden = overridden


def _instant_error(*values: object) -> Exception:
    # Only reached when a subtraction from the aware epoch failed: name the culprit.
    for value in values:
        if not isinstance(value, datetime):
            return TypeError(f"expected an aware datetime, got {type(value).__name__}")
        if value.utcoffset() is None:
            return ValueError(
                f"naive datetime {value.isoformat()}: working time needs an aware datetime"
            )
    return TypeError("expected aware datetimes")


def _local_midnight_us(year: int, zone: tzinfo) -> int:
    return (datetime(year, 1, 1, tzinfo=zone) - _EPOCH) // _US


class Calendar:
    """Working time by a production calendar: daily hours in a time zone, the calendar data of
    known years (others fall back to the Labour Code rules, flagged provisional) and
    administrator overrides of single days.

    `years=None` means the packaged data; pass a mapping to use other years (e.g.
    `merge_years(load_packaged_years(), [uploaded])`). `overrides` maps a date to one of
    "working", "short", "day_off", "holiday"; an override replaces that day's kind and has
    no side effects (declaring a holiday does not shorten its eve; override the eve too).
    """

    __slots__ = (
        "_day_end",
        "_day_start",
        "_first_year",
        "_last_year",
        "_lock",
        "_overrides",
        "_overrides_by_year",
        "_plans",
        "_short_day_end",
        "_table",
        "_tz",
        "_year_points",
        "_years",
    )

    def __init__(
        self,
        *,
        tz: str | tzinfo = R9_TIMEZONE,
        day_start: time = R9_DAY_START,
        day_end: time = R9_DAY_END,
        short_day_end: time = R9_SHORT_DAY_END,
        years: Mapping[int, YearData] | None = None,
        overrides: Mapping[date, str] | None = None,
    ) -> None:
        if isinstance(tz, str):
            try:
                tz = ZoneInfo(tz)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {tz!r}") from None
        if not isinstance(tz, tzinfo):
            raise TypeError(f"tz must be a zone name or a tzinfo, got {type(tz).__name__}")
        for name, value in (
            ("day_start", day_start),
            ("day_end", day_end),
            ("short_day_end", short_day_end),
        ):
            if not isinstance(value, time) or value.tzinfo is not None:
                raise TypeError(f"{name} must be a naive datetime.time (local wall time)")
        if not day_start < short_day_end <= day_end:
            raise ValueError("need day_start < short_day_end <= day_end")
        self._tz: tzinfo = tz
        self._day_start = day_start
        self._day_end = day_end
        self._short_day_end = short_day_end

        source = load_packaged_years() if years is None else years
        checked: dict[int, YearData] = {}
        for key, data in source.items():
            if key != data.year:
                raise ValueError(f"years[{key}] holds the data of year {data.year}")
            validate_year(data)
            checked[key] = data
        self._years: Mapping[int, YearData] = MappingProxyType(checked)

        normalized: dict[date, DayKind] = {}
        by_year: dict[int, dict[date, DayKind]] = {}
        for day, kind in (overrides or {}).items():
            if isinstance(day, datetime) or not isinstance(day, date):
                raise TypeError(f"override keys must be dates, got {day!r}")
            if not MIN_YEAR <= day.year <= MAX_YEAR:
                raise ValueError(f"override {day.isoformat()}: outside {MIN_YEAR}-{MAX_YEAR}")
            if kind not in OVERRIDE_KINDS:
                raise ValueError(
                    f"override {day.isoformat()}: kind {kind!r} is not one of "
                    f"{sorted(str(k) for k in OVERRIDE_KINDS)}"
                )
            normalized[day] = DayKind(kind)
            by_year.setdefault(day.year, {})[day] = DayKind(kind)
        self._overrides: Mapping[date, DayKind] = MappingProxyType(normalized)
        self._overrides_by_year = by_year

        self._plans: dict[int, _YearPlan] = {}
        self._year_points: dict[int, list[int]] = {}
        self._table: _Table = _EMPTY_TABLE
        self._first_year = 0  # covered years; 0/0 until the first query
        self._last_year = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        years = ",".join(str(y) for y in sorted(self._years)) or "none"
        return (
            f"<Calendar {self._tz} {self._day_start:%H:%M}-{self._day_end:%H:%M} "
            f"(short -{self._short_day_end:%H:%M}) years={years} "
            f"overrides={len(self._overrides)}>"
        )

    # -- settings -------------------------------------------------------------------------

    @property
    def tz(self) -> tzinfo:
        return self._tz

    @property
    def day_start(self) -> time:
        return self._day_start

    @property
    def day_end(self) -> time:
        return self._day_end

    @property
    def short_day_end(self) -> time:
        return self._short_day_end

    @property
    def years(self) -> Mapping[int, YearData]:
        """The calendar data in use, by year (years absent here are provisional)."""
        return self._years

    @property
    def overrides(self) -> Mapping[date, DayKind]:
        return self._overrides

    # -- the two SLA operations (hot paths: two binary searches and int arithmetic) -------

    def add_working_time(self, start: datetime, duration: timedelta) -> datetime:
        """The earliest instant T >= start with exactly `duration` of working time in
        [start, T), in start's tzinfo. A zero duration returns `start` itself (even outside
        working hours); a duration that uses up a day ends at that day's close."""
        try:
            x = (start - _EPOCH) // _US
        except TypeError:
            raise _instant_error(start) from None
        d = duration // _US
        if d <= 0:
            if d == 0:
                return start
            raise ValueError(f"duration must not be negative, got {duration}")
        points, cum, lo, hi = self._table
        if lo <= x < hi:
            k = bisect_right(points, x) - 1
            t = (cum[k] if k & 1 else cum[k] + x - points[k]) + d
            if t <= cum[-1]:
                # The first point whose cum reaches t is a closing (an opening repeats the
                # previous closing's cum); the earliest T lies in the interval it closes.
                m = bisect_left(cum, t) - 1
                # Int / int is correctly rounded, and fromtimestamp rounds back to the exact
                # microsecond for |seconds| < 2**32, which MAX_YEAR guarantees.
                return datetime.fromtimestamp((points[m] + t - cum[m]) / 1_000_000, start.tzinfo)
        return self._add_slow(start, x, d)

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """The working time in [a, b); negative (minus that of [b, a)) when b < a."""
        try:
            x = (a - _EPOCH) // _US
            y = (b - _EPOCH) // _US
        except TypeError:
            raise _instant_error(a, b) from None
        return _US * self.working_us_between(x, y)

    def working_us_between(self, x: int, y: int) -> int:
        """`working_time_between` on integer instants: the working microseconds in [x, y)
        for x, y in microseconds since the Unix epoch (for callers that hold many instants
        as integers, e.g. reports over a year of tickets)."""
        points, cum, lo, hi = self._table
        if not (lo <= x < hi and lo <= y < hi):
            points, cum, lo, hi = self._covering(x, y)
        k = bisect_right(points, x) - 1
        wx = cum[k] if k & 1 else cum[k] + x - points[k]
        k = bisect_right(points, y) - 1
        wy = cum[k] if k & 1 else cum[k] + y - points[k]
        return wy - wx

    def is_working_time(self, dt: datetime) -> bool:
        """Whether `dt` is inside working time (an opening instant is, a closing one is not)."""
        try:
            x = (dt - _EPOCH) // _US
        except TypeError:
            raise _instant_error(dt) from None
        points, _cum, lo, hi = self._table
        if not lo <= x < hi:
            points, _cum, lo, hi = self._covering(x)
        # An odd count of points <= x means the last one is an opening.
        return bisect_right(points, x) & 1 == 1

    def next_working_instant(self, dt: datetime) -> datetime:
        """`dt` itself if it is inside working time, else the next opening (in dt's tzinfo):
        where the clocks of a ticket registered at `dt` start (R9)."""
        try:
            x = (dt - _EPOCH) // _US
        except TypeError:
            raise _instant_error(dt) from None
        points, _cum, lo, hi = self._table
        if not lo <= x < hi:
            points, _cum, lo, hi = self._covering(x)
        while True:
            k = bisect_right(points, x)
            if k & 1:
                return dt
            if k < len(points):
                return datetime.fromtimestamp(points[k] / 1_000_000, dt.tzinfo)
            points, _, _, _ = self._extend_forward(1)

    # -- dates ---------------------------------------------------------------------------

    def day_kind(self, day: date) -> DayKind:
        """The kind of a date (an aware datetime means its local date in the calendar zone)."""
        day = self._as_local_date(day)
        kind = self._plan(day.year).kinds.get(day)
        if kind is not None:
            return kind
        return DayKind.WEEKEND if day.weekday() >= 5 else DayKind.WORKING

    def working_hours(self, day: date) -> tuple[time, time] | None:
        """Local opening and closing time of a date, or None if it is not a working day."""
        kind = self.day_kind(day)
        if kind is DayKind.WORKING:
            return (self._day_start, self._day_end)
        if kind is DayKind.SHORT:
            return (self._day_start, self._short_day_end)
        return None

    def working_days_before(self, moment: datetime, days: int) -> datetime:
        """The instant `days` working days before `moment`: the same local wall time on the
        `days`-th working date before `moment`'s local date (weekends, holidays and
        transferred days off skipped, transferred working days counted). Something dated
        before it has waited more than `days` working days (e.g. «ждут клиента > 3 дней»)."""
        if moment.utcoffset() is None:
            raise ValueError(f"naive datetime {moment.isoformat()}: pass an aware one")
        if days < 0:
            raise ValueError("days must not be negative")
        local = moment.astimezone(self._tz)
        day = local.date()
        while days:
            day -= timedelta(days=1)
            if self.working_hours(day) is not None:
                days -= 1
        wall = datetime.combine(day, local.time(), tzinfo=self._tz)
        return wall.astimezone(moment.tzinfo)

    def day_info(self, day: date) -> DayInfo:
        """Kind, hours, data status, override flag and transfer origin of a date."""
        day = self._as_local_date(day)
        plan = self._plan(day.year)
        return DayInfo(
            day=day,
            kind=self.day_kind(day),
            hours=self.working_hours(day),
            status=plan.status,
            overridden=day in plan.overridden,
            moved_from=plan.moved_from.get(day),
        )

    def year_status(self, year: int) -> YearStatus:
        """'official' or 'unconfirmed' for a year with data, 'provisional' for the fallback."""
        data = self._years.get(year)
        return YearStatus.PROVISIONAL if data is None else data.status

    def is_provisional(self, day: date) -> bool:
        """Whether the date (or an aware datetime's local date) lies in a provisional year,
        so the UI should flag deadlines computed over it."""
        return self.year_status(self._as_local_date(day).year) is YearStatus.PROVISIONAL

    def preload(self, first_year: int, last_year: int) -> None:
        """Build the interval table for these years now rather than on first use."""
        if not MIN_YEAR <= first_year <= last_year <= MAX_YEAR:
            raise ValueError(f"years must lie within {MIN_YEAR}-{MAX_YEAR}")
        with self._lock:
            self._extend_locked(first_year, last_year)

    # -- internals -----------------------------------------------------------------------

    def _as_local_date(self, day: date) -> date:
        if isinstance(day, datetime):
            if day.utcoffset() is None:
                raise ValueError(f"naive datetime {day.isoformat()}: pass a date or aware one")
            day = day.astimezone(self._tz).date()
        elif not isinstance(day, date):
            raise TypeError(f"expected a date, got {type(day).__name__}")
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise ValueError(f"{day.isoformat()} is outside the supported {MIN_YEAR}-{MAX_YEAR}")
        return day

    def _plan(self, year: int) -> _YearPlan:
        plan = self._plans.get(year)
        if plan is not None:
            return plan
        data = self._years.get(year) or fallback_year(year)
        kinds: dict[date, DayKind] = {}
        kinds.update(dict.fromkeys(data.holidays, DayKind.HOLIDAY))
        kinds.update(dict.fromkeys((off.day for off in data.days_off), DayKind.DAY_OFF))
        kinds.update(dict.fromkeys(data.working_weekends, DayKind.WORKING))
        kinds.update(dict.fromkeys(data.short_days, DayKind.SHORT))
        overrides = self._overrides_by_year.get(year, {})
        kinds.update(overrides)
        moved_from = {
            off.day: off.moved_from
            for off in data.days_off
            if off.moved_from is not None and off.day not in overrides
        }
        plan = _YearPlan(data.status, kinds, moved_from, frozenset(overrides))
        # A racing thread may compute the same plan; both are equal, either may win.
        self._plans[year] = plan
        return plan

    def _points_of_year(self, year: int) -> list[int]:
        points = self._year_points.get(year)
        if points is not None:
            return points
        plan = self._plan(year)
        zone = self._tz
        opening = self._day_start
        hours = {DayKind.WORKING: self._day_end, DayKind.SHORT: self._short_day_end}
        points = []
        day = date(year, 1, 1)
        while day.year == year:
            kind = plan.kinds.get(day) or (
                DayKind.WEEKEND if day.weekday() >= 5 else DayKind.WORKING
            )
            closing = hours.get(kind)
            if closing is not None:
                # Through the zone, so a DST zone gets each day's own UTC offset right.
                start = (datetime.combine(day, opening, zone) - _EPOCH) // _US
                end = (datetime.combine(day, closing, zone) - _EPOCH) // _US
                if start < end:  # a DST jump could in theory swallow a very short day
                    points += (start, end)
            day += _ONE_DAY
        self._year_points[year] = points
        return points

    def _extend_locked(self, first: int, last: int) -> _Table:
        """Cover at least years first..last (caller holds the lock); rebuild and publish."""
        if self._table is not _EMPTY_TABLE:
            first = min(first, self._first_year)
            last = max(last, self._last_year)
            if (first, last) == (self._first_year, self._last_year):
                return self._table
        lo = _local_midnight_us(first, self._tz)
        points = [lo, lo]
        cum = [0, 0]
        total = 0
        for year in range(first, last + 1):
            year_points = self._points_of_year(year)
            for i in range(0, len(year_points), 2):
                start, end = year_points[i], year_points[i + 1]
                points += (start, end)
                cum.append(total)
                total += end - start
                cum.append(total)
        hi = _local_midnight_us(last + 1, self._tz)
        self._first_year, self._last_year = first, last
        self._table = (points, cum, lo, hi)
        return self._table

    def _covering(self, *instants: int) -> _Table:
        """A table covering all `instants` (epoch microseconds), extending it if needed."""
        with self._lock:
            table = self._table
            for x in instants:
                if table[2] <= x < table[3]:
                    continue
                try:
                    year = (_EPOCH + _US * x).year
                except OverflowError:
                    year = MIN_YEAR - 1 if x < 0 else MAX_YEAR + 1
                # One spare year each side: the local year may differ from the UTC one, and
                # deadlines usually run on into the next year.
                table = self._extend_locked(max(year - 1, MIN_YEAR), min(year + 1, MAX_YEAR))
                if not table[2] <= x < table[3]:
                    raise ValueError(f"instant outside the supported years {MIN_YEAR}-{MAX_YEAR}")
            return table

    def _extend_forward(self, years: int) -> _Table:
        with self._lock:
            if self._last_year >= MAX_YEAR:
                raise ValueError(f"no working time left before the end of {MAX_YEAR}")
            last = min(self._last_year + years, MAX_YEAR)
            return self._extend_locked(self._first_year, last)

    def _add_slow(self, start: datetime, x: int, d: int) -> datetime:
        points, cum, _, _ = self._covering(x)
        while True:
            k = bisect_right(points, x) - 1
            t = (cum[k] if k & 1 else cum[k] + x - points[k]) + d
            if t <= cum[-1]:
                m = bisect_left(cum, t) - 1
                return datetime.fromtimestamp((points[m] + t - cum[m]) / 1_000_000, start.tzinfo)
            # Jump by roughly the years the rest needs, from the covered years' average.
            covered_years = self._last_year - self._first_year + 1
            per_year = max(cum[-1] // covered_years, 1)
            points, cum, _, _ = self._extend_forward(max(1, -(-(t - cum[-1]) // per_year)))


def build_calendar(
    extra_years: Iterable[YearData] = (), overrides: Mapping[date, str] | None = None
) -> Calendar:
    """The R9 calendar over the packaged years plus `extra_years` (which win for the same
    year, e.g. a year uploaded by an administrator) and single-day `overrides`."""
    return Calendar(years=merge_years(load_packaged_years(), extra_years), overrides=overrides)
