"""The 1C-Connect channel's writes (R6, R12): receive an event, process it, send a reply.

    connect_event_receive  — the webhook's only write: the raw event and its job, one transaction
    connect_event_process  — job "connect.process_event": a message becomes a ticket or a reply
    connect_message_send   — job "connect.send_message": a line message goes to the user's chat

Every ticket change goes through the ticket actions (`supportline.tickets.actions`); this module
only decides which action to call and keeps the channel's own rows.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from supportline.connect.client import ConnectClient, ConnectError, Download
from supportline.connect.config import ConnectSettings, connect_settings
from supportline.connect.inbound import (
    CLIENT_MESSAGES,
    TREATMENT_CLOSED,
    TREATMENT_OPENED,
    Event,
    EventError,
    FileRef,
    intake_labels,
    parse_event,
    split_conversation,
    subject_of,
)
from supportline.connect.models import ConnectEvent, ConnectOutbound
from supportline.core import rules
from supportline.jobs.core import enqueue, renew_lease
from supportline.tickets.actions import attachments
from supportline.tickets.actions.lifecycle import ticket_client_reply
from supportline.tickets.actions.registration import ticket_register
from supportline.tickets.errors import TicketError
from supportline.tickets.intake import IntakeData
from supportline.tickets.models import FINAL_STATUSES, Channel, Message, Ticket

log = logging.getLogger(__name__)
State = ConnectEvent.State

# The subject of a ticket whose first message has no line of its own (only labels), and what
# the evaluation message adds in the messenger (R13; the e-mail has rating links instead), are
# the regulation's texts (`connect_default_subject`, `connect_evaluation_hint`, R21).


# ---------------------------------------------------------------- selectors


def open_ticket(conversation: str) -> Ticket | None:
    """The conversation's open ticket (the latest, should there ever be two)."""
    return (
        Ticket.objects.filter(connect_conversation=conversation)
        .exclude(status__in=FINAL_STATUSES)
        .order_by("-registered_at", "-id")
        .first()
    )


# ---------------------------------------------------------------- receive


