"""Writes of the e-mail channel: keep a fetched message, then turn it into a domain action.

Flow that loses nothing (issue 7 §2):
1. `inbound_mail_store` writes the raw bytes and the `mail.process_inbound` job in one
   transaction, deduplicated by Message-ID and by IMAP UID; only after it commits does the
   poller mark the message \\Seen on the server. A crash in between fetches it again, and the
   store recognises it.
2. `inbound_mail_process` (the job) locks the row, reads it with the pure
   `inbound.interpret`, and calls the ticket services in the same transaction that marks the
   row processed — a worker killed half-way leaves the row new and the job is run again.
   What cannot be read or processed is quarantined with the reason, never dropped.
"""

from __future__ import annotations

import datetime as dt
import logging
import traceback

from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from supportline.accounts.models import User
from supportline.jobs.core import enqueue
from supportline.mail import inbound, outbound
from supportline.mail.models import InboundMail
from supportline.tickets import access
from supportline.tickets.actions import attachments
from supportline.tickets.actions.complaints import complaint_file
from supportline.tickets.actions.lifecycle import ticket_client_reply
from supportline.tickets.actions.registration import ticket_register
from supportline.tickets.errors import IntakeError, TicketError
from supportline.tickets.intake import IntakeData
from supportline.tickets.models import Channel, Message, Status, Ticket
from supportline.tickets.rating_reply import parse_rating_reply

log = logging.getLogger(__name__)

PROCESS_JOB = "mail.process_inbound"


def inbound_mail_store(
    *,
    mailbox: str,
    raw: bytes,
    uidvalidity: int | None = None,
    uid: int | None = None,
    received_at: dt.datetime | None = None,
) -> InboundMail | None:
    """Keep a fetched message and enqueue its processing, in one transaction.

    None when it is already kept (same mailbox and UID, or same Message-ID): a second
    delivery creates nothing. Commits on return when called outside a transaction."""
    if (
        uid is not None
        and InboundMail.objects.filter(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid).exists()
    ):
        return None
    head = inbound.headline(raw)
    if InboundMail.objects.filter(mailbox=mailbox, message_id=head.message_id).exists():
        log.info("mail %s in %s: already received, skipped", head.message_id, mailbox)
        return None
    now = timezone.now()
    try:
        with transaction.atomic():
            mail = InboundMail.objects.create(
                mailbox=mailbox,
                uidvalidity=uidvalidity,
                uid=uid,
                message_id=head.message_id,
                sender=head.sender[:300],
                subject=head.subject[:300],
                raw=raw,
                received_at=min(received_at or now, now),
            )
            enqueue(PROCESS_JOB, {"inbound": mail.pk}, dedupe_key=f"mail:inbound:{mail.pk}")
    except IntegrityError:
        return None  # another poller kept it a moment ago
    return mail


def inbound_mail_process(*, pk: int, now: dt.datetime | None = None) -> InboundMail:
    """Turn a kept message into a ticket, a reply or a complaint — or quarantine/ignore it.

    Idempotent: a message that is no longer new is left as it is. Transient database errors
    propagate (the job is retried); everything else quarantines the message with the reason."""
    now = now or timezone.now()
    with transaction.atomic():
        mail = InboundMail.objects.select_for_update().get(pk=pk)
        if mail.state != InboundMail.State.NEW:
            return mail
        try:
            with transaction.atomic():
                action = inbound.interpret(bytes(mail.raw), mailbox=mail.mailbox)
                _apply(mail, action, now=now)
        except (OperationalError, InterfaceError):
            raise
        except inbound.MailError as exc:
            _quarantine(mail, exc.message)
        except IntakeError as exc:
            details = "; ".join(f"{k}: {v}" for k, v in exc.errors.items())
            _quarantine(mail, f"{exc.message}: {details}")
        except TicketError as exc:
            _quarantine(mail, exc.message)
        except Exception:
            _quarantine(mail, "Ошибка обработки:\n" + traceback.format_exc(limit=12))
        mail.processed_at = now
        mail.save()
    return mail


