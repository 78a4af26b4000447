"""The ticket page: the ticket with its conversation, contracts, timeline (R16) and its SLA
explained (R11) — the one screen that runs the full clock, once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Exists,
    Field,
    Model,
    OuterRef,
    Prefetch,
    QuerySet,
    prefetch_related_objects,
)
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from supportline.accounts.models import User
from supportline.core import rules
from supportline.core.formatting import (
    category_name,
    level_name,
    minutes_hm,
    msk,
    redirect_target_name,
)
from supportline.desk.selectors.common import (
    AT_RISK,
    BREACHED,
    MET,
    ON_TRACK,
    PAUSED,
    STATE_LABELS,
    RegistrationCard,
    day_key,
    person_name,
    registration_card,
)
from supportline.lib.statements import Select
from supportline.mail.models import InboundMail
from supportline.registry.models import Contract
from supportline.sla import Clock, ClockState, Interval, IntervalKind, SlaInputError, TicketSla
from supportline.sla.clock import DATA_REQUESTED
from supportline.tickets import access
from supportline.tickets.actions.lifecycle import evaluation_ends
from supportline.tickets.clock import ticket_sla
from supportline.tickets.intake import Eligibility, contract_eligibility
from supportline.tickets.models import (
    CLOCK_EVENTS,
    Attachment,
    Channel,
    Complaint,
    DevelopmentItem,
    EventType,
    InternalNote,
    Message,
    Ticket,
    TicketEvent,
    TransferTarget,
)
from supportline.worktime import DayKind


@dataclass(slots=True)
class EventRow:
    """An event as the page reads it: its columns, and its author from the page's one query of
    people (a model instance per event was a large part of the page: issue 15)."""

    id: int
    at: dt.datetime
    type: str
    author_id: int | None
    data: dict[str, Any]
    author: User | None = None


@dataclass(slots=True)
class MessageRow:
    """A message of the conversation as the page writes it (`{% message_items %}`): its
    columns, its author, and what the page adds (labels, files, an unverified sender)."""

    id: int
    at: dt.datetime
    author_id: int | None
    author_kind: str
    channel: str
    body: str
    external_id: str
    has_files: bool
    author: User | None = None
    author_kind_label: str = ""
    channel_label: str = ""
    unverified_sender: str = ""
    files: list[Attachment] = field(default_factory=list)

    @property
    def pk(self) -> int:
        return self.id


@dataclass(frozen=True)
class TimelineRow:
    event: EventRow
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

    @property
    def overdue_minutes(self) -> int:
        """Issue 14 §9: how far a breached clock is past its target (working minutes)."""
        if self.state != BREACHED:
            return 0
        return max(0, self.elapsed_minutes - self.target_minutes)


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


@dataclass(frozen=True)
class EvaluationView:
    """R13 on the ticket page: the client's last evaluation, and while the ticket waits for
    one, until when (the automatic close)."""

    waiting_until: dt.datetime | None
    accepted: bool | None  # None: not evaluated yet
    rating: int | None
    comment: str
    at: dt.datetime | None
    via: str

    @property
    def stars(self) -> str:
        return "" if self.rating is None else "★" * self.rating + "☆" * (5 - self.rating)


# How an evaluation reached the line (the event's `via`).
VIA_LABELS = {
    "link": gettext_lazy("по ссылке из письма"),
    Channel.EMAIL: gettext_lazy("ответом на письмо"),
    Channel.CONNECT: gettext_lazy("в 1С-Коннект"),
    Channel.PORTAL: gettext_lazy("сообщением на портале"),
    Channel.API: gettext_lazy("через API"),
}


def evaluation_view(ticket: Ticket, events: list[EventRow]) -> EvaluationView | None:
    last = next((e for e in reversed(events) if e.type == EventType.EVALUATED), None)
    waiting_until = evaluation_ends(ticket)
    if last is None and waiting_until is None:
        return None
    data: dict[str, Any] = last.data if last is not None else {}
    rating = data.get("rating")
    via = str(data.get("via", ""))
    return EvaluationView(
        waiting_until=waiting_until,
        accepted=None if last is None else bool(data.get("accepted")),
        rating=int(rating) if isinstance(rating, int) else None,
        comment=str(data.get("comment", "")),
        at=None if last is None else last.at,
        via=str(VIA_LABELS.get(via, "")),
    )


@dataclass
class TicketPage:
    ticket: Ticket
    timeline: list[TimelineRow]
    messages: list[MessageRow]
    sla: SlaView | None
    sla_error: str
    registration: RegistrationCard | None
    eligibility: Eligibility
    complaints: list[Complaint] = field(default_factory=list)
    # Client messages whose e-mail sender the line's mail server did not vouch for: the
    # message's external id → why (issue 12 §4).
    unverified: dict[str, str] = field(default_factory=dict)
    evaluation: EvaluationView | None = None


def _for_page(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return tickets.select_related(
        "assignee",
        "organisation",
        "partner",
        "configuration",
        "registration__organisation",
        "registration__partner",
        "registration__product",
        "update_access",
    )


# The line sees every ticket: its page's ten-table join is compiled once (the ORM compiled it
# for every page, ~5 ms; issue 15).
_LINE_PAGE_TICKET: Select[Ticket] = Select(
    lambda number: _for_page(Ticket.objects.all()).filter(number=number).order_by("pk")[:1],
    number=str,
)


def ticket_for_page(user: User, number: str) -> Ticket | None:
    """The ticket with everything the page shows, or None when the user may not see it."""
    if access.sees_every_ticket(user):
        ticket = _LINE_PAGE_TICKET.first(number=number)
    else:
        ticket = _for_page(access.visible_tickets(user)).filter(number=number).first()
    if ticket is not None:
        reg = ticket.registration
        if reg is not None:
            # The registration's contracts by a statement compiled once, kept where
            # `prefetch_related_objects` keeps them (so `reg.contracts.all()` asks nothing).
            contracts = reg.contracts.all()
            contracts._result_cache = _CONTRACTS.all(registration=reg.pk)
            contracts._prefetch_done = True  # type: ignore[attr-defined]
            reg._prefetched_objects_cache = {"contracts": contracts}  # type: ignore[attr-defined]
        # Few tickets have a development item: a prefetch asks nothing then (one query when
        # there is one), where its three joins were planned and compiled for every page.
        item = Prefetch(
            "development_item",
            queryset=DevelopmentItem.objects.select_related("target_release__configuration"),
        )
        prefetch_related_objects([ticket], item)
    return ticket


# What the page reads besides the ticket, compiled once (issue 15).
_CONTRACTS: Select[Contract] = Select(
    lambda registration: Contract.objects.filter(registration_id=registration).order_by("kind"),
    registration=int,
)
_COMPLAINTS: Select[Complaint] = Select(
    lambda ticket: Complaint.objects.filter(tickets=ticket).only("number", "subject", "state"),
    ticket=int,
)
_NOTES: Select[InternalNote] = Select(
    lambda ticket: InternalNote.objects.filter(ticket_id=ticket).select_related("author"),
    ticket=int,
)


def ticket_notes(ticket: Ticket) -> list[InternalNote]:
    """The ticket's internal notes with their authors and the people they mention (who may
    read them is the caller's: `access.may_read_notes`)."""
    notes = _NOTES.all(ticket=ticket.pk)
    if notes:
        prefetch_related_objects(notes, "mentioned")
    return notes


