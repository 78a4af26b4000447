"""The supervisor's SLA board (R11): open tickets at risk or in breach, by level and person."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from supportline.core import rules
from supportline.core.formatting import level_name
from supportline.desk.selectors.common import (
    BREACHED,
    ON_TRACK,
    QueueRow,
    person_name,
    queue_row,
)
from supportline.reports.forecast import BoardForecast, breach_forecast
from supportline.tickets.models import OPEN_STATUSES, Complaint, SlaState, Ticket
from supportline.worktime import Calendar


@dataclass
class BoardCount:
    at_risk: int = 0
    breached: int = 0


@dataclass
class Board:
    breached: list[QueueRow]
    at_risk: list[QueueRow]
    by_level: list[tuple[str, int, BoardCount]]  # (level name, open tickets, counts)
    by_consultant: list[tuple[str, BoardCount]]
    now: dt.datetime
    overdue_complaints: list[Complaint] = field(default_factory=list)
    # Issue 16 §6: what will breach before the end of the working day unless taken now.
    forecast: BoardForecast | None = None


def _risk_candidates(now: dt.datetime, cal: Calendar) -> Q:
    """Tickets whose stored columns may put them at risk or in breach now.

    Remaining working time is monotonic in the due instant, so for each level and clock
    «remaining <= (1 - share) x target» is «due_at < add_working_time(now, that + 1 µs)»:
    one indexed range per level, exact, computed with the calendar instead of per row.
    """
    regulation = rules.regulation()
    condition = Q(reaction_state=SlaState.BREACHED) | Q(resolution_state=SlaState.BREACHED)
    for level in regulation.levels:
        for clock, target in (
            ("reaction", level.reaction_minutes),
            ("resolution", level.resolution_minutes),
        ):
            margin = dt.timedelta(minutes=target * (1 - regulation.warning_share))
            threshold = cal.add_working_time(now, margin + dt.timedelta(microseconds=1))
            condition |= Q(
                level=level.id,
                **{f"{clock}_state": SlaState.RUNNING, f"{clock}_due_at__lt": threshold},
            )
    return condition


def sla_board(now: dt.datetime) -> Board:
    """Two queries: open tickets per level, and the open tickets at risk or in breach; the
    overdue complaints and the breach forecast (three) come with them."""
    regulation = rules.regulation()
    cal = rules.calendar()
    open_tickets = Ticket.objects.filter(status__in=OPEN_STATUSES)
    totals = {
        row["level"]: row["n"]
        for row in open_tickets.order_by().values("level").annotate(n=Count("id"))
    }
    candidates = (
        open_tickets.filter(_risk_candidates(now, cal))
        .select_related("assignee", "organisation")
        .order_by("-out_of_turn", "registered_at", "id")
    )
    breached, at_risk = [], []
    levels: dict[str, BoardCount] = {lvl.id: BoardCount() for lvl in regulation.levels}
    people: dict[str, BoardCount] = {}
    for ticket in candidates:
        row = queue_row(ticket, now, cal)
        state = row.worst
        if state == ON_TRACK:
            continue
        who = person_name(ticket.assignee) or _("не назначено")
        count_level = levels.setdefault(ticket.level, BoardCount())
        count_person = people.setdefault(who, BoardCount())
        if state == BREACHED:
            breached.append(row)
            count_level.breached += 1
            count_person.breached += 1
        else:
            at_risk.append(row)
            count_level.at_risk += 1
            count_person.at_risk += 1
    return Board(
        breached=breached,
        at_risk=at_risk,
        by_level=[(level_name(lid), totals.get(lid, 0), c) for lid, c in levels.items()],
        by_consultant=sorted(people.items(), key=lambda kv: (-kv[1].breached, -kv[1].at_risk)),
        now=now,
        overdue_complaints=overdue_complaints(now),
        forecast=breach_forecast(now),
    )


def overdue_complaints(now: dt.datetime, limit: int = 50) -> list[Complaint]:
    """R20: complaints still unanswered after the regulation's deadline, oldest first."""
    return list(
        Complaint.objects.filter(state=Complaint.State.OPEN, due_at__lt=now)
        .select_related("assignee")
        .order_by("due_at", "id")[:limit]
    )