def inbound_mail_retry(*, mail: InboundMail, actor: User) -> InboundMail:
    """A supervisor sends a quarantined message through processing again (after a fix)."""
    with transaction.atomic():
        mail = InboundMail.objects.select_for_update().get(pk=mail.pk)
        access.require(access.is_line(actor), "повторно обрабатывать письма из карантина")
        if mail.state != InboundMail.State.QUARANTINED:
            raise TicketError("Повторно обработать можно только письмо из карантина")
        mail.state = InboundMail.State.NEW
        mail.error = ""
        mail.save(update_fields=["state", "error"])
        enqueue(PROCESS_JOB, {"inbound": mail.pk})
    return mail


def _quarantine(mail: InboundMail, reason: str) -> None:
    lines = [line for line in reason.splitlines() if line.strip()]
    log.warning("mail #%s %s quarantined: %s", mail.pk, mail.message_id, lines[-1] if lines else "")
    mail.state = InboundMail.State.QUARANTINED
    mail.error = reason


def _apply(mail: InboundMail, action: inbound.Action, *, now: dt.datetime) -> None:
    if isinstance(action, inbound.Ignore):
        mail.state = InboundMail.State.IGNORED
        mail.error = action.reason
        return
    mail.state = InboundMail.State.PROCESSED
    user = _user_for(action.letter.sender)
    if isinstance(action, inbound.ComplaintMail):
        _complaint(mail, action, user, now=now)
        return
    letter = action.letter
    known = (
        Message.objects.filter(external_id=letter.message_id, author_kind=Message.Author.CLIENT)
        .select_related("ticket")
        .first()
    )
    if known is not None:  # the same message reached us by another way: nothing new
        mail.ticket = known.ticket
        mail.error = f"уже получено: обращение {known.ticket.number}"
        return
    kept, notes = attachments.split_oversize(
        [attachments.File(f.name, f.content, f.content_type) for f in letter.files],
        kept_in="в исходном письме",
    )
    ticket = _thread(action, user)
    if (
        ticket is not None
        and ticket.status == Status.CLOSED
        and not kept
        and parse_rating_reply(letter.reply_text) is not None
    ):
        # R13: a rating for a ticket already evaluated (say, by its one-click link) is no new
        # question: kept, not turned into a ticket.
        mail.state = InboundMail.State.IGNORED
        mail.ticket = ticket
        mail.error = f"оценка к закрытому обращению {ticket.number}: новое обращение не нужно"
        return
    if ticket is not None and ticket.is_open:
        actor = user if user is not None and access.is_client_side(user, ticket) else None
        ticket = ticket_client_reply(
            ticket=ticket,
            actor=actor,
            text=_text(letter.reply_text, kept, notes),
            channel=Channel.EMAIL,
            external_id=letter.message_id,
            now=now,
        )
    else:
        ticket = _register(mail, action, user, ticket, kept, notes, now=now)
    mail.ticket = ticket
    message = (
        Message.objects.filter(ticket=ticket, external_id=letter.message_id).order_by("-id").first()
    )
    if message is not None:
        attachments.attach_files(message=message, files=kept)