KIND_LABELS = {
    IntervalKind.RUNNING: gettext_lazy("идёт"),
    IntervalKind.PAUSED: gettext_lazy("пауза: ожидание ответа клиента"),
    IntervalKind.EVALUATION: gettext_lazy("оценка клиентом"),
    IntervalKind.STOPPED: gettext_lazy("остановлено"),
}
# A pause by its reason (the event that began it): the automatic request for R1 data (R7).
PAUSE_LABELS = {
    DATA_REQUESTED: gettext_lazy("пауза: ожидание недостающих данных (автоматический запрос)"),
}


def _label(interval: Interval, words: dict[str, str] | None = None) -> str:
    """`words`: `_interval_words()` of the page (the labels translated once)."""
    if words is None:
        words = _interval_words()
    if interval.kind == IntervalKind.PAUSED and interval.reason in PAUSE_LABELS:
        return words["pause:" + str(interval.reason)]
    return words[str(interval.kind)]


def _interval_words() -> dict[str, str]:
    words = {str(k): str(v) for k, v in KIND_LABELS.items()}
    words.update({f"pause:{k}": str(v) for k, v in PAUSE_LABELS.items()})
    return words


def _paused_for(clock: Clock, *, data: bool) -> int:
    """Working minutes the clock was paused for the R1 data (`data`) or for a question."""
    return sum(
        (
            i.working_time
            for i in clock.intervals
            if i.kind == IntervalKind.PAUSED and (i.reason == DATA_REQUESTED) == data
        ),
        dt.timedelta(),
    ) // dt.timedelta(minutes=1)


