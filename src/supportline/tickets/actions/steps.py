"""The shared steps of every ticket action: one instant, the row lock, who may act from which
status, an event (R16), a message (handed to the outbox), the save that recomputes the stored SLA
figures from the events (R11), and the small outcomes several areas reach (ask, refuse, redirect).

Two kinds of text live in the actions:
- errors (`TicketError` and its kinds) go to the person who caused them, so they are gettext'ed
  when raised, in that person's language;
- what the line writes into a ticket (messages to the client, notices, event reasons) is stored
  and sent to the client in the line's language, Russian (`LINE_LANGUAGE`), like the
  regulation's standard answers (`say`): those strings are plain Russian on purpose and are not
  translated per request — a consultant working in the English UI still writes to the client
  in Russian, and a stored text cannot follow the language of whoever reads it later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from supportline.accounts.models import User
from supportline.core import rules
from supportline.jobs.models import Job
from supportline.lib.statements import Insert, Part, write
from supportline.regulation import Text
from supportline.tickets import access, outbox, search
from supportline.tickets.clock import store_sla
from supportline.tickets.errors import IntakeError, TransitionError
from supportline.tickets.models import (
    Channel,
    EventType,
    Exemption,
    Message,
    Status,
    Ticket,
    TicketEvent,
    Written,
)

S = Status
# Where the line may act from: an open ticket not waiting in client evaluation.
WORKING = frozenset({S.REGISTERED, S.ACCEPTED, S.IN_PROGRESS, S.WAITING_CLIENT, S.TRANSFERRED})
# Where the line may write to the client (not while the ticket waits for the client's answer).
TALKING = WORKING - {S.WAITING_CLIENT}

# The statuses each action may start from: the actions refuse anything else, and the desk
# offers only what passes — one table, not a copy per screen.
ALLOWED_FROM: dict[str, frozenset[str]] = {
    "accept": frozenset({S.REGISTERED}),
    "ask": TALKING,
    "answer": TALKING,
    "transfer": TALKING,
    "resolve": WORKING,
    "redirect": WORKING,
    "refuse": WORKING,
    "complete": WORKING,
    "evaluate": frozenset({S.CLIENT_EVALUATION}),
    "decide": frozenset({S.REGISTERED, S.ACCEPTED, S.IN_PROGRESS}),
    "exemption": WORKING,
}
# R2: the acts that serve a question; an exemption the line has not confirmed blocks them.
SERVING = frozenset({"accept", "answer", "resolve", "transfer"})


def exemption_settled(ticket: Ticket) -> bool:
    """Whether the ticket may be served: no licensing/protection exemption waits (R2)."""
    return ticket.exemption != Exemption.PENDING


def require_exemption_settled(ticket: Ticket) -> None:
    if not exemption_settled(ticket):
        raise TransitionError(
            _(
                "Обращение %(number)s без действующих договоров: сначала подтвердите, что вопрос "
                "о лицензировании или системе защиты, или переквалифицируйте его"
            )
            % {"number": ticket.number}
        )


# R7: before any person of the line has reacted, more is possible — accepting (or asking)
# while the automatic request for R1 data waits, accepting a ticket transferred unaccepted.
BEFORE_REACTION: dict[str, frozenset[str]] = {
    "accept": frozenset({S.WAITING_CLIENT, S.TRANSFERRED}),
    "ask": frozenset({S.WAITING_CLIENT}),
}
# The events of a person of the line the client sees and that keep the ticket open (R7);
# automatic ones have no author. (Refusal and redirection end the ticket.)
REACTIONS = (EventType.ACCEPTED, EventType.ASKED, EventType.RESOLVED)


def require_channel(channel: str) -> None:
    """R6, R21: the line takes tickets only on the channels its regulation file lists."""
    if not rules.regulation().has_channel(channel):
        name = Channel(channel).label if channel in Channel.values else channel
        raise IntakeError(
            {
                "channel": _(
                    "Линия не принимает обращения по каналу «%(channel)s»: его нет в "
                    "регламенте линии"
                )
                % {"channel": name}
            }
        )


def say(text: Text, **values: Any) -> str:
    """A standard answer of the regulation, in Russian (the line's language), filled in."""
    return text.ru.format(**values)


def end_of_working_days(start: dt.datetime, working_days: int) -> dt.datetime:
    """The end of the `working_days`-th working day after the day of `start`, in the line's
    calendar (R13 evaluation period, R20 complaint deadline)."""
    cal = rules.calendar()
    zone = rules.line_zone()
    day = start.astimezone(zone).date()
    counted = 0
    while counted < working_days:
        day += dt.timedelta(days=1)
        if cal.working_hours(day) is not None:
            counted += 1
    hours = cal.working_hours(day)
    assert hours is not None
    return dt.datetime.combine(day, hours[1], tzinfo=zone)


def moment(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def lock(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def require_status(ticket: Ticket, allowed: Iterable[str], action: str) -> None:
    """`action` is already translated by the caller: it completes «Нельзя …» ("Cannot …")."""
    if ticket.status not in allowed:
        raise _status_error(ticket, action)


def _status_error(ticket: Ticket, action: str) -> TransitionError:
    return TransitionError(
        _("Нельзя %(action)s: обращение %(number)s в статусе «%(status)s»")
        % {"action": action, "number": ticket.number, "status": ticket.get_status_display()}
    )


def reacted(ticket: Ticket) -> bool:
    """R7: whether a person of the line has already reacted (accepted, asked, resolved)."""
    return ticket.events.filter(type__in=REACTIONS, author__isnull=False).exists()


def allowed(ticket: Ticket, action: str) -> bool:
    """Whether `action` may start from the ticket's status (the desk offers what passes)."""
    if ticket.status in ALLOWED_FROM[action]:
        return True
    return ticket.status in BEFORE_REACTION.get(action, frozenset()) and not reacted(ticket)


def begin(
    ticket: Ticket, actor: User, action: str, doing: str, now: dt.datetime | None
) -> tuple[Ticket, dt.datetime]:
    """The common start of a line action: one instant for all it writes, the row locked, the
    actor allowed to act for the line, the status one the action may start from."""
    now = moment(now)
    ticket = lock(ticket)
    access.require_line_worker(actor, ticket)
    if not allowed(ticket, action):
        raise _status_error(ticket, doing)
    if action in SERVING:
        require_exemption_settled(ticket)
    return ticket, now


# ---------------------------------------------------------------- one write per table (issue 15)


@dataclass
class Batch:
    """What a new ticket's registration writes, kept in memory until `save`: then the ticket
    is written once, its messages, events and outbox jobs in one INSERT each, and its SLA
    figures computed once from these very events (no re-read)."""

    ticket: Ticket | None = None
    # Whether the ticket row is still to be inserted (its id was reserved from the sequence).
    insert: bool = False
    events: list[TicketEvent] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    # (the `message` event, its message): the event's data gets the message's id once written.
    links: list[tuple[TicketEvent, Message]] = field(default_factory=list)


_BATCH: ContextVar[Batch | None] = ContextVar("supportline_ticket_batch", default=None)


@contextmanager
def batched() -> Iterator[Batch]:
    """Around the registration of one ticket: its rows are written together by `save`."""
    batch = Batch()
    token = _BATCH.set(batch)
    try:
        yield batch
    finally:
        _BATCH.reset(token)


def _batch_of(ticket: Ticket) -> Batch | None:
    batch = _BATCH.get()
    return batch if batch is not None and batch.ticket is ticket else None


def new_ticket(**fields: Any) -> Ticket:
    """A new ticket with its id. Inside `batched` on PostgreSQL the id is reserved from the
    sequence and the row written once, by `save`; elsewhere it is inserted now."""
    batch = _BATCH.get()
    if batch is not None and batch.ticket is None and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [Ticket._meta.db_table]
            )
            (pk,) = cursor.fetchone()
        ticket = Ticket(pk=pk, **fields)
        batch.ticket, batch.insert = ticket, True
        return ticket
    ticket = Ticket.objects.create(**fields)
    if batch is not None and batch.ticket is None:
        batch.ticket = ticket
    return ticket


# A registration's rows, written by statements compiled once (intake's hot path, issue 15).
_NEW_TICKET = Insert(Ticket, with_pk=True)
_NEW_MESSAGES = Insert(Message)
_NEW_EVENTS = Insert(TicketEvent)
_NEW_JOBS = Insert(Job)


def _flush(batch: Batch, ticket: Ticket, now: dt.datetime, search_row: Part) -> None:
    """Write what a registration made: its messages first (their ids go into the events and
    the outbox jobs), then the ticket, events, jobs and search row — on PostgreSQL in one
    statement."""
    ticket.out_of_turn = rules.regulation().level(ticket.level).out_of_turn
    events = sorted(batch.events, key=lambda e: e.at)  # stable: the order they happened in
    sla = store_sla(ticket, now=now, events=events)
    ticket_row = None
    if batch.insert:
        ticket_row = _NEW_TICKET.part([ticket])
        batch.insert = False
    else:
        ticket.save()
    _NEW_MESSAGES.run(batch.messages)
    for e, m in batch.links:
        e.data["message"] = m.pk
    jobs = [job for m in batch.messages if (job := outbox.job_for(m)) is not None]
    # A new message's key cannot exist yet: no existence check, no savepoint.
    write([ticket_row, _NEW_EVENTS.part(batch.events), _NEW_JOBS.part(jobs), search_row])
    ticket.written = Written(events=events, messages=list(batch.messages), sla=sla)
    batch.ticket = None
    batch.events, batch.messages, batch.links = [], [], []


def event(
    ticket: Ticket, type: str, at: dt.datetime, author: User | None, **data: Any
) -> TicketEvent:
    batch = _batch_of(ticket)
    if batch is not None:
        made = TicketEvent(ticket=ticket, type=type, at=at, author=author, data=data)
        batch.events.append(made)
        return made
    return TicketEvent.objects.create(ticket=ticket, type=type, at=at, author=author, data=data)


def message(
    ticket: Ticket,
    *,
    at: dt.datetime,
    author: User | None,
    kind: str,
    purpose: str,
    body: str,
    channel: str | None = None,
    external_id: str = "",
) -> Message:
    fields: dict[str, Any] = {
        "ticket": ticket,
        "at": at,
        "author": author,
        "author_kind": kind,
        "purpose": purpose,
        "channel": channel or ticket.channel,
        "body": body,
        "external_id": external_id,
    }
    batch = _batch_of(ticket)
    if batch is not None:
        message = Message(**fields)
        batch.messages.append(message)
        made = event(ticket, EventType.MESSAGE, at, author, message=None, kind=kind)
        batch.links.append((made, message))
        return message
    message = Message.objects.create(**fields)
    event(ticket, EventType.MESSAGE, at, author, message=message.pk, kind=kind)
    outbox.message_created(message)
    return message


def save(ticket: Ticket, now: dt.datetime) -> Ticket:
    batch = _batch_of(ticket)
    if batch is not None:
        bodies = [m.body for m in batch.messages]  # a ticket just registered: all of them
        _flush(batch, ticket, now, search.upsert(ticket, bodies))  # from memory: nothing read back
        return ticket
    ticket.out_of_turn = rules.regulation().level(ticket.level).out_of_turn
    store_sla(ticket, now=now)
    ticket.save()
    search.refresh(ticket)  # the desk's search box finds what was just written (issue 14 §2)
    return ticket


def line_text(text: str, default: str) -> str:
    return text.strip() or default


def take(ticket: Ticket, *, actor: User, at: dt.datetime) -> None:
    """Whoever acts first on an unassigned ticket becomes its assignee (so a rejected answer
    comes back to them, R13)."""
    if ticket.assignee_id is None:
        ticket.assignee = actor
        event(ticket, EventType.ASSIGNED, at, actor, assignee=actor.pk)


def resume_status(ticket: Ticket) -> str:
    """Where a ticket goes when the client answers or rejects: back to whoever works it, or
    to the queue while no person of the line has reacted yet (it is still to be accepted, R7)."""
    if ticket.transferred_to:
        return S.TRANSFERRED
    return S.IN_PROGRESS if ticket.assignee_id and reacted(ticket) else S.REGISTERED


def ask_client(
    ticket: Ticket,
    *,
    actor: User | None,
    at: dt.datetime,
    text: str,
    event_type: str = EventType.ASKED,
) -> None:
    """A question to the client; the ticket waits for the answer. A person's question is
    `asked` (R12, and the reaction, R7); the automatic request for R1 data is `data_requested`
    (no reaction; both clocks pause, R7)."""
    message(
        ticket,
        at=at,
        author=actor,
        kind=Message.Author.LINE,
        purpose=Message.Purpose.QUESTION,
        body=text,
    )
    event(ticket, event_type, at, actor)
    ticket.status = S.WAITING_CLIENT


def refuse(ticket: Ticket, *, actor: User | None, at: dt.datetime, reason: str) -> None:
    text = say(rules.regulation().answers.refusal_no_contract, number=ticket.number, missing=reason)
    message(
        ticket,
        at=at,
        author=actor,
        kind=Message.Author.LINE,
        purpose=Message.Purpose.REFUSAL,
        body=text,
    )
    event(ticket, EventType.REFUSED, at, actor, reason=reason)
    ticket.status = S.REFUSED
    ticket.closed_at = at


def redirect(
    ticket: Ticket, *, actor: User | None, at: dt.datetime, category_id: str, text: str = ""
) -> None:
    category = rules.regulation().scope_category(category_id)
    if category.in_scope:
        raise TransitionError(
            _("Категория «%(category)s» входит в рамки линии: перенаправлять нечего")
            % {"category": rules.tr(category.name)}
        )
    answer = text.strip() or (say(category.answer, number=ticket.number) if category.answer else "")
    message(
        ticket,
        at=at,
        author=actor,
        kind=Message.Author.LINE,
        purpose=Message.Purpose.REDIRECTION,
        body=answer,
    )
    event(ticket, EventType.REDIRECTED, at, actor, category=category_id, to=category.redirect_to)
    ticket.category = category_id
    ticket.status = S.REDIRECTED
    ticket.closed_at = at
