"""What several desk screens share: the display state of an SLA clock from the stored columns
(R11), the queue row the queue, escalations and board show, the registration card of the ticket
page and the registries (R2), and how a day of the production calendar is named (R9)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from supportline.accounts.models import User
from supportline.core import rules
from supportline.core.formatting import level_name
from supportline.registry.models import Contract, RegistrationNumber
from supportline.tickets.actions.lifecycle import evaluation_ends
from supportline.tickets.models import SlaState, Ticket
from supportline.worktime import Calendar, DayKind

MINUTE = dt.timedelta(minutes=1)


def person_name(user: User | None) -> str:
    """A person as the desk names them: full name, else the login; "" for nobody."""
    if user is None:
        return ""
    return user.get_full_name() or user.username


# ---------------------------------------------------------------- SLA state of one clock


# Display states of a clock (R11): on track / at risk / breached / paused, and met once done.
ON_TRACK, AT_RISK, BREACHED, PAUSED, MET, UNKNOWN = (
    "on_track",
    "at_risk",
    "breached",
    "paused",
    "met",
    "unknown",
)
STATE_LABELS = {
    ON_TRACK: gettext_lazy("в срок"),
    AT_RISK: gettext_lazy("под угрозой"),
    BREACHED: gettext_lazy("нарушено"),
    PAUSED: gettext_lazy("на паузе"),
    MET: gettext_lazy("выполнено"),
    UNKNOWN: gettext_lazy("нет данных"),
}


@dataclass(frozen=True)
class ClockCell:
    """One clock as the queue shows it: state with its text, remaining working time, due."""

    state: str
    remaining_minutes: int | None  # working minutes left (None when not derivable)
    overdue_minutes: int | None  # working minutes past the due time, while still running
    due_at: dt.datetime | None

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self.state])


def clock_cell(
    *,
    stored_state: str,
    due_at: dt.datetime | None,
    target_minutes: int,
    now: dt.datetime,
    warning_share: float,
    cal: Calendar,
    elapsed_minutes: int = 0,
) -> ClockCell:
    """A clock's display state from its stored columns and the calendar (R11).

    The stored state is as of the ticket's last change; a running clock whose due instant has
    since passed is breached now. Remaining = working time from now to the due instant (rounded
    up to the minute, as the clock floors the elapsed time); at risk once the warning share of
    the target is used, i.e. remaining <= (1 - share) x target; breached once a full working
    minute beyond the due instant has passed (the clock's own rule).
    """
    if stored_state == SlaState.MET:
        return ClockCell(MET, None, None, due_at)
    if stored_state == SlaState.BREACHED:
        return ClockCell(BREACHED, 0, None, due_at)
    if stored_state == SlaState.PAUSED:
        # Paused (R12; R7 for the automatic request for R1 data): what is left stays as it was
        # when the clock stopped.
        return ClockCell(PAUSED, max(0, target_minutes - elapsed_minutes), None, None)
    if due_at is None:
        return ClockCell(UNKNOWN, None, None, None)
    remaining = cal.working_time_between(now, due_at)
    if remaining <= -MINUTE:
        return ClockCell(BREACHED, 0, -remaining // MINUTE, due_at)
    minutes = max(0, -(-remaining // MINUTE))
    risky = remaining <= target_minutes * (1 - warning_share) * MINUTE
    return ClockCell(AT_RISK if risky else ON_TRACK, minutes, None, due_at)


def level_targets(level_id: str) -> tuple[int, int]:
    """The level's reaction and resolution targets in working minutes (0, 0 when unknown)."""
    regulation = rules.regulation()
    if not regulation.has_level(level_id):
        return (0, 0)
    level = regulation.level(level_id)
    return level.reaction_minutes, level.resolution_minutes


# ---------------------------------------------------------------- a row of the queue and board


@dataclass(frozen=True)
class QueueRow:
    ticket: Ticket
    organisation: str
    level: str
    reaction: ClockCell
    resolution: ClockCell
    # R13: while the ticket waits for the client's evaluation, when it closes by itself.
    evaluation_until: dt.datetime | None = None

    @property
    def worst(self) -> str:
        states = {self.reaction.state, self.resolution.state}
        for state in (BREACHED, AT_RISK):
            if state in states:
                return state
        return ON_TRACK


def queue_row(ticket: Ticket, now: dt.datetime, cal: Calendar) -> QueueRow:
    reaction_target, resolution_target = level_targets(ticket.level)
    share = rules.regulation().warning_share
    return QueueRow(
        ticket=ticket,
        organisation=(
            ticket.organisation.name if ticket.organisation else ticket.organisation_name
        ),
        level=level_name(ticket.level),
        reaction=clock_cell(
            stored_state=ticket.reaction_state,
            due_at=ticket.reaction_due_at,
            target_minutes=reaction_target,
            now=now,
            warning_share=share,
            cal=cal,
            elapsed_minutes=ticket.reaction_elapsed_minutes,
        ),
        resolution=clock_cell(
            stored_state=ticket.resolution_state,
            due_at=ticket.resolution_due_at,
            target_minutes=resolution_target,
            now=now,
            warning_share=share,
            cal=cal,
            elapsed_minutes=ticket.resolution_elapsed_minutes,
        ),
        evaluation_until=evaluation_ends(ticket),
    )


# ---------------------------------------------------------------- a registration's card (R2)


@dataclass(frozen=True)
class ContractRow:
    contract: Contract
    valid_today: bool
    status: str  # "valid", "expired", "future"

    @property
    def label(self) -> str:
        return {
            "valid": _("действует"),
            "expired": _("истёк"),
            "future": _("ещё не начал действовать"),
        }[self.status]


def contract_row(contract: Contract, today: dt.date) -> ContractRow:
    if contract.valid_to < today:
        status = "expired"
    elif contract.valid_from > today:
        status = "future"
    else:
        status = "valid"
    return ContractRow(contract, status == "valid", status)


@dataclass(frozen=True)
class RegistrationCard:
    registration: RegistrationNumber
    holder: str
    contracts: list[ContractRow]

    @property
    def eligible_today(self) -> bool:
        kinds = {row.contract.kind for row in self.contracts if row.valid_today}
        return kinds >= {kind.id for kind in rules.regulation().contracts}


def registration_card(reg: RegistrationNumber, today: dt.date) -> RegistrationCard:
    holder = reg.organisation.name if reg.organisation else (str(reg.partner or ""))
    return RegistrationCard(
        registration=reg,
        holder=holder,
        contracts=[contract_row(c, today) for c in reg.contracts.all()],
    )


# ---------------------------------------------------------------- days of the calendar (R9)


DAY_LABELS = {
    DayKind.WORKING: gettext_lazy("рабочий день"),
    DayKind.SHORT: gettext_lazy("сокращённый день (до 17:00)"),
    DayKind.WEEKEND: gettext_lazy("выходной"),
    DayKind.HOLIDAY: gettext_lazy("праздник"),
    DayKind.DAY_OFF: gettext_lazy("перенесённый выходной"),
    "working_weekend": gettext_lazy("рабочая суббота/воскресенье"),
}


def day_key(kind: DayKind, day: dt.date) -> tuple[str, str]:
    """The kind of a date as the desk shows it, telling a working Saturday/Sunday (full or
    shortened) from an ordinary working day; with its label."""
    if kind in (DayKind.WORKING, DayKind.SHORT) and day.weekday() >= 5:
        label = str(DAY_LABELS["working_weekend"])
        if kind == DayKind.SHORT:
            label += ", " + str(_("сокращённый до 17:00"))
        return "working_weekend", label
    return str(kind), str(DAY_LABELS[kind])