def _intervals(clock: Clock, words: dict[str, str] | None = None) -> list[IntervalRow]:
    if words is None:
        words = _interval_words()
    return [
        IntervalRow(
            kind=str(i.kind),
            label=_label(i, words),
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
        parts.append(_("отсчёт с начала рабочего времени %(at)s") % {"at": msk(started_at)})
    waiting_for_data = _paused_for(clock, data=True)
    if waiting_for_data:
        parts.append(
            _(
                "пауза %(paused)s — ожидание недостающих данных по автоматическому запросу не считается"
            )
            % {"paused": minutes_hm(waiting_for_data)}
        )
    waiting_for_answer = _paused_for(clock, data=False)
    if resolution and waiting_for_answer:
        parts.append(
            _("пауза %(paused)s — ожидание ответа клиента не считается")
            % {"paused": minutes_hm(waiting_for_answer)}
        )
    if resolution and any(i.kind == IntervalKind.EVALUATION for i in clock.intervals):
        parts.append(_("время оценки клиентом не считается"))
    for change in changes:
        parts.append(
            _(
                "уровень изменён %(at)s: «%(old)s» → «%(new)s» — цели нового уровня "
                "считаются от регистрации"
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


def sla_view(sla: TicketSla, events: list[EventRow]) -> SlaView:
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
                author=person_name(event.author) or _("система"),
                reason=str(event.data.get("reason", "")),
            )
        )
    cal = rules.calendar()
    started_at = cal.next_working_instant(sla.registered_at)

    words = _interval_words()

    def view(title: str, clock: Clock, resolution: bool) -> ClockView:
        intervals = _intervals(clock, words)
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
        reaction=view(_("Время реакции"), sla.reaction, False),
        resolution=view(_("Время решения"), sla.resolution, True),
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


# Issue 14 §9: what an event does to the clocks, for the rows that would otherwise say nothing.
CLOCK_EFFECT = {
    EventType.ACCEPTED: gettext_lazy("срок реакции выполнен"),
    EventType.ASKED: gettext_lazy("срок решения на паузе до ответа клиента"),
    EventType.DATA_REQUESTED: gettext_lazy("оба срока на паузе до ответа клиента"),
    EventType.CLIENT_REPLIED: gettext_lazy("срок решения снова идёт"),
    EventType.RESOLVED: gettext_lazy("срок решения остановлен: ждём оценки клиента"),
    EventType.REOPENED: gettext_lazy("срок решения снова идёт с уже использованного"),
    EventType.CLOSED: gettext_lazy("сроки остановлены"),
    EventType.ANSWERED: gettext_lazy("ответ отправлен клиенту"),
}
# The choices' values, once: an enum's `values` builds its choices, labels included, at every
# call (once per message event of the timeline: issue 15).
CHANNELS = frozenset(Channel.values)
TRANSFER_TARGETS = frozenset(TransferTarget.values)
ITEM_KINDS = frozenset(DevelopmentItem.ItemKind.values)
AUTHOR_KINDS = frozenset(Message.Author.values)
# How much of a message the timeline quotes.
QUOTE = 90


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE else text[: QUOTE - 1] + "…"


def _describe(
    event: EventRow,
    users: dict[int, str],
    bodies: dict[int, str] | None = None,
    effects: dict[str, str] | None = None,
    kinds: dict[str, str] | None = None,
) -> str:
    """A line of the timeline saying what the event changed (R16); a row never stays empty.
    `effects`, `kinds`: CLOCK_EFFECT and the message authors' kinds translated once for a
    whole timeline."""
    text = _describe_data(event, users, kinds)
    if event.type == EventType.MESSAGE and bodies:
        body = bodies.get(int(event.data.get("message") or 0), "")
        if body:
            text = f"{text}: «{_quote(body)}»" if text else f"«{_quote(body)}»"
    if not text and event.type in CLOCK_EFFECT:
        text = effects[event.type] if effects else str(CLOCK_EFFECT[EventType(event.type)])
    return text


def _describe_data(
    event: EventRow, users: dict[int, str], kinds: dict[str, str] | None = None
) -> str:
    data: dict[str, Any] = event.data or {}
    t = event.type
    if t == EventType.REGISTERED:
        channel = str(data.get("channel", ""))
        return _("канал: %(channel)s; уровень: %(level)s") % {
            "channel": Channel(channel).label if channel in CHANNELS else channel,
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
        if data.get("reason"):
            return _("исполнитель: %(who)s; причина: %(reason)s") % {
                "who": who,
                "reason": data["reason"],
            }
        return _("исполнитель: %(who)s") % {"who": who}
    if t == EventType.TRANSFERRED:
        to, kind = str(data.get("to", "")), str(data.get("kind", ""))
        return _("куда: %(to)s; вид: %(kind)s; причина: %(reason)s") % {
            "to": TransferTarget(to).label if to in TRANSFER_TARGETS else to,
            "kind": (DevelopmentItem.ItemKind(kind).label if kind in ITEM_KINDS else kind),
            "reason": data.get("reason", ""),
        }
    if t == EventType.REDIRECTED:
        described = _("категория: %(category)s") % {
            "category": category_name(str(data.get("category", "")))
        }
        if data.get("to"):
            described += " → " + redirect_target_name(str(data["to"]))
        return described
    if t == EventType.REFUSED:
        return _("не хватает: %(reason)s") % {"reason": data.get("reason", "")}
    if t == EventType.DATA_CHANGED:
        if "target_release" in data:
            return _("целевой релиз: %(release)s") % {"release": data["target_release"]}
        changed = data.get("changed") or {}
        return "; ".join(f"{DATA_FIELDS.get(k, k)}: {v or '—'}" for k, v in changed.items())
    if t == EventType.EXEMPTION_PENDING:
        return _("категория клиента: %(category)s; не хватает: %(missing)s") % {
            "category": category_name(str(data.get("category", ""))),
            "missing": ", ".join(str(m) for m in data.get("missing") or []),
        }
    if t == EventType.EXEMPTION_CONFIRMED:
        return _("вопрос о лицензировании или системе защиты: %(category)s") % {
            "category": category_name(str(data.get("category", "")))
        }
    if t == EventType.RECLASSIFIED:
        new = str(data.get("category", ""))
        return _("«%(old)s» → «%(new)s»; причина: %(reason)s") % {
            "old": category_name(str(data.get("previous", ""))),
            "new": category_name(new) if new else "—",
            "reason": data.get("reason", "") or "—",
        }
    if t == EventType.EVALUATED:
        via = VIA_LABELS.get(str(data.get("via", "")))
        if data.get("accepted"):
            if data.get("rating") is None:
                text = _("принято без оценки")
            else:
                text = _("принято, оценка %(rating)s") % {"rating": data.get("rating", "")}
        else:
            text = _("отклонено: %(comment)s") % {"comment": data.get("comment", "")}
        return f"{text} ({via})" if via else text
    if t == EventType.MERGED:
        return _("объединено с обращением %(number)s; причина: %(reason)s") % {
            "number": data.get("into", ""),
            "reason": data.get("reason", "") or "—",
        }
    if t == EventType.MERGED_IN:
        return _("дубль %(number)s: перенесено сообщений — %(count)s; причина: %(reason)s") % {
            "number": data.get("duplicate", ""),
            "count": data.get("messages", 0),
            "reason": data.get("reason", "") or "—",
        }
    if t in (EventType.LINKED, EventType.UNLINKED):
        return _("обращение %(number)s") % {"number": data.get("other", "")}
    if t == EventType.CLOSED and data.get("reason") == "auto_close":
        return _("автоматически")
    if t == EventType.ANSWERED and data.get("reason") == "outdated_release":
        return _("обновиться до релиза %(release)s") % {"release": data.get("release", "")}
    if t == EventType.MESSAGE:
        kind = str(data.get("kind", ""))
        if kind == "release_published":
            return _("опубликован релиз %(release)s") % {"release": data.get("release", "")}
        if kind in AUTHOR_KINDS:
            return kinds[kind] if kinds else str(Message.Author(kind).label)
    if t == EventType.RESOLVED and data.get("granted_login"):
        return _("доступ предоставлен, логин %(login)s") % {"login": data["granted_login"]}
    return ""


def _assignees(events: list[EventRow]) -> set[int]:
    return {
        int(e.data["assignee"])
        for e in events
        if e.type == EventType.ASSIGNED and str(e.data.get("assignee", "")).isdigit()
    }


def _timeline(
    events: list[EventRow], people: dict[int, User], bodies: dict[int, str] | None = None
) -> list[TimelineRow]:
    """`people`: the authors and the assignees the events name, by id (one query)."""
    names = {pk: person_name(u) for pk, u in people.items()}
    system = _("система")
    # The labels once (`get_type_display` per event hashes every lazy label: issue 15).
    types = labels(TicketEvent, "type")
    effects = {str(k): str(v) for k, v in CLOCK_EFFECT.items()}
    kinds = labels(Message, "author_kind")
    return [
        TimelineRow(
            event=e,
            label=types.get(e.type, e.type),
            author=(names.get(e.author_id, "") if e.author_id else "") or system,
            detail=_describe(e, names, bodies, effects, kinds),
        )
        for e in events
    ]


def labels(model: type[Model], name: str) -> dict[str, str]:
    """A choice field's labels in the active language, what `get_FOO_display` gives."""
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    return {str(k): str(v) for k, v in field.flatchoices}


EVENT_COLUMNS = ("id", "at", "type", "author_id", "data")
MESSAGE_COLUMNS = ("id", "at", "author_id", "author_kind", "channel", "body", "external_id")


def _people(events: list[EventRow], messages: list[MessageRow]) -> dict[int, User]:
    """The few people the events and messages name (their authors, the assignees), in one
    query, set on each row (each row joined and built its own user: issue 15)."""
    ids = {e.author_id for e in events if e.author_id is not None}
    ids |= {m.author_id for m in messages if m.author_id is not None}
    ids |= _assignees(events)
    people = User.objects.in_bulk(ids) if ids else {}
    for e in events:
        e.author = people.get(e.author_id) if e.author_id else None
    for m in messages:
        m.author = people.get(m.author_id) if m.author_id else None
    return people


def _files(ticket: Ticket, messages: list[MessageRow]) -> dict[int, list[Attachment]]:
    """The messages' attachments by message, in one query when any message has one."""
    if not any(m.has_files for m in messages):
        return {}
    files: dict[int, list[Attachment]] = {}
    for a in Attachment.objects.filter(message__ticket=ticket).order_by("id"):
        files.setdefault(a.message_id, []).append(a)
    return files


# The page's history and conversation, compiled once (issue 15).
_EVENTS: Select[tuple[Any, ...]] = Select(
    lambda ticket: (
        TicketEvent.objects.filter(ticket_id=ticket)
        .order_by("at", "id")
        .values_list(*EVENT_COLUMNS)
    ),
    ticket=int,
)
_MESSAGES: Select[tuple[Any, ...]] = Select(
    lambda ticket: (
        Message.objects.filter(ticket_id=ticket)
        .annotate(has_files=Exists(Attachment.objects.filter(message=OuterRef("pk"))))
        .order_by("at", "id")
        .values_list(*MESSAGE_COLUMNS, "has_files")
    ),
    ticket=int,
)


def ticket_events(ticket: Ticket) -> list[EventRow]:
    return [EventRow(*row) for row in _EVENTS.all(ticket=ticket.pk)]


def ticket_messages(ticket: Ticket) -> list[MessageRow]:
    return [MessageRow(*row) for row in _MESSAGES.all(ticket=ticket.pk)]


def ticket_page(ticket: Ticket, now: dt.datetime) -> TicketPage:
    events = ticket_events(ticket)
    messages = ticket_messages(ticket)
    people = _people(events, messages)
    files = _files(ticket, messages)
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
    kinds, channels = labels(Message, "author_kind"), labels(Message, "channel")
    for m in messages:
        # The template reads them per message (plain attributes: no query, no label lookup).
        m.unverified_sender = unverified.get(m.external_id, "")
        m.author_kind_label = kinds.get(m.author_kind, m.author_kind)
        m.channel_label = channels.get(m.channel, m.channel)
        m.files = files.get(m.id, [])
    return TicketPage(
        ticket=ticket,
        timeline=_timeline(events, people, {m.id: m.body for m in messages}),
        messages=messages,
        sla=sla,
        sla_error=sla_error,
        registration=registration_card(reg, today) if reg is not None else None,
        # From the contracts `ticket_for_page` read (no query of its own).
        eligibility=contract_eligibility(
            reg, ticket.registered_at, reg.contracts.all() if reg is not None else None
        ),
        complaints=_COMPLAINTS.all(ticket=ticket.pk),
        unverified=unverified,
        evaluation=evaluation_view(ticket, events),
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
