"""Reads of the desk: the queue, a ticket with what explains it, the supervisor's boards.

Every read that spans relations lives here with its joins planned (STYLE §2). Queue and board
figures come from the stored SLA columns (R11) plus the working calendar — never from running
the full clock per row; only the ticket page runs the clock, once, to explain it.
"""

from __future__ import annotations

import calendar as stdcal
import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from supportline.accounts.models import User
from supportline.core import rules
from supportline.core.templatetags.supportline import minutes_hm, msk
from supportline.mail.models import InboundMail
from supportline.registry.models import (
    Contract,
    Organisation,
    Partner,
    RegistrationNumber,
    Release,
)
from supportline.sla import Clock, ClockState, IntervalKind, SlaInputError, TicketSla
from supportline.tickets import access
from supportline.tickets.clock import ticket_sla
from supportline.tickets.intake import Eligibility, contract_eligibility
from supportline.tickets.models import (
    CLOCK_EVENTS,
    OPEN_STATUSES,
    Channel,
    Complaint,
    DevelopmentItem,
    EventType,
    Message,
    SlaState,
    Status,
    Ticket,
    TicketEvent,
    TransferTarget,
)
from supportline.worktime import Calendar, DayKind, YearStatus

MINUTE = dt.timedelta(minutes=1)
# The queue shows the tickets the line has to work on; client evaluation waits on the client
# (it can still be chosen with the status filter).
QUEUE_STATUSES = frozenset(OPEN_STATUSES - {Status.CLIENT_EVALUATION})
# A page of the queue; more rows than this are cut with a note (filters narrow it).
QUEUE_LIMIT = 200


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def level_name(level_id: str) -> str:
    """The level's name from the regulation (R21), in the active language."""
    regulation = rules.regulation()
    if not regulation.has_level(level_id):
        return level_id
    return rules.tr(regulation.level(level_id).name)


