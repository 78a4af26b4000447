"""Writes of the e-mail channel: keep a fetched message, then turn it into a domain action.

Flow that loses nothing (issue 7 §2):
1. `inbound_mail_store` writes the raw bytes and the `mail.process_inbound` job in one
   transaction, deduplicated by Message-ID together with the sender, and by IMAP UID; only
   after it commits does the poller mark the message \\Seen on the server. A crash in between
   fetches it again, and the store recognises it. A known Message-ID from ANOTHER sender is
   not a duplicate: the message is kept in quarantine with the reason (issue 12 §4).
2. `inbound_mail_process` (the job) locks the row, reads it with the pure
   `inbound.interpret`, and calls the ticket services in the same transaction that marks the
   row processed — a worker killed half-way leaves the row new and the job is run again.
   What cannot be read or processed is quarantined with the reason, never dropped.
3. The sender is the user with its address only when the line's mail server vouches for it
   (`mail.authresults`: Authentication-Results of MAIL_AUTHSERV_ID, or MAIL_TRUST_FROM);
   otherwise the message is registered as from an unknown person and flagged
   (`InboundMail.sender_verified`), and the desk warns the consultant.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import traceback

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from supportline.accounts.models import User
from supportline.jobs.core import enqueue
from supportline.lib.emails import address_problem
from supportline.mail import authresults, inbound, outbound
from supportline.mail.models import InboundMail
from supportline.tickets import access, labels
from supportline.tickets.actions import attachments
from supportline.tickets.actions.complaints import complaint_file
from supportline.tickets.actions.lifecycle import ticket_client_reply
from supportline.tickets.actions.registration import ticket_register
from supportline.tickets.actions.update_access import update_access_from_mail
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
    sender = head.sender[:300]
    earlier = list(
        InboundMail.objects.filter(mailbox=mailbox, message_id=head.message_id).values_list(
            "sender", flat=True
        )
    )
    if sender in earlier:
        log.info("mail %s in %s: already received, skipped", head.message_id, mailbox)
        return None
    now = timezone.now()
    collision = ""
    if earlier:
        # The same Message-ID from someone else: not a second delivery. A sender cannot reuse
        # another's Message-ID to be taken for a duplicate (and dropped), nor to slip into
        # that message's thread: kept for a supervisor, who may send it on (admin «retry»).
        collision = (
            f"Message-ID {head.message_id} уже получен от другого отправителя "
            f"({', '.join(sorted({e or '—' for e in earlier}))}); письмо от "
            f"{sender or '—'} не обработано: проверьте, не подделка ли это, и при "
            "необходимости обработайте его повторно"
        )
    try:
        with transaction.atomic():
            mail = InboundMail.objects.create(
                mailbox=mailbox,
                uidvalidity=uidvalidity,
                uid=uid,
                message_id=head.message_id,
                sender=sender,
                subject=head.subject[:300],
                raw=raw,
                received_at=min(received_at or now, now),
                state=InboundMail.State.QUARANTINED if collision else InboundMail.State.NEW,
                error=collision,
                processed_at=now if collision else None,
            )
            if collision:
                log.warning("mail #%s %s quarantined: %s", mail.pk, head.message_id, collision)
            else:
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
    if address_problem(action.letter.sender) is not None:
        raise inbound.MailError(
            f"Адрес отправителя «{action.letter.sender}» — не один обычный адрес электронной "
            "почты: ответить на него линия не может"
        )
    if action.letter.reply_to and address_problem(action.letter.reply_to) is not None:
        # A Reply-To we could not write to is ignored: the answer goes to the sender.
        action = dataclasses.replace(action, letter=dataclasses.replace(action.letter, reply_to=""))
    mail.state = InboundMail.State.PROCESSED
    verdict = authresults.verify(
        bytes(mail.raw),
        sender=action.letter.sender,
        authserv_ids=settings.MAIL_AUTHSERV_ID,
        trust_from=settings.MAIL_TRUST_FROM,
    )
    mail.sender_verified = verdict.verified
    mail.verification = verdict.reason[:300]
    # Only a sender the line's mail server vouches for is the user with that address; anyone
    # else's mail is still registered, as from an unknown person (no organisation, no threads
    # by number, no complaint links), and the desk shows the warning.
    user = _user_for(action.letter.sender) if verdict.verified else None
    if isinstance(action, inbound.ComplaintMail):
        _complaint(mail, action, user, now=now)
        return
    letter = action.letter
    known = (
        Message.objects.filter(external_id=letter.message_id, author_kind=Message.Author.CLIENT)
        .select_related("ticket", "author")
        .first()
    )
    if known is not None:
        if _same_sender(known, letter, mail):  # the same message reached us another way
            mail.ticket = known.ticket
            mail.error = f"уже получено: обращение {known.ticket.number}"
            return
        # Another sender's message under a Message-ID we know (released from quarantine by a
        # supervisor, or met on another path): a letter of its own, never a thread key.
        letter = dataclasses.replace(letter, message_id=mail.collision_id)
        action = dataclasses.replace(action, letter=letter)
    kept, notes = attachments.split_oversize(
        [attachments.File(f.name, f.content, f.content_type) for f in letter.files],
        kept_in="в исходном письме",
    )
    ticket = _thread(action, user, verified=verdict.verified)
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
    if ticket is None and not verdict.verified:
        named = _named_ticket(action)
        if named is not None:
            notes = [
                f"Письмо ссылается на обращение № {named.number}, но почтовый сервер линии "
                f"не подтвердил отправителя ({verdict.reason}): зарегистрировано отдельным "
                "обращением.",
                *notes,
            ]
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
    elif labels.is_update_access_request(letter.subject, letter.reply_text):
        # R17: the regulation's own route for access to updates (labelled lines, as in R1).
        ticket = update_access_from_mail(
            actor=user if user is not None and access.is_client(user) else None,
            subject=letter.subject[:300],
            text=_text(letter.reply_text, kept, notes),
            contact_email=letter.contact,
            contact_name=letter.sender_name[:200],
            registered_at=min(mail.received_at, now),
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


def _same_sender(known: Message, letter: inbound.Letter, mail: InboundMail) -> bool:
    """Whether the client message `known` (same Message-ID) came from this letter's sender."""
    if known.author is not None and known.author.email.strip().lower() == letter.sender:
        return True
    if known.ticket.contact_email.strip().lower() == letter.sender:
        return True
    return (
        InboundMail.objects.filter(
            message_id=known.external_id, state=InboundMail.State.PROCESSED, sender=letter.sender
        )
        .exclude(pk=mail.pk)
        .exists()
    )


def _named_ticket(action: inbound.TicketMail) -> Ticket | None:
    """The ticket an unverified letter says it continues (subject number or a reference)."""
    if action.subject_number:
        ticket = Ticket.objects.filter(number=action.subject_number).first()
        if ticket is not None:
            return ticket
    earlier = (
        Message.objects.filter(
            external_id__in=list(action.letter.references), author_kind=Message.Author.CLIENT
        )
        .select_related("ticket")
        .first()
        if action.letter.references
        else None
    )
    return earlier.ticket if earlier is not None else None


def _thread(action: inbound.TicketMail, user: User | None, *, verified: bool) -> Ticket | None:
    """The ticket a message continues, by (1) our Message-ID in its references — its token
    proves the sender got our mail, whoever the sender is; (2) a client's earlier Message-ID
    it references, or (3) the number in its subject — these two only from the ticket's own
    contact, and only when the line's mail server vouches for the sender (a From address
    alone is anybody's word, and ticket numbers are easy to guess)."""
    letter = action.letter
    for ref in action.our_refs:
        if outbound.token_ok(ref.message_pk, ref.number, ref.token):
            ticket = Ticket.objects.filter(number=ref.number).first()
            if ticket is not None:
                return ticket
    if not verified:
        return None
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