def _register(
    mail: InboundMail,
    action: inbound.TicketMail,
    user: User | None,
    closed: Ticket | None,
    kept: list[attachments.File],
    notes: list[str],
    *,
    now: dt.datetime,
) -> Ticket:
    """A new ticket (R6); missing R1 data is asked for by the service (R1, R12)."""
    letter = action.letter
    found = action.intake
    body = _text(letter.text, kept, notes)
    data = IntakeData(
        subject=letter.subject[:300],
        body=body,
        registration_number=found.registration_number,
        partner_code=found.partner_code,
        organisation=found.organisation,
        configuration=found.configuration,
        version=found.version,
        contact_email=letter.contact,
        contact_name=letter.sender_name[:200],
    )
    if closed is not None:
        # A reply to a closed ticket opens a new one that says what it continues, with the
        # closed ticket's R1 data where the letter gives none.
        data.body = f"Продолжение закрытого обращения № {closed.number}.\n\n" + _text(
            letter.reply_text, kept, notes
        )
        data.registration_number = data.registration_number or closed.registration_number
        data.partner_code = data.partner_code or closed.partner_code
        data.organisation = data.organisation or closed.organisation_name
        data.configuration = data.configuration or closed.configuration_name
        data.version = data.version or closed.version
    actor = user if user is not None and access.is_client(user) else None
    return ticket_register(
        actor=actor,
        channel=Channel.EMAIL,
        data=data,
        registered_at=min(mail.received_at, now),
        now=now,
        external_id=letter.message_id,
    )


def _thread(action: inbound.TicketMail, user: User | None) -> Ticket | None:
    """The ticket a message continues, by (1) our Message-ID in its references — its token
    proves the sender got our mail; (2) a client's earlier Message-ID it references, or
    (3) the number in its subject — these two only from the ticket's own contact."""
    letter = action.letter
    for ref in action.our_refs:
        if outbound.token_ok(ref.message_pk, ref.number, ref.token):
            ticket = Ticket.objects.filter(number=ref.number).first()
            if ticket is not None:
                return ticket
    if letter.references:
        earlier = (
            Message.objects.filter(
                external_id__in=list(letter.references), author_kind=Message.Author.CLIENT
            )
            .select_related("ticket")
            .order_by("-id")
            .first()
        )
        if earlier is not None and _may_write(earlier.ticket, letter, user):
            return earlier.ticket
    if action.subject_number:
        ticket = Ticket.objects.filter(number=action.subject_number).first()
        if ticket is not None and _may_write(ticket, letter, user):
            return ticket
    return None


def _may_write(ticket: Ticket, letter: inbound.Letter, user: User | None) -> bool:
    contact = ticket.contact_email.strip().lower()
    # The sender only: a Reply-To is the author's word and would let anyone write in.
    if contact and contact == letter.sender:
        return True
    return user is not None and access.is_client_side(user, ticket)


def _complaint(
    mail: InboundMail, action: inbound.ComplaintMail, user: User | None, *, now: dt.datetime
) -> None:
    """R20: mail to the quality mailbox is a complaint, linked to the tickets it names that
    its author may see. The complaint has no files: they are listed, the raw mail is kept."""
    letter = action.letter
    actor = user if user is not None and access.is_client(user) else None
    numbers: list[str] = []
    if actor is not None and action.numbers:
        visible = access.visible_tickets(actor).filter(number__in=action.numbers)
        numbers = [n for n in visible.values_list("number", flat=True) if n]
    text = letter.reply_text or letter.text
    if letter.files:
        listed = ", ".join(
            f"«{f.name}» ({attachments.human_size(len(f.content))})" for f in letter.files
        )
        text = (text + "\n\n" if text else "") + (
            f"Вложения (хранятся в исходном письме #{mail.pk}): {listed}"
        )
    mail.complaint = complaint_file(
        actor=actor,
        subject=(letter.subject or "Претензия без темы")[:300],
        text=text or letter.subject,
        channel=Channel.EMAIL,
        ticket_numbers=numbers,
        author_email=letter.contact,
        now=now,
    )


def _user_for(address: str) -> User | None:
    """The active user with this e-mail address; nobody when none or several have it."""
    users = list(User.objects.filter(email__iexact=address, is_active=True)[:2])
    return users[0] if len(users) == 1 else None


def _text(body: str, kept: list[attachments.File], notes: list[str]) -> str:
    parts = [body.strip()] if body.strip() else []
    if not parts and kept:
        parts.append("Вложения: " + ", ".join(f.name for f in kept))
    parts += notes
    return "\n\n".join(parts) or "(письмо без текста)"