def category_name(category_id: str) -> str:
    try:
        return rules.tr(rules.regulation().scope_category(category_id).name)
    except KeyError:
        return category_id


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
        # Paused (R12): what is left stays as it was when the clock stopped.
        return ClockCell(PAUSED, max(0, target_minutes - elapsed_minutes), None, None)
    if due_at is None:
        return ClockCell(UNKNOWN, None, None, None)
    remaining = cal.working_time_between(now, due_at)
    if remaining <= -MINUTE:
        return ClockCell(BREACHED, 0, -remaining // MINUTE, due_at)
    minutes = max(0, -(-remaining // MINUTE))
    risky = remaining <= target_minutes * (1 - warning_share) * MINUTE
    return ClockCell(AT_RISK if risky else ON_TRACK, minutes, None, due_at)


def _targets(level_id: str) -> tuple[int, int]:
    regulation = rules.regulation()
    if not regulation.has_level(level_id):
        return (0, 0)
    level = regulation.level(level_id)
    return level.reaction_minutes, level.resolution_minutes


@dataclass(frozen=True)
class QueueRow:
    ticket: Ticket
    organisation: str
    level: str
    reaction: ClockCell
    resolution: ClockCell

    @property
    def worst(self) -> str:
        states = {self.reaction.state, self.resolution.state}
        for state in (BREACHED, AT_RISK):
            if state in states:
                return state
        return ON_TRACK


def queue_row(ticket: Ticket, now: dt.datetime, cal: Calendar) -> QueueRow:
    reaction_target, resolution_target = _targets(ticket.level)
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
    )


# ---------------------------------------------------------------- the queue (R14)


@dataclass(frozen=True)
class QueueFilters:
    who: str = ""  # "" everyone, "mine", "unassigned"
    level: str = ""
    status: str = ""
    channel: str = ""


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    truncated: bool
    now: dt.datetime


def queue_tickets(user: User, filters: QueueFilters) -> QuerySet[Ticket]:
    """R14: the open tickets the user may see, out-of-turn first, then FIFO by registration."""
    tickets = access.visible_tickets(user)
    if filters.status:
        tickets = tickets.filter(status=filters.status)
    else:
        tickets = tickets.filter(status__in=QUEUE_STATUSES)
    if filters.who == "mine":
        tickets = tickets.filter(assignee=user)
    elif filters.who == "unassigned":
        tickets = tickets.filter(assignee__isnull=True)
    if filters.level:
        tickets = tickets.filter(level=filters.level)
    if filters.channel:
        tickets = tickets.filter(channel=filters.channel)
    return tickets.select_related("assignee", "organisation").order_by(
        "-out_of_turn", "registered_at", "id"
    )


def queue_page(user: User, filters: QueueFilters, now: dt.datetime) -> QueuePage:
    """One query for the whole page; the clocks come from the stored columns."""
    tickets = list(queue_tickets(user, filters)[: QUEUE_LIMIT + 1])
    cal = rules.calendar()
    return QueuePage(
        rows=[queue_row(t, now, cal) for t in tickets[:QUEUE_LIMIT]],
        truncated=len(tickets) > QUEUE_LIMIT,
        now=now,
    )


# ---------------------------------------------------------------- the ticket page


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
        return kinds >= set(Contract.Kind.values)


def registration_card(reg: RegistrationNumber, today: dt.date) -> RegistrationCard:
    holder = reg.organisation.name if reg.organisation else (str(reg.partner or ""))
    return RegistrationCard(
        registration=reg,
        holder=holder,
        contracts=[contract_row(c, today) for c in reg.contracts.all()],
    )


@dataclass(frozen=True)
class TimelineRow:
    event: TicketEvent
    label: str
    author: str
    detail: str


@dataclass(frozen=True)
class LevelChangeRow:
    at: dt.datetime
    from_level: str
    to_level: str
    author: str
    reason: str


@dataclass(frozen=True)
class IntervalRow:
    kind: str
    label: str
    start: dt.datetime
    end: dt.datetime
    minutes: int
    current: bool


@dataclass(frozen=True)
class NotableDay:
    day: dt.date
    kind: str
    label: str


@dataclass(frozen=True)
class ClockView:
    """One clock explained (R11): every figure with where it comes from."""

    title: str
    state: str
    target_minutes: int
    elapsed_minutes: int
    paused_minutes: int
    remaining_minutes: int
    due_at: dt.datetime | None
    intervals: list[IntervalRow]
    paused: list[IntervalRow]
    why: str
    provisional: bool

    @property
    def label(self) -> str:
        return str(STATE_LABELS[self.state])


@dataclass(frozen=True)
class SlaView:
    level: str
    registered_at: dt.datetime
    started_at: dt.datetime
    level_changes: list[LevelChangeRow]
    reaction: ClockView
    resolution: ClockView
    notable_days: list[NotableDay]

    @property
    def clocks(self) -> tuple[ClockView, ClockView]:
        return (self.reaction, self.resolution)


@dataclass
class TicketPage:
    ticket: Ticket
    timeline: list[TimelineRow]
    messages: list[Message]
    sla: SlaView | None
    sla_error: str
    registration: RegistrationCard | None
    eligibility: Eligibility
    complaints: list[Complaint] = field(default_factory=list)
    # Client messages whose e-mail sender the line's mail server did not vouch for: the
    # message's external id → why (issue 12 §4).
    unverified: dict[str, str] = field(default_factory=dict)


def ticket_for_page(user: User, number: str) -> Ticket | None:
    """The ticket with everything the page shows, or None when the user may not see it."""
    contracts = Prefetch("registration__contracts", queryset=Contract.objects.order_by("kind"))
    return (
        access.visible_tickets(user)
        .select_related(
            "assignee",
            "organisation",
            "partner",
            "configuration",
            "registration__organisation",
            "registration__partner",
            "registration__product",
            "development_item__target_release__configuration",
            "update_access",
        )
        .prefetch_related(contracts)
        .filter(number=number)
        .first()
    )


KIND_LABELS = {
    IntervalKind.RUNNING: gettext_lazy("идёт"),
    IntervalKind.PAUSED: gettext_lazy("пауза: ожидание ответа клиента"),
    IntervalKind.EVALUATION: gettext_lazy("оценка клиентом"),
    IntervalKind.STOPPED: gettext_lazy("остановлено"),
}
DAY_LABELS = {
    DayKind.WORKING: gettext_lazy("рабочий день"),
    DayKind.SHORT: gettext_lazy("сокращённый день (до 17:00)"),
    DayKind.WEEKEND: gettext_lazy("выходной"),
    DayKind.HOLIDAY: gettext_lazy("праздник"),
    DayKind.DAY_OFF: gettext_lazy("перенесённый выходной"),
    "working_weekend": gettext_lazy("рабочая суббота/воскресенье"),
}


def _intervals(clock: Clock) -> list[IntervalRow]:
    return [
        IntervalRow(
            kind=str(i.kind),
            label=str(KIND_LABELS[i.kind]),
            start=i.start,
            end=i.end,
            minutes=i.working_minutes,
            current=i.current,
        )
        for i in clock.intervals
    ]


def _clock_state(clock: Clock) -> str:
    if clock.state == ClockState.BREACHED:
        return BREACHED
    if clock.state == ClockState.MET:
        return MET
    if clock.at_risk:
        return AT_RISK
    if clock.state == ClockState.PAUSED:
        return PAUSED
    return ON_TRACK


def _why(
    clock: Clock,
    *,
    sla: TicketSla,
    started_at: dt.datetime,
    changes: list[LevelChangeRow],
    resolution: bool,
) -> str:
    """«8 ч рабочего времени (уровень …) от регистрации 24.11.2026 10:00 МСК; пауза 2 ч; …»."""
    parts = [
        _("%(target)s рабочего времени (уровень «%(level)s») от регистрации %(at)s")
        % {
            "target": minutes_hm(clock.target_minutes),
            "level": level_name(sla.level),
            "at": msk(sla.registered_at),
        }
    ]
    if started_at != sla.registered_at:
        parts.append(_("отсчёт с начала рабочего времени %(at)s (R9)") % {"at": msk(started_at)})
    if resolution and clock.paused_minutes:
        parts.append(
            _("пауза %(paused)s — ожидание ответа клиента не считается (R12)")
            % {"paused": minutes_hm(clock.paused_minutes)}
        )
    if resolution and any(i.kind == IntervalKind.EVALUATION for i in clock.intervals):
        parts.append(_("время оценки клиентом не считается (R8, R13)"))
    for change in changes:
        parts.append(
            _(
                "уровень изменён %(at)s: «%(old)s» → «%(new)s» — цели нового уровня "
                "считаются от регистрации (R10)"
            )
            % {"at": msk(change.at), "old": change.from_level, "new": change.to_level}
        )
    used = _("использовано %(used)s из %(target)s") % {
        "used": minutes_hm(clock.elapsed_minutes),
        "target": minutes_hm(clock.target_minutes),
    }
    if clock.state == ClockState.MET:
        outcome = _("выполнено: %(used)s") % {"used": used}
    elif clock.state == ClockState.BREACHED:
        outcome = _("нарушено: срок %(due)s, %(used)s") % {"due": msk(clock.due_at), "used": used}
    elif clock.state == ClockState.PAUSED:
        outcome = _(
            "на паузе: %(used)s, осталось %(left)s; срок будет определён после ответа клиента"
        ) % {"used": used, "left": minutes_hm(clock.remaining_minutes)}
    else:
        outcome = _("%(used)s, осталось %(left)s → срок %(due)s") % {
            "used": used,
            "left": minutes_hm(clock.remaining_minutes),
            "due": msk(clock.due_at),
        }
    return "; ".join(parts) + " — " + outcome


def day_key(kind: DayKind, day: dt.date) -> tuple[str, str]:
    """The kind of a date as the desk shows it, telling a working Saturday/Sunday (full or
    shortened) from an ordinary working day; with its label."""
    if kind in (DayKind.WORKING, DayKind.SHORT) and day.weekday() >= 5:
        label = str(DAY_LABELS["working_weekend"])
        if kind == DayKind.SHORT:
            label += ", " + str(_("сокращённый до 17:00"))
        return "working_weekend", label
    return str(kind), str(DAY_LABELS[kind])


def _notable_days(start: dt.datetime, end: dt.datetime) -> list[NotableDay]:
    """Holidays, transferred days and short days between two instants: why a due time falls
    where it does (R9). Ordinary weekends are left out; at most 62 days are scanned."""
    cal = rules.calendar()
    zone = rules.line_zone()
    day = start.astimezone(zone).date()
    last = min(end.astimezone(zone).date(), day + dt.timedelta(days=62))
    out = []
    while day <= last:
        key, label = day_key(cal.day_kind(day), day)
        if key not in (DayKind.WORKING, DayKind.WEEKEND):
            out.append(NotableDay(day, key, label))
        day += dt.timedelta(days=1)
    return out


def sla_view(sla: TicketSla, events: list[TicketEvent]) -> SlaView:
    # LevelChange.index is a position in the list of clock events the clock was given.
    clock_list = [e for e in events if e.type in CLOCK_EVENTS]
    changes = []
    for change in sla.level_changes:
        event = clock_list[change.index]
        changes.append(
            LevelChangeRow(
                at=change.at,
                from_level=level_name(change.from_level),
                to_level=level_name(change.to_level),
                author=_name(event.author) or _("система"),
                reason=str(event.data.get("reason", "")),
            )
        )
    cal = rules.calendar()
    started_at = cal.next_working_instant(sla.registered_at)

    def view(title: str, clock: Clock, resolution: bool) -> ClockView:
        intervals = _intervals(clock)
        return ClockView(
            title=title,
            state=_clock_state(clock),
            target_minutes=clock.target_minutes,
            elapsed_minutes=clock.elapsed_minutes,
            paused_minutes=clock.paused_minutes,
            remaining_minutes=clock.remaining_minutes,
            due_at=clock.due_at,
            intervals=intervals,
            paused=[i for i in intervals if i.kind == IntervalKind.PAUSED],
            why=_why(clock, sla=sla, started_at=started_at, changes=changes, resolution=resolution),
            provisional=clock.due_at is not None and cal.is_provisional(clock.due_at),
        )

    horizon = max(
        [d for d in (sla.reaction.due_at, sla.resolution.due_at) if d is not None] + [sla.now]
    )
    return SlaView(
        level=level_name(sla.level),
        registered_at=sla.registered_at,
        started_at=started_at,
        level_changes=changes,
        reaction=view(_("Время реакции (R7)"), sla.reaction, False),
        resolution=view(_("Время решения (R8)"), sla.resolution, True),
        notable_days=_notable_days(sla.registered_at, horizon),
    )


# Ticket fields a «data changed» event names (R16), as people call them.
DATA_FIELDS = {
    "registration_number": gettext_lazy("регистрационный номер"),
    "partner_code": gettext_lazy("код партнёра"),
    "organisation_name": gettext_lazy("организация"),
    "configuration_name": gettext_lazy("конфигурация"),
    "version": gettext_lazy("версия"),
    "category": gettext_lazy("категория"),
}


def _describe(event: TicketEvent, users: dict[int, str]) -> str:
    """A line of the timeline saying what the event changed (R16)."""
    data: dict[str, Any] = event.data or {}
    t = event.type
    if t == EventType.REGISTERED:
        channel = str(data.get("channel", ""))
        return _("канал: %(channel)s; уровень: %(level)s") % {
            "channel": Channel(channel).label if channel in Channel.values else channel,
            "level": level_name(str(data.get("level", ""))),
        }
    if t == EventType.LEVEL_CHANGED:
        return _("«%(old)s» → «%(new)s»; причина: %(reason)s") % {
            "old": level_name(str(data.get("previous", ""))),
            "new": level_name(str(data.get("level", ""))),
            "reason": data.get("reason", ""),
        }
    if t == EventType.ASSIGNED:
        who = users.get(int(data.get("assignee") or 0), "")
        if data.get("via") == "take_next":
            return _("исполнитель: %(who)s (взято из очереди)") % {"who": who}
        return _("исполнитель: %(who)s") % {"who": who}
    if t == EventType.TRANSFERRED:
        to, kind = str(data.get("to", "")), str(data.get("kind", ""))
        return _("куда: %(to)s; вид: %(kind)s; причина: %(reason)s") % {
            "to": TransferTarget(to).label if to in TransferTarget.values else to,
            "kind": (
                DevelopmentItem.ItemKind(kind).label
                if kind in DevelopmentItem.ItemKind.values
                else kind
            ),
            "reason": data.get("reason", ""),
        }
    if t == EventType.REDIRECTED:
        return _("категория: %(category)s") % {
            "category": category_name(str(data.get("category", "")))
        }
    if t == EventType.REFUSED:
        return _("не хватает: %(reason)s") % {"reason": data.get("reason", "")}
    if t == EventType.DATA_CHANGED:
        if "target_release" in data:
            return _("целевой релиз: %(release)s") % {"release": data["target_release"]}
        changed = data.get("changed") or {}
        return "; ".join(f"{DATA_FIELDS.get(k, k)}: {v or '—'}" for k, v in changed.items())
    if t == EventType.EVALUATED:
        if data.get("accepted"):
            return _("принято, оценка %(rating)s") % {"rating": data.get("rating", "")}
        return _("отклонено: %(comment)s") % {"comment": data.get("comment", "")}
    if t == EventType.CLOSED and data.get("reason") == "auto_close":
        return _("автоматически (R13)")
    if t == EventType.ANSWERED and data.get("reason") == "outdated_release":
        return _("обновиться до релиза %(release)s (R4)") % {"release": data.get("release", "")}
    if t == EventType.MESSAGE:
        kind = str(data.get("kind", ""))
        if kind == "release_published":
            return _("опубликован релиз %(release)s (R15)") % {"release": data.get("release", "")}
        if kind in Message.Author.values:
            return str(Message.Author(kind).label)
    if t == EventType.RESOLVED and data.get("granted_login"):
        return _("доступ предоставлен, логин %(login)s") % {"login": data["granted_login"]}
    return ""


def _timeline(events: list[TicketEvent]) -> list[TimelineRow]:
    wanted = {
        int(e.data["assignee"])
        for e in events
        if e.type == EventType.ASSIGNED and str(e.data.get("assignee", "")).isdigit()
    }
    users = {u.pk: _name(u) for u in User.objects.filter(pk__in=wanted)} if wanted else {}
    return [
        TimelineRow(
            event=e,
            label=str(e.get_type_display()),
            author=_name(e.author) or _("система"),
            detail=_describe(e, users),
        )
        for e in events
    ]


def ticket_page(ticket: Ticket, now: dt.datetime) -> TicketPage:
    events = list(ticket.events.select_related("author").order_by("at", "id"))
    messages = list(
        ticket.messages.select_related("author")
        .prefetch_related("attachments")
        .order_by("at", "id")
    )
    sla: SlaView | None = None
    sla_error = ""
    try:
        sla = sla_view(ticket_sla(ticket, now=now, events=events), events)
    except SlaInputError as error:  # an inconsistent history is shown, not hidden behind a 500
        sla_error = str(error)
    today = rules.local_date(now)
    reg = ticket.registration
    # Only a ticket with e-mail in it can have an unverified sender (one query then).
    has_mail = any(m.channel == Channel.EMAIL for m in messages)
    unverified = unverified_mail(ticket) if has_mail else {}
    for m in messages:
        # The template reads it per message (a plain attribute: no query per message).
        m.unverified_sender = unverified.get(m.external_id, "")  # type: ignore[attr-defined]
    return TicketPage(
        ticket=ticket,
        timeline=_timeline(events),
        messages=messages,
        sla=sla,
        sla_error=sla_error,
        registration=registration_card(reg, today) if reg is not None else None,
        eligibility=contract_eligibility(reg, ticket.registered_at),
        complaints=list(ticket.complaints.only("number", "subject", "state")),
        unverified=unverified,
    )


def unverified_mail(ticket: Ticket) -> dict[str, str]:
    """External id → reason, for the ticket's e-mail whose sender was not vouched for."""
    found: dict[str, str] = {}
    rows = InboundMail.objects.filter(
        ticket=ticket, sender_verified=False, state=InboundMail.State.PROCESSED
    ).only("pk", "message_id", "verification")
    for mail in rows:
        found[mail.message_id] = mail.verification
        found[mail.collision_id] = mail.verification
    return found


# ---------------------------------------------------------------- escalations (R15)


def transferred_tickets(user: User, to: str = "") -> QuerySet[Ticket]:
    """Tickets transferred to a methodologist or development, as far as the user may see."""
    tickets = access.visible_tickets(user).filter(status=Status.TRANSFERRED)
    if to:
        tickets = tickets.filter(transferred_to=to)
    return tickets.select_related(
        "assignee", "organisation", "development_item__target_release__configuration"
    ).order_by("-out_of_turn", "registered_at", "id")


def development_items() -> QuerySet[DevelopmentItem]:
    return (
        DevelopmentItem.objects.select_related("target_release__configuration", "created_by")
        .annotate(
            ticket_count=Count("tickets", distinct=True),
            open_count=Count("tickets", filter=Q(tickets__status__in=OPEN_STATUSES), distinct=True),
        )
        .order_by("-created_at", "-id")
    )


def planned_releases() -> QuerySet[Release]:
    """Releases still to come: neither published nor current (R15 targets)."""
    return (
        Release.objects.filter(published_at__isnull=True, is_current=False)
        .select_related("configuration")
        .order_by("configuration__name", "version_key")
    )


def releases_with_items() -> QuerySet[Release]:
    items = Prefetch(
        "items",
        queryset=DevelopmentItem.objects.annotate(ticket_count=Count("tickets")).order_by("id"),
    )
    return planned_releases().prefetch_related(items)


def published_releases(limit: int = 20) -> list[Release]:
    return list(
        Release.objects.filter(published_at__isnull=False)
        .select_related("configuration")
        .order_by("-published_at")[:limit]
    )


# ---------------------------------------------------------------- supervisor board (R11)


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
    """Two queries: open tickets per level, and the open tickets at risk or in breach."""
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
        who = _name(ticket.assignee) or _("не назначено")
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
    )


# ---------------------------------------------------------------- complaints (R20)


def complaints_for(user: User, state: str = "") -> QuerySet[Complaint]:
    complaints = access.visible_complaints(user)
    if state:
        complaints = complaints.filter(state=state)
    # "open" sorts after "answered": descending puts the new complaints first.
    return (
        complaints.select_related("organisation", "author", "answered_by")
        .prefetch_related(Prefetch("tickets", queryset=Ticket.objects.order_by("registered_at")))
        .order_by("-state", "received_at", "id")
    )


# ---------------------------------------------------------------- registries


@dataclass(frozen=True)
class HolderCard:
    holder: Organisation | Partner
    registrations: list[RegistrationCard]

    @property
    def eligible_today(self) -> bool:
        return any(card.eligible_today for card in self.registrations)


def _registrations() -> Prefetch[Any]:
    return Prefetch(
        "registrations",
        queryset=RegistrationNumber.objects.select_related("product", "organisation", "partner")
        .prefetch_related(Prefetch("contracts", queryset=Contract.objects.order_by("kind")))
        .order_by("number"),
    )


# Holders shown per page of the registries; a search narrows them (the admin lists them all).
REGISTRY_LIMIT = 50


def registry_overview(today: dt.date, query: str = "") -> tuple[list[HolderCard], list[HolderCard]]:
    """Organisations and partners with their registration numbers and contracts (R2)."""
    organisations = Organisation.objects.all()
    partners = Partner.objects.all()
    if query:
        organisations = organisations.filter(
            Q(name__icontains=query)
            | Q(full_name__icontains=query)
            | Q(inn=query)
            | Q(registrations__number=query)
        ).distinct()
        partners = partners.filter(
            Q(name__icontains=query) | Q(code=query) | Q(registrations__number=query)
        ).distinct()
    organisations = organisations.prefetch_related(_registrations()).order_by("name")[
        :REGISTRY_LIMIT
    ]
    partners = partners.prefetch_related(_registrations()).order_by("name")[:REGISTRY_LIMIT]

    def cards(holders: Iterable[Organisation | Partner]) -> list[HolderCard]:
        return [
            HolderCard(h, [registration_card(r, today) for r in h.registrations.all()])
            for h in holders
        ]

    return cards(organisations), cards(partners)


# ---------------------------------------------------------------- production calendar (R9)


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
