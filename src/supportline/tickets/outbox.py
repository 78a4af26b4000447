"""What leaves the database when the line writes to a client: one job per message, written in
the same transaction as the message (transactional outbox; issue 7 §3–4).

The channel decides the transport: a ticket from 1C-Connect is answered in the messenger,
any other ticket by e-mail to its contact address. Handlers live in `supportline.mail.tasks`
(kind "mail.send_message") and `supportline.connect.tasks` ("connect.send_message"); both are
idempotent on the receiving side (Message-ID, request id = the message's id).
"""

from __future__ import annotations

from supportline.jobs.core import job_row
from supportline.jobs.models import Job
from supportline.tickets.models import Channel, Message


def job_for(message: Message) -> Job | None:
    """The unsaved job that sends `message` (None: nothing leaves). A message is new when
    this is called, so its dedupe key is too: the caller inserts it without a check."""
    if message.purpose in {Message.Purpose.REQUEST, Message.Purpose.CLIENT}:
        return None  # the client's own words (or a call the line wrote down) are not sent back
    ticket = message.ticket
    if ticket.channel == Channel.CONNECT and ticket.connect_conversation:
        kind, key = "connect.send_message", f"connect:message:{message.pk}"
    elif ticket.contact_email:
        kind, key = "mail.send_message", f"mail:message:{message.pk}"
    else:
        return None
    return job_row(kind, {"message": message.pk}, dedupe_key=key)


def message_created(message: Message) -> None:
    job = job_for(message)
    if job is not None:
        job.save(force_insert=True)
