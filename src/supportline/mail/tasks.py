"""Background work of the e-mail channel, run by `supportline worker` (issue 7 §2–3).

mail.send_message     a ticket message to the client over SMTP (enqueued by tickets.outbox)
mail.process_inbound  a kept incoming message → ticket, reply, complaint or quarantine
mail.poll             poll the IMAP mailboxes; periodic (every minute) with USE_MAIL_POLLING
mail.send_complaint_ack / mail.send_complaint_answer   R20 mails to a complaint's author
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from supportline.jobs.core import handler, periodic
from supportline.mail import config, imap, outbound, services

POLL_EVERY = dt.timedelta(minutes=1)


@handler("mail.send_message")
def send_message(payload: dict[str, Any]) -> None:
    outbound.send_message(pk=int(payload["message"]))


@handler("mail.process_inbound")
def process_inbound(payload: dict[str, Any]) -> None:
    services.inbound_mail_process(pk=int(payload["inbound"]))


def poll(payload: dict[str, Any]) -> None:
    if config.polling_enabled():
        imap.poll_all()


handler("mail.poll")(poll)
# Scheduled only where polling is on (read when the worker imports the tasks).
if config.polling_enabled():
    periodic("mail.poll", every=POLL_EVERY)(poll)


@handler("mail.send_complaint_answer")
def send_complaint_answer(payload: dict[str, Any]) -> None:
    outbound.send_complaint_answer(pk=int(payload["complaint"]))


@handler("mail.send_complaint_ack")
def send_complaint_ack(payload: dict[str, Any]) -> None:
    outbound.send_complaint_ack(pk=int(payload["complaint"]))


@handler("mail.send_notification")
def send_notification(payload: dict[str, Any]) -> None:
    """Issue 14 §7: a line notification to a user who chose «also by mail»."""
    outbound.send_notification(pk=int(payload["notification"]))
