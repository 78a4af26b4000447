"""Outgoing mail: one tiny function per message kind, three templates per kind (STYLE §5).

    mail/<kind>-subject.txt   one line, carries "[CRM-000042]"
    mail/<kind>-body.txt      plain text (Russian)
    mail/<kind>-body.html     HTML alternative

Every message of the line or the system on a ticket with a contact address becomes one job
"mail.send_message" (supportline.tickets.outbox); `send_message` runs it. It sets an explicit
Message-ID derived from the message (a retry sends the same one, so the receiving side can
deduplicate), threads the mail to the client's last message or our previous one, answers to
the line's address and sends bounces to the bounce address (the envelope sender). A
`SentMail` row records the delivery so a re-run after success sends nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac

from supportline.core import rules
from supportline.jobs.core import renew_lease
from supportline.lib.emails import is_single_address
from supportline.mail import config
from supportline.mail.models import SentMail
from supportline.tickets import rating_links
from supportline.tickets.models import Channel, Complaint, Message, Notification, Ticket

log = logging.getLogger(__name__)

# How many earlier Message-IDs a References header carries (the first and the latest ones).
REFERENCES_KEPT = 10


# ---------------------------------------------------------------- Message-IDs


def token(message_pk: int, number: str) -> str:
    """12 hex digits of an HMAC: a reply quoting our Message-ID proves it saw our mail."""
    return salted_hmac("supportline.mail.message-id", f"{message_pk}.{number}").hexdigest()[:12]


def token_ok(message_pk: int, number: str, value: str) -> bool:
    return constant_time_compare(token(message_pk, number), value)


def message_id_for(message: Message) -> str:
    """<msg-123.CRM-000042.{token}@domain>: the same for every attempt to send `message`."""
    number = message.ticket.number or f"T{message.ticket_id}"
    pk = message.pk
    return f"<msg-{pk}.{number}.{token(pk, number)}@{config.message_id_domain()}>"


def thread_ids(message: Message) -> list[str]:
    """Message-IDs of the ticket's earlier mail, oldest first: the client's own (kept as
    external ids) and ours (derived, whether or not that mail went out)."""
    earlier = Message.objects.filter(ticket_id=message.ticket_id, pk__lt=message.pk).order_by(
        "at", "id"
    )
    ids = []
    for m in earlier.select_related("ticket"):
        if m.author_kind == Message.Author.CLIENT:
            if m.channel == Channel.EMAIL and m.external_id.startswith("<"):
                ids.append(m.external_id)
        else:
            ids.append(message_id_for(m))
    return ids


# ---------------------------------------------------------------- which message is it


def message_kind(message: Message) -> str:
    """The kind of mail a ticket message is: the purpose the service gave it.
    "" for what is not mailed: the client's own words, and the caller's question a consultant
    wrote down when registering a phone call."""
    if message.purpose in {Message.Purpose.REQUEST, Message.Purpose.CLIENT}:
        return ""
    return str(message.purpose)


# ---------------------------------------------------------------- one function per kind

Builder = Callable[[Message], EmailMultiAlternatives]


def receipt(message: Message) -> EmailMultiAlternatives:
    """ "We received your message, number N" — automatic, NOT the reaction (R7)."""
    return _email("receipt", message, auto_submitted="auto-replied")


def acceptance(message: Message) -> EmailMultiAlternatives:
    """R7: the confirmation that the ticket is accepted for service."""
    return _email("acceptance", message)


def question(message: Message) -> EmailMultiAlternatives:
    """R12: a clarifying question; the resolution clock waits for the answer."""
    return _email("question", message)


def answer(message: Message) -> EmailMultiAlternatives:
    return _email("answer", message)


def evaluation(message: Message) -> EmailMultiAlternatives:
    """R8, R13: the answer is given; the client is asked to evaluate it — one click per rating
    (signed links that need no sign-in), or a reply that is only a rating."""
    return _email("evaluation", message, extra={"rating_links": rating_urls(message.ticket)})


# The words of each rating in the evaluation mail (Russian: the mail is).
RATING_WORDS = {5: "отлично", 4: "хорошо", 3: "удовлетворительно", 2: "плохо", 1: "очень плохо"}


def rating_urls(ticket: Ticket) -> list[tuple[int, str, str]]:
    """(rating, its words, the signed link) for the ticket's current evaluation; none when the
    ticket has left evaluation by the time the mail goes out."""
    site = settings.SITE_URL.rstrip("/")
    return [
        (rating, RATING_WORDS[rating], site + reverse("portal:rate", args=[token]))
        for rating, token in rating_links.tokens(ticket).items()
    ]


def refusal(message: Message) -> EmailMultiAlternatives:
    """R2: no valid contract."""
    return _email("refusal", message)


def redirection(message: Message) -> EmailMultiAlternatives:
    """R3: out of scope, redirected."""
    return _email("redirection", message)


def release(message: Message) -> EmailMultiAlternatives:
    """R15: the release with the solution is published."""
    return _email("release", message, auto_submitted="auto-generated")


def notice(message: Message) -> EmailMultiAlternatives:
    return _email("notice", message, auto_submitted="auto-generated")


BUILDERS: dict[str, Builder] = {
    "receipt": receipt,
    "acceptance": acceptance,
    "question": question,
    "answer": answer,
    "evaluation": evaluation,
    "refusal": refusal,
    "redirection": redirection,
    "release": release,
    "notice": notice,
}


def _email(
    kind: str,
    message: Message,
    *,
    auto_submitted: str = "",
    extra: dict[str, object] | None = None,
) -> EmailMultiAlternatives:
    ticket = message.ticket
    regulation = rules.regulation()
    line_address = regulation.contacts.support_email
    context = {
        "ticket": ticket,
        "message": message,
        "number": ticket.number,
        "body": message.body,
        "line_name": regulation.line_name.ru,
        "line_address": line_address,
        "portal_url": _portal_url(ticket),
        **(extra or {}),
    }
    with translation.override("ru"):
        subject = " ".join(render_to_string(f"mail/{kind}-subject.txt", context).split())
        text = render_to_string(f"mail/{kind}-body.txt", context)
        html = render_to_string(f"mail/{kind}-body.html", context)
    headers = {
        "Message-ID": message_id_for(message),
        # The visible sender; the envelope sender (from_email) is the bounce address.
        "From": formataddr((regulation.line_name.ru, config.from_address())),
        "X-SupportLine-Ticket": ticket.number or "",
    }
    earlier = thread_ids(message)
    if earlier:
        headers["In-Reply-To"] = earlier[-1]
        kept = earlier if len(earlier) <= REFERENCES_KEPT else [earlier[0], *earlier[-9:]]
        headers["References"] = " ".join(kept)
    if auto_submitted:
        headers["Auto-Submitted"] = auto_submitted  # RFC 3834: do not auto-reply to this
        headers["X-Auto-Response-Suppress"] = "All"  # the same for Exchange
    mail = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=config.bounce_address(),
        to=[ticket.contact_email],
        reply_to=[line_address],
        headers=headers,
    )
    mail.attach_alternative(html, "text/html")
    for attachment in message.attachments.all():
        try:
            with attachment.file.open("rb") as f:
                mail.attach(attachment.name, f.read(), attachment.content_type or None)
        except OSError:
            log.warning("message %s: attachment %s is missing", message.pk, attachment.pk)
    return mail


def _portal_url(ticket: Ticket) -> str:
    site = settings.SITE_URL.rstrip("/")
    try:
        return site + reverse("portal:ticket", args=[ticket.number])
    except NoReverseMatch:
        return site + "/"


# ---------------------------------------------------------------- sending


def send_message(*, pk: int, now: dt.datetime | None = None) -> SentMail | None:
    """Send ticket message `pk` to the ticket's contact address, once.

    Nothing when it was sent before (SentMail), when it is the client's own or when the
    ticket has no address. An SMTP failure raises: the job is retried with the same
    Message-ID. A crash between sending and recording sends it again — the receiving side
    sees the same Message-ID."""
    message = Message.objects.select_related("ticket").filter(pk=pk).first()
    if message is None or message.author_kind == Message.Author.CLIENT:
        return None
    if SentMail.objects.filter(message=message).exists():
        return None
    ticket = message.ticket
    if not ticket.contact_email:
        return None
    if not is_single_address(ticket.contact_email):
        # Every way in checks the address now; one stored before is not written to (a list
        # or a display name would make the line a relay).
        log.warning(
            "ticket %s: contact address %r is not one address, not sent",
            ticket.number,
            ticket.contact_email,
        )
        return None
    kind = message_kind(message)
    if not kind:
        return None
    email = BUILDERS[kind](message)
    renew_lease()  # still this worker's job, for a whole lease (EMAIL_TIMEOUT is shorter)
    email.send()
    try:
        sent, _ = SentMail.objects.get_or_create(
            message=message,
            defaults={
                "mail_id": email.extra_headers["Message-ID"],
                "kind": kind,
                "to": ticket.contact_email,
                "sent_at": now or timezone.now(),
            },
        )
    except IntegrityError:
        return None
    log.info("mail %s (%s) sent to %s", sent.mail_id, kind, ticket.contact_email)
    return sent


# ---------------------------------------------------------------- complaints (R20)


def send_complaint_answer(*, pk: int) -> bool:
    """Mail the quality manager's answer to the complaint's author (R20: complaints are
    answered too). The Message-ID is fixed per complaint, so a retry is recognisable."""
    complaint = Complaint.objects.filter(pk=pk).first()
    if complaint is None or not complaint.answer or not complaint.author_email:
        return False
    return _send_complaint_mail(complaint, kind="answer")


def send_complaint_ack(*, pk: int) -> bool:
    """R20: the author's acknowledgement with the complaint's number and the answer deadline."""
    complaint = Complaint.objects.filter(pk=pk).first()
    if complaint is None or not complaint.author_email:
        return False
    return _send_complaint_mail(complaint, kind="ack")


def _send_complaint_mail(complaint: Complaint, *, kind: str) -> bool:
    if not is_single_address(complaint.author_email):
        log.warning(
            "complaint %s: author address %r is not one address, not sent",
            complaint.number,
            complaint.author_email,
        )
        return False
    regulation = rules.regulation()
    due = complaint.due_at.astimezone(rules.line_zone()) if complaint.due_at else None
    context = {
        "complaint": complaint,
        "number": complaint.number,
        "line_name": regulation.line_name.ru,
        "due": due.strftime("%d.%m.%Y") if due else "",
        "quality_email": regulation.contacts.quality_email,
    }
    with translation.override("ru"):
        subject = " ".join(render_to_string(f"mail/complaint-{kind}-subject.txt", context).split())
        text = render_to_string(f"mail/complaint-{kind}-body.txt", context)
    suffix = "" if kind == "answer" else f".{kind}"
    mail = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=config.bounce_address(),
        to=[complaint.author_email],
        reply_to=[regulation.contacts.quality_email],
        headers={
            "Message-ID": (
                f"<complaint-{complaint.pk}.{complaint.number}{suffix}"
                f"@{config.message_id_domain()}>"
            ),
            "From": formataddr((regulation.line_name.ru, config.from_address())),
        },
    )
    renew_lease()
    mail.send()
    log.info("complaint %s: %s mailed to %s", complaint.number, kind, complaint.author_email)
    return True


# ---------------------------------------------------------------- the line's notifications


def send_notification(*, pk: int) -> bool:
    """Mail an in-app notification (issue 14 §7) to its user, when the user still wants mail.
    The Message-ID is fixed per notification and instant, so a retry is recognisable."""
    notice = Notification.objects.select_related("user", "ticket").filter(pk=pk).first()
    if notice is None:
        return False
    user = notice.user
    if not (user.is_active and user.notify_by_mail and is_single_address(user.email)):
        return False
    site = settings.SITE_URL.rstrip("/")
    link = site + reverse("notifications")
    if notice.ticket is not None and notice.ticket.number:
        view = "desk:ticket" if user.is_line_staff else "portal:ticket"
        link = site + reverse(view, args=[notice.ticket.number])
    regulation = rules.regulation()
    context = {"notice": notice, "link": link, "line_name": regulation.line_name.ru}
    with translation.override("ru"):
        subject = " ".join(render_to_string("mail/notification-subject.txt", context).split())
        text = render_to_string("mail/notification-body.txt", context)
    mail = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=config.bounce_address(),
        to=[user.email],
        headers={
            "Message-ID": (
                f"<notification-{notice.pk}.{int(notice.created_at.timestamp())}"
                f"@{config.message_id_domain()}>"
            ),
            "From": formataddr((regulation.line_name.ru, settings.DEFAULT_FROM_EMAIL)),
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
        },
    )
    renew_lease()
    mail.send()
    log.info("notification %s mailed to %s", notice.pk, user.email)
    return True
