"""What leaves the database when the line writes to a client: one job per message, written in
the same transaction as the message (transactional outbox; issue 7 §3–4).

The channel decides the transport: a ticket from 1C-Connect is answered in the messenger,
any other ticket by e-mail to its contact address. Handlers live in `supportline.mail.tasks`
(kind "mail.send_message") and `supportline.connect.tasks` ("connect.send_message"); both are
idempotent on the receiving side (Message-ID, request id = the message's id).
"""

from __future__ import annotations

from supportline.jobs.core import enqueue
from supportline.tickets.models import Channel, Message


def message_created(message: Message) -> None:
    if message.purpose in {Message.Purpose.REQUEST, Message.Purpose.CLIENT}:
        return  # the client's own words (or a call the line wrote down) are not sent back
    ticket = message.ticket
    if ticket.channel == Channel.CONNECT and ticket.connect_conversation:
        enqueue(
            "connect.send_message",
            {"message": message.pk},
            dedupe_key=f"connect:message:{message.pk}",
        )
    elif ticket.contact_email:
        enqueue(
            "mail.send_message", {"message": message.pk}, dedupe_key=f"mail:message:{message.pk}"
        )
