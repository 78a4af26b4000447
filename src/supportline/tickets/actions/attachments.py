"""Files on tickets: one file-name rule, one size rule, one writer for every channel.

The portal and the API refuse a file over the limit (`check_attachment_size`, a clear error);
mail and 1C-Connect cannot refuse what a client already sent, so they keep an oversize file out
and say so in the message (`split_oversize`). Every channel stores files through `attach_files`.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from supportline.accounts.models import User
from supportline.tickets import access
from supportline.tickets.actions import lifecycle, steps
from supportline.tickets.errors import AccessDenied, TicketError, TransitionError
from supportline.tickets.models import FINAL_STATUSES, Attachment, Message, Ticket

# A stored file whose name leaves nothing usable gets this one (sentinel, never shown alone:
# the attachment's display name is kept separately).
FALLBACK_STORAGE_NAME = "attachment.bin"


@dataclass(frozen=True)
class File:
    """A file as a channel received it: the sender's name, the bytes, the declared type."""

    name: str
    content: bytes
    content_type: str = ""


def limit_bytes() -> int:
    """The one size rule: settings.MAX_ATTACHMENT_BYTES."""
    return int(settings.MAX_ATTACHMENT_BYTES)


def human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} МБ"
    if n >= 1024:
        return f"{n / 1024:.0f} КБ"
    return f"{n} Б"


def check_attachment_size(name: str, size: int) -> None:
    """Refuse a file over the limit (the portal and the API call it before reading the file)."""
    limit = limit_bytes()
    if size > limit:
        raise TicketError(
            _("Файл «%(name)s» больше допустимого размера %(limit)s МБ")
            % {"name": name, "limit": limit // (1024 * 1024)}
        )


def split_oversize(files: Iterable[File], *, kept_in: str) -> tuple[list[File], list[str]]:
    """Files within the limit, and a note (stored for the client: Russian) for each larger one;
    `kept_in` says where the original stays («в исходном письме»)."""
    limit = limit_bytes()
    kept: list[File] = []
    notes: list[str] = []
    for f in files:
        if len(f.content) > limit:
            notes.append(
                f"Вложение «{f.name}» ({human_size(len(f.content))}) не сохранено: "
                f"больше допустимого размера {human_size(limit)}. Оно есть {kept_in}."
            )
        else:
            kept.append(f)
    return kept, notes


def safe_file_name(name: str) -> str:
    """The one file-name rule: a sender's file name as a plain name — no folders, no «..», no
    control characters, at most 200 characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip().lstrip(".")
    return base[:200] or "file"


def storage_name(name: str) -> str:
    """The name the file is stored under (the storage refuses what `get_valid_filename` would
    empty): the plain name's stem and extension, shortened."""
    stem, dot, extension = safe_file_name(name).rpartition(".")
    if not dot:
        stem, extension = extension, ""
    try:
        safe = get_valid_filename(stem[:80]) + (
            f".{get_valid_filename(extension[:10])}" if extension else ""
        )
    except Exception:  # nothing usable left of the name (SuspiciousFileOperation)
        safe = FALLBACK_STORAGE_NAME
    return safe or FALLBACK_STORAGE_NAME


def attach_files(*, message: Message, files: Iterable[File]) -> list[Attachment]:
    """Store files on a message: the one writer of attachments, for every channel. The caller
    has applied the size rule (a refusal or `split_oversize`)."""
    stored = []
    for f in files:
        check_attachment_size(f.name, len(f.content))
        name = safe_file_name(f.name)
        content_type = f.content_type or mimetypes.guess_type(name)[0] or ""
        attachment = Attachment(
            message=message, name=name, size=len(f.content), content_type=content_type[:100]
        )
        attachment.file.save(storage_name(name), ContentFile(f.content), save=False)
        attachment.save()
        stored.append(attachment)
    return stored


@transaction.atomic
def ticket_attach(
    *,
    ticket: Ticket,
    actor: User,
    files: list[tuple[str, bytes, str]],
    text: str = "",
    now: dt.datetime | None = None,
) -> Message:
    """Files (name, content, content type) attached to a new message of the client or the line.

    Each file is limited by settings.MAX_ATTACHMENT_BYTES; a client's files resume the clock
    like any answer of the client (R12)."""
    now = steps.moment(now)
    if not files:
        raise TicketError(_("Не выбран ни один файл"))
    for name, content, _type in files:
        check_attachment_size(name, len(content))
    names = ", ".join(name for name, _content, _type in files)
    # The message's stored body when the sender wrote none: the line's language.
    body = text.strip() or f"Вложения: {names}"
    ticket = steps.lock(ticket)
    if access.is_client_side(actor, ticket):
        message = lifecycle.client_reply(ticket, actor=actor, text=body, at=now)
    else:
        access.require_line_worker(actor, ticket)
        if ticket.status in FINAL_STATUSES:
            raise TransitionError(_("Обращение %(number)s закрыто") % {"number": ticket.number})
        message = steps.message(
            ticket,
            at=now,
            author=actor,
            kind=Message.Author.LINE,
            purpose=Message.Purpose.ANSWER,
            body=body,
        )
    steps.save(ticket, now)
    attach_files(message=message, files=[File(n, c, t) for n, c, t in files])
    return message


@transaction.atomic
def ticket_answer_with_files(
    *,
    ticket: Ticket,
    actor: User,
    text: str,
    files: list[tuple[str, bytes, str]],
    now: dt.datetime | None = None,
) -> Ticket:
    """The line's answer (`lifecycle.ticket_answer`, R7) with files on the answer itself: the
    mail or message to the client carries them (the outbox sends after commit)."""
    now = steps.moment(now)
    for name, content, _type in files:
        check_attachment_size(name, len(content))
    ticket = lifecycle.ticket_answer(ticket=ticket, actor=actor, text=text, now=now)
    if files:
        answer = Message.objects.filter(
            ticket=ticket, author=actor, purpose=Message.Purpose.ANSWER, at=now
        ).latest("id")
        attach_files(message=answer, files=[File(n, c, t) for n, c, t in files])
    return ticket


@transaction.atomic
def ticket_attach_to_request(
    *, ticket: Ticket, actor: User, files: list[tuple[str, bytes, str]]
) -> list[Attachment]:
    """Files sent with a new ticket (the portal's form): on the request that registered it, so
    they are part of the question, not a later message (no clock moves)."""
    if not (access.is_client_side(actor, ticket) or access.is_line_worker(actor, ticket)):
        raise AccessDenied(_("Прикладывать файлы может только автор обращения"))
    for name, content, _type in files:
        check_attachment_size(name, len(content))
    request = (
        Message.objects.filter(ticket=ticket, purpose=Message.Purpose.REQUEST)
        .order_by("at", "id")
        .first()
    )
    if request is None or not files:
        return []
    return attach_files(message=request, files=[File(n, c, t) for n, c, t in files])