def connect_event_receive(
    *, event: Event, raw: dict[str, Any], now: dt.datetime | None = None
) -> tuple[ConnectEvent, bool]:
    """Store the event and its processing job in one transaction; (event, created).

    Idempotent by `message_id`: a repeated delivery returns the stored event and writes nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        stored = ConnectEvent.objects.filter(message_id=event.message_id).first()
        if stored is not None:
            return stored, False
        try:
            with transaction.atomic():
                stored = ConnectEvent.objects.create(
                    message_id=event.message_id,
                    line_id=event.line_id,
                    user_id=event.user_id,
                    message_type=event.message_type,
                    raw=raw,
                    received_at=now,
                )
        except IntegrityError:  # the same delivery, a moment ago, in another process
            return ConnectEvent.objects.get(message_id=event.message_id), False
        enqueue(
            "connect.process_event",
            {"event": stored.pk},
            dedupe_key=f"connect:event:{event.message_id}",
        )
    log.info("1C-Connect event %s (type %s) stored", event.message_id, event.message_type)
    return stored, True


# ---------------------------------------------------------------- process


def connect_event_process(*, event_id: int, now: dt.datetime | None = None) -> ConnectEvent:
    """Act on a stored event once (idempotent: only a pending event is processed).

    Steps:
    1. Skip events of another line, and texts/files whose author is not the user (a
       specialist's or a bot's message, our own replies included).
    2. Conversation opened/closed: recorded here only; nothing is closed on our side.
    3. A file is downloaded first, outside the transaction; a failure is noted in the message
       and on the event, never fatal.
    4. In one transaction with the event row locked: the conversation's open ticket gets the
       message as the client's reply (R12: resumes the clock), else a new ticket is registered
       (R1, R6); the file becomes an attachment of that client message; the event is done.
    A ticket rule refusing the message marks the event failed; anything else (the database,
    the channel switched off) raises so that the job retries.
    """
    stored = ConnectEvent.objects.get(pk=event_id)
    if stored.state != State.PENDING:
        return stored
    conf = connect_settings()
    if conf is None:
        raise ConnectError("Канал 1С-Коннект выключен (USE_CONNECT): событие ждёт включения")
    now = now or timezone.now()
    try:
        event = parse_event(stored.raw)
    except EventError as exc:
        return _finish(stored, State.FAILED, now, f"Некорректное событие: {exc}")

    if event.line_id != conf.line_id:
        return _finish(
            stored,
            State.IGNORED,
            now,
            f"Событие другой линии {event.line_id} (наша — {conf.line_id})",
        )
    if event.message_type in TREATMENT_OPENED or event.message_type in TREATMENT_CLOSED:
        what = "открыто" if event.message_type in TREATMENT_OPENED else "закрыто"
        return _finish(
            stored,
            State.DONE,
            now,
            f"Обращение (treatment) {what} в 1С-Коннект; у нас ничего не меняется",
            ticket=open_ticket(event.conversation),
        )
    if event.message_type not in CLIENT_MESSAGES:
        return _finish(
            stored, State.IGNORED, now, f"Тип сообщения {event.message_type} не обрабатывается"
        )
    if not event.from_client:
        return _finish(
            stored, State.IGNORED, now, f"Сообщение специалиста или бота ({event.author_id})"
        )

    fetched: Download | None = None
    note = ""
    if event.file is not None:
        fetched, note = _fetch(event.file, conf)
    try:
        return _take_message(stored.pk, event, fetched=fetched, note=note, now=now)
    except TicketError as exc:
        return _finish(stored, State.FAILED, now, exc.message)


def _finish(
    stored: ConnectEvent, state: str, now: dt.datetime, note: str, ticket: Ticket | None = None
) -> ConnectEvent:
    # Conditional: a concurrent run that finished first keeps its outcome.
    ConnectEvent.objects.filter(pk=stored.pk, state=State.PENDING).update(
        state=state, processed_at=now, error=note, ticket=ticket
    )
    stored.refresh_from_db()
    log.info("1C-Connect event %s: %s %s", stored.message_id, stored.state, stored.error)
    return stored


def _fetch(file: FileRef, conf: ConnectSettings) -> tuple[Download | None, str]:
    limit = attachments.limit_bytes()
    if file.size is not None and file.size > limit:
        return None, f"файл «{file.name}» больше допустимых {limit} байт"
    renew_lease()  # each download may take up to CONNECT_TIMEOUT per read
    try:
        return ConnectClient.from_settings(conf).download(file.url, max_bytes=limit), ""
    except ConnectError as exc:
        log.warning("1C-Connect file %s not downloaded: %s", file.url, exc.message)
        return None, f"файл «{file.name}» не получен: {exc.message}"


def _message_text(event: Event, fetched: Download | None, note: str) -> str:
    text = event.text.strip()
    if event.file is None:
        return text
    line = f"[{note}]" if fetched is None else f"Файл «{event.file.name}»"
    return f"{text}\n\n{line}" if text else line


@transaction.atomic
def _take_message(
    pk: int, event: Event, *, fetched: Download | None, note: str, now: dt.datetime
) -> ConnectEvent:
    stored = ConnectEvent.objects.select_for_update().get(pk=pk)
    if stored.state != State.PENDING:
        return stored
    text = _message_text(event, fetched, note)
    ticket = open_ticket(event.conversation)
    if ticket is None:
        ticket = _register(event, text=text, now=now)
    else:
        ticket = ticket_client_reply(
            ticket=ticket,
            actor=None,
            text=text,
            now=now,
            channel=Channel.CONNECT,
            external_id=event.message_id,
        )
    if fetched is not None and event.file is not None:
        message = ticket.messages.filter(
            external_id=event.message_id, author_kind=Message.Author.CLIENT
        ).latest("id")
        attachments.attach_files(
            message=message,
            files=[attachments.File(event.file.name, fetched.content, fetched.content_type or "")],
        )
    stored.state = State.DONE
    stored.ticket = ticket
    stored.processed_at = now
    stored.error = note
    stored.save(update_fields=["state", "ticket", "processed_at", "error"])
    log.info("1C-Connect event %s → ticket %s", event.message_id, ticket.number)
    return stored


def _register(event: Event, *, text: str, now: dt.datetime) -> Ticket:
    """R1, R6: a new conversation becomes a ticket; with data missing the service asks for it."""
    subject = subject_of(text) or rules.regulation().answers.connect_default_subject.ru
    data = IntakeData(subject=subject, body=text, **intake_labels(text))
    # The conversation is known at registration: the receipt and any question go to the
    # messenger through the outbox like every later message.
    return ticket_register(
        actor=None,
        channel=Channel.CONNECT,
        data=data,
        registered_at=min(event.message_time, now),
        now=now,
        external_id=event.message_id,
        conversation=event.conversation,
    )


# ---------------------------------------------------------------- send


def connect_message_send(
    *, message_id: int, now: dt.datetime | None = None
) -> ConnectOutbound | None:
    """Send a line/system message to the ticket's 1C-Connect conversation, once.

    The request id is our message id: if we crash after 1C-Connect accepted the message and
    before we recorded it, the retry carries the same id and the receiving side can drop it.
    A non-2xx answer or no answer raises ConnectError, so the job retries with backoff.
    """
    message = Message.objects.select_related("ticket").get(pk=message_id)
    sent = ConnectOutbound.objects.filter(message=message).first()
    if sent is not None:
        return sent
    conversation = message.ticket.connect_conversation
    if message.author_kind == Message.Author.CLIENT or not conversation:
        log.warning("message %s is not for 1C-Connect; nothing sent", message.pk)
        return None
    line_id, user_id = split_conversation(conversation)
    request_id = str(message.pk)
    renew_lease()  # still this worker's job, for a whole lease (CONNECT_TIMEOUT is shorter)
    text = message.body
    if message.purpose == Message.Purpose.EVALUATION:
        # R13: how to evaluate in the messenger (the line's language, like the message).
        hint = rules.regulation().answers.connect_evaluation_hint
        text += "\n\n" + hint.ru.format(number=message.ticket.number)
    status = ConnectClient.from_settings().send_message(
        line_id=line_id, user_id=user_id, text=text, request_id=request_id
    )
    sent, _ = ConnectOutbound.objects.get_or_create(
        message=message,
        defaults={
            "request_id": request_id,
            "sent_at": now or timezone.now(),
            "status_code": status,
        },
    )
    log.info("message %s sent to 1C-Connect %s", message.pk, conversation)
    return sent
