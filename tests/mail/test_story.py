"""The whole e-mail story against real servers: Dovecot in, aiosmtpd out (issue 7 §6).

A client mails the line; the ticket is registered and the receipt with its number arrives over
SMTP (not the reaction, R7); the consultant accepts it and the confirmation arrives (R7); the
client answers that mail and the answer lands on the same ticket; the consultant asks a
question, the client answers it by mail and the resolution clock runs again (R12).
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from supportline.accounts.models import User
from supportline.mail.models import InboundMail
from supportline.tickets.actions.lifecycle import ticket_accept, ticket_ask
from supportline.tickets.models import EventType, Message, Status, Ticket
from tests.mail.conftest import Delivered, Mailboxes, SmtpServer, drain

pytestmark = pytest.mark.django_db

# Delivered by the line's mail server, which checked the sender (tests/mail/conftest.MX).
QUESTION = """\
Authentication-Results: mx.example.ru; dkim=pass header.d=demo.example.ru;
 spf=pass smtp.mailfrom={email}
From: Ирина Петрова <{email}>
To: crm-support@example.ru
Subject: Не отправляются SMS из карточки клиента
Message-ID: <story-1@romashka.example.ru>
Date: Tue, 24 Nov 2026 10:00:00 +0300
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Здравствуйте! При отправке SMS из карточки клиента ничего не происходит.

Рег. номер: 800123456
Организация: ООО «Ромашка»
Конфигурация: 1С:CRM ПРОФ, редакция 3.0
Версия: 3.0.36.12
"""

REPLY = """\
Authentication-Results: mx.example.ru; dkim=pass (good signature) header.d=demo.example.ru
From: Ирина Петрова <{email}>
To: crm-support@example.ru
Subject: Re: {subject}
Message-ID: <{mid}@romashka.example.ru>
In-Reply-To: {in_reply_to}
References: <story-1@romashka.example.ru> {in_reply_to}
Date: Tue, 24 Nov 2026 11:00:00 +0300
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

{text}

Линия консультаций <crm-support@example.ru> писал(а):
> {quoted}
"""


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode()


def poll() -> None:
    call_command("poll_mail")
    drain()


def test_story_client_mails_gets_number_is_accepted_replies_and_resumes_the_clock(
    demo: None, mailboxes: Mailboxes, smtp: SmtpServer
) -> None:
    client = User.objects.get(username="client")
    consultant = User.objects.get(username="consultant1")
    server = mailboxes.server

    # 1. The client writes to the line; the poller fetches it; the receipt goes out.
    server.append(mailboxes.line, crlf(QUESTION.format(email=client.email)))
    poll()
    ticket = Ticket.objects.get()
    assert ticket.channel == "email" and ticket.status == Status.REGISTERED
    assert ticket.created_by == client and ticket.contact_email == client.email
    (receipt,) = smtp.received
    assert receipt.rcpt_tos == [client.email]
    assert receipt.message["Subject"].strip().startswith(f"[{ticket.number}] ")
    assert f"под номером {ticket.number}" in receipt.text
    assert receipt.message["In-Reply-To"] == "<story-1@romashka.example.ru>"
    assert receipt.message["Auto-Submitted"] == "auto-replied"
    assert ticket.reaction_state == "running"  # the receipt is not the reaction (R7)

    # 2. The consultant accepts: the confirmation arrives, and it is the reaction (R7).
    ticket_accept(ticket=ticket, actor=consultant)
    drain()
    acceptance = smtp.received[1]
    assert "принято к обслуживанию" in acceptance.text
    ticket.refresh_from_db()
    assert ticket.status == Status.ACCEPTED and ticket.reaction_state == "met"

    # 3. The client answers the confirmation; it threads to the same ticket by In-Reply-To.
    reply(server, mailboxes, client, acceptance, "reply-1", "Спасибо, ждём.")
    poll()
    assert Ticket.objects.count() == 1
    last = ticket.messages.filter(author_kind=Message.Author.CLIENT).last()
    assert last is not None and last.body == "Спасибо, ждём." and last.author == client
    assert len(smtp.received) == 2  # a client's message gets no mail back

    # 4. A question pauses the resolution clock; the client's e-mail answer resumes it (R12).
    ticket_ask(ticket=ticket, actor=consultant, text="Какой SMS-провайдер подключён?")
    drain()
    question = smtp.received[2]
    assert question.message["Subject"].strip().startswith(f"[{ticket.number}] Уточняющий вопрос")
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_CLIENT and ticket.resolution_state == "paused"
    reply(server, mailboxes, client, question, "reply-2", "SMS-центр «Ромашка-Связь».")
    poll()
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS and ticket.resolution_state == "running"
    assert ticket.events.filter(type=EventType.CLIENT_REPLIED).count() == 1
    assert Ticket.objects.count() == 1
    assert list(InboundMail.objects.values_list("state", flat=True)) == ["processed"] * 3
    assert server.unseen(mailboxes.line) == []


def reply(
    server: object,
    mailboxes: Mailboxes,
    client: User,
    to: Delivered,
    mid: str,
    text: str,
) -> None:
    raw = REPLY.format(
        email=client.email,
        subject=to.message["Subject"].strip(),
        mid=mid,
        in_reply_to=to.message["Message-ID"],
        text=text,
        quoted=to.text.splitlines()[0],
    )
    mailboxes.server.append(mailboxes.line, raw.replace("\n", "\r\n").encode())
