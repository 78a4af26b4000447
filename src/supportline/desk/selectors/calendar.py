"""The production calendar (R9): a year by months and weeks, each day with its kind and hours."""

from __future__ import annotations

import calendar as stdcal
import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from supportline.core import rules
from supportline.desk.selectors.common import day_key
from supportline.worktime import DayKind, YearStatus

MONTHS = [
    gettext_lazy("Январь"),
    gettext_lazy("Февраль"),
    gettext_lazy("Март"),
    gettext_lazy("Апрель"),
    gettext_lazy("Май"),
    gettext_lazy("Июнь"),
    gettext_lazy("Июль"),
    gettext_lazy("Август"),
    gettext_lazy("Сентябрь"),
    gettext_lazy("Октябрь"),
    gettext_lazy("Ноябрь"),
    gettext_lazy("Декабрь"),
]


@dataclass(frozen=True)
class CalendarDay:
    day: dt.date
    kind: str
    label: str
    hours: str


@dataclass(frozen=True)
class CalendarMonth:
    name: str
    weeks: list[list[CalendarDay | None]]


@dataclass(frozen=True)
class CalendarYear:
    year: int
    status: str
    decree: str
    months: list[CalendarMonth]
    working_days: int
    short_days: int
    working_hours: int  # hours of the line (09-18, short days to 17)
    counts: dict[str, int]


def calendar_year(year: int) -> CalendarYear:
    cal = rules.calendar()
    data = cal.years.get(year)
    months = []
    counts: Counter[str] = Counter()
    working_minutes = 0
    short = 0
    for month in range(1, 13):
        weeks: list[list[CalendarDay | None]] = []
        for week in stdcal.Calendar(firstweekday=0).monthdatescalendar(year, month):
            cells: list[CalendarDay | None] = []
            for day in week:
                if day.month != month:
                    cells.append(None)
                    continue
                kind = cal.day_kind(day)
                key, label = day_key(kind, day)
                hours = cal.working_hours(day)
                if hours is not None:
                    start, end = hours
                    working_minutes += (end.hour * 60 + end.minute) - (
                        start.hour * 60 + start.minute
                    )
                counts[key] += 1
                short += kind == DayKind.SHORT
                cells.append(
                    CalendarDay(
                        day=day,
                        kind=key,
                        label=label,
                        hours=f"{hours[0]:%H:%M}–{hours[1]:%H:%M}" if hours else "",
                    )
                )
            weeks.append(cells)
        months.append(CalendarMonth(str(MONTHS[month - 1]), weeks))
    return CalendarYear(
        year=year,
        status=str(cal.year_status(year)),
        decree=(data.decree or "") if data is not None else "",
        months=months,
        working_days=counts["working"] + counts["short"] + counts["working_weekend"],
        short_days=short,
        working_hours=working_minutes // 60,
        counts=dict(counts),
    )


YEAR_STATUS_LABELS = {
    YearStatus.OFFICIAL: gettext_lazy("официальный: по постановлению Правительства"),
    YearStatus.UNCONFIRMED: gettext_lazy("не подтверждён постановлением"),
    YearStatus.PROVISIONAL: gettext_lazy("предварительный: рассчитан по Трудовому кодексу"),
}
