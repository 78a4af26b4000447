"""GET /api/v1/reports/sla (issue 16 §8): the period report's figures as JSON, for supervisors.

The same figures as the desk's report page (`supportline.reports`): summary, per level, every
table with its title and columns, and which regulation and calendar versions were used.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, cast

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from supportline.accounts.models import User
from supportline.api.views import answers
from supportline.reports.figures import Period
from supportline.reports.service import sla_report
from supportline.reports.tables import expanded
from supportline.tickets import access
from supportline.worktime import MAX_YEAR, MIN_YEAR

router = Router()

MAX_DAYS = 366
_DATE_LENGTH = 10  # YYYY-MM-DD


class ClockSummary(Schema):
    met: int
    breached: int
    in_progress: int
    met_pct: float | None
    median_minutes: int | None = Field(description="working minutes, nearest-rank median")
    p90_minutes: int | None = Field(description="working minutes, nearest-rank 90th percentile")


class LevelOut(Schema):
    level: str
    name: str
    tickets: int
    reaction_target_minutes: int | None
    resolution_target_minutes: int | None
    reaction: ClockSummary
    resolution: ClockSummary
    paused_share_pct: float | None


class TableOut(Schema):
    id: str
    title: str
    columns: list[str]
    rows: list[list[Any]]


class Versions(Schema):
    id: str
    version: str


class RegulationVersions(Versions):
    ticket_versions: list[str]


class Norm(Schema):
    working_days: int
    working_hours: float | None


class SlaReportOut(Schema):
    first_day: dt.date
    last_day: dt.date
    as_of: dt.datetime
    zone: str
    zone_label: str
    frozen: bool = Field(description="a closed month's report, kept as first computed")
    regulation: RegulationVersions
    calendar: Versions
    norm: Norm
    summary: dict[str, Any]
    levels: list[LevelOut]
    tables: list[TableOut]


def _date(value: str, field: str, errors: dict[str, str]) -> dt.date | None:
    try:
        if len(value) != _DATE_LENGTH:
            raise ValueError(value)
        day = dt.date.fromisoformat(value)
        if not MIN_YEAR <= day.year < MAX_YEAR:
            errors[field] = _("Дата вне лет производственного календаря: %(a)s–%(b)s") % {
                "a": MIN_YEAR,
                "b": MAX_YEAR - 1,
            }
            return None
        return day
    except ValueError:
        errors[field] = _("Ожидается дата в формате ГГГГ-ММ-ДД, например 2026-11-01")
        return None


@router.get(
    "/reports/sla",
    response=answers({200: SlaReportOut}, 403, 422),
    tags=["reports"],
)
def report_sla(
    request: HttpRequest,
    from_: Annotated[str, Query(alias="from", max_length=40, description="first day, YYYY-MM-DD")],
    to: Annotated[str, Query(max_length=40, description="last day (inclusive), YYYY-MM-DD")],
) -> Status[Any]:
    """SLA compliance, CSAT, backlog… of a period in working hours of the line's calendar
    (supervisors only). Times are in the line's zone; durations in working minutes/hours."""
    user = cast(User, request.auth)  # type: ignore[attr-defined]
    if not access.is_supervisor(user):
        return Status(403, {"detail": _("Отчёты доступны только руководителю линии")})
    errors: dict[str, str] = {}
    first = _date(from_, "from", errors)
    last = _date(to, "to", errors)
    if first and last:
        if last < first:
            errors["to"] = _("Дата окончания раньше даты начала")
        elif (last - first).days >= MAX_DAYS:
            errors["to"] = _("Период не длиннее %(days)d дней") % {"days": MAX_DAYS}
    if errors or first is None or last is None:
        return Status(422, {"errors": errors})
    data = sla_report(Period(first, last), now=timezone.now())
    return Status(
        200, {**data, "frozen": bool(data.get("frozen")), "tables": expanded(data["tables"])}
    )
