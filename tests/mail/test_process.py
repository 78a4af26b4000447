"""Kept messages become tickets, replies and complaints through the services (R1, R6, R12, R20).

Mail leaves through Django's locmem backend here; tests/mail/test_outbound.py uses real SMTP.
"""

from __future__ import annotations

import pytest
from django.core import mail as outbox
from django.test import Client, override_settings

from supportline.accounts.models import User
from supportline.mail import outbound
from supportline.mail.models import InboundMail
from supportline.mail.services import inbound_mail_process, inbound_mail_store
from supportline.tickets.actions.lifecycle import ticket_accept, ticket_ask, ticket_resolve
from supportline.tickets.models import (
    Attachment,
    Complaint,
    EventType,
    Message,
    Status,
    Ticket,
)
from tests.mail.conftest import deliver, drain, eml, vouched

pytestmark = pytest.mark.django_db

State = InboundMail.State


def consultant() -> User:
    return User.objects.get(username="consultant1")


def as_in_corpus(ticket: Ticket | None) -> Ticket:
    """The corpus replies to ticket CRM-000001, in encoded subjects and bodies too."""
    assert ticket is not None
    Ticket.objects.filter(pk=ticket.pk).update(number="CRM-000001")
    ticket.refresh_from_db()
    return ticket


def test_r6_mail_with_complete_r1_data_registers_a_ticket_and_sends_the_receipt(
    demo: None,
) -> None:
    mail = deliver(eml("plain-utf8-new-ticket.eml"))
    assert mail.state == State.PROCESSED and mail.error == ""
    ticket = mail.ticket
    assert ticket is not None
    assert ticket.channel == "email" and ticket.status == Status.REGISTERED
    assert ticket.subject == "Не формируется отчёт «Воронка продаж»"
    assert ticket.contact_email == "i.smirnov@romashka.example.ru"
    assert ticket.contact_name == "Иван Смирнов"
    assert ticket.registration_number == "800123456"
    assert ticket.configuration is not None and ticket.missing_fields == []
    first = ticket.messages.order_by("id").first()
    assert first is not None and first.author_kind == Message.Author.CLIENT
    assert first.external_id == mail.message_id
    assert "«Деление на 0»" in first.body
    # R7: the automatic receipt with the number — not the reaction.
    assert [m.subject for m in outbox.outbox] == [
        f"[{ticket.number}] Обращение зарегистрировано: {ticket.subject}"
    ]
    assert ticket.reaction_state == "running"


def test_r1_missing_data_registers_and_asks_the_client(demo: None) -> None:
    mail = deliver(eml("alternative-qp-outlook.eml"))
    ticket = mail.ticket
    assert ticket is not None and ticket.status == Status.WAITING_CLIENT
    assert "registration_number" in ticket.missing_fields
    kinds = [m.subject.split("]")[1].strip().split(":")[0] for m in outbox.outbox]
    assert kinds == ["Обращение зарегистрировано", "Уточняющий вопрос по обращению"]
    assert "не хватает данных" in outbox.outbox[1].body


def test_a_second_delivery_of_the_same_message_creates_nothing(demo: None) -> None:
    raw = eml("plain-utf8-new-ticket.eml")
    first = deliver(raw)
    assert inbound_mail_store(mailbox="line", raw=raw) is None
    assert inbound_mail_store(mailbox="line", raw=raw, uidvalidity=7, uid=99) is None
    drain()
    assert Ticket.objects.count() == 1 and InboundMail.objects.count() == 1
    # Processing the same row again (a job run twice) is a no-op.
    assert inbound_mail_process(pk=first.pk).state == State.PROCESSED
    assert Ticket.objects.count() == 1 and len(outbox.outbox) == 1


def test_the_same_message_in_two_mailbox_rows_is_one_client_message(demo: None) -> None:
    raw = eml("plain-utf8-new-ticket.eml")
    deliver(raw)
    # E.g. a message imported by hand after the poller got it: another row, same Message-ID.
    InboundMail.objects.update(message_id="<renamed@x>")
    again = deliver(raw)
    assert again.state == State.PROCESSED and "уже получено" in again.error
    assert Ticket.objects.count() == 1
    assert Message.objects.filter(external_id=again.message_id).count() == 1


@pytest.mark.parametrize(
    "name",
    ["autoreply-vacation.eml", "bounce-multipart-report.eml", "newsletter-precedence-bulk.eml"],
)
def test_auto_replies_and_bounces_create_no_ticket_and_no_reply(demo: None, name: str) -> None:
    mail = deliver(eml(name))
    assert mail.state == State.IGNORED and mail.error
    assert Ticket.objects.count() == 0 and outbox.outbox == []


def test_unreadable_message_is_quarantined_and_visible_to_supervisors(demo: None) -> None:
    mail = deliver(eml("broken-no-sender.eml"))
    assert mail.state == State.QUARANTINED
    assert "адрес отправителя" in mail.error
    assert Ticket.objects.count() == 0
    supervisor = Client()
    supervisor.force_login(User.objects.get(username="supervisor"))
    listing = supervisor.get("/admin/mail/inboundmail/", {"state__exact": "quarantined"})
    assert listing.status_code == 200
    assert "карантин" in listing.content.decode()
    page = supervisor.get(f"/admin/mail/inboundmail/{mail.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "адрес отправителя" in html and "this is not base64" in html  # raw preview
    # Never dropped: nobody can delete it from the admin.
    assert supervisor.post(f"/admin/mail/inboundmail/{mail.pk}/delete/").status_code == 403


def test_supervisor_sends_a_quarantined_message_through_processing_again(demo: None) -> None:
    mail = deliver(eml("broken-no-sender.eml"))
    supervisor = Client()
    supervisor.force_login(User.objects.get(username="supervisor"))
    response = supervisor.post(
        "/admin/mail/inboundmail/",
        {"action": "retry", "_selected_action": [mail.pk]},
    )
    assert response.status_code == 302
    mail.refresh_from_db()
    assert mail.state == State.NEW
    drain()
    mail.refresh_from_db()
    assert mail.state == State.QUARANTINED  # still unreadable, still kept


def test_a_message_with_nothing_in_it_is_quarantined_with_the_reason(demo: None) -> None:
    raw = eml("plain-utf8-new-ticket.eml").replace(
        b"Subject: =?utf-8?b?", b"X-Old-Subject: =?utf-8?b?"
    )
    # A message with neither subject nor text nor files cannot be a ticket.
    head, _, _ = raw.partition(b"\r\n\r\n")
    mail = deliver(head + b"\r\n\r\n \r\n")
    assert mail.state == State.QUARANTINED
    assert "нет ни темы, ни текста" in mail.error


@override_settings(MAX_ATTACHMENT_BYTES=100)
def test_attachments_are_stored_and_a_too_large_one_is_noted(demo: None) -> None:
    mail = deliver(eml("attachments-rfc2231.eml"))
    assert mail.state == State.PROCESSED
    message = Message.objects.get(external_id=mail.message_id)
    assert [(a.name, a.size, a.content_type) for a in message.attachments.all()] == [
        ("ошибка.png", 70, "image/png")
    ]
    assert Attachment.objects.get().file.read().startswith(b"\x89PNG")
    assert "«Настройки обмена.pdf» (125 Б) не сохранено" in message.body


def test_r12_reply_threads_by_the_number_in_the_subject_and_resumes_the_clock(
    demo: None,
) -> None:
    ticket = as_in_corpus(deliver(eml("alternative-qp-outlook.eml")).ticket)
    assert ticket.status == Status.WAITING_CLIENT
    reply = deliver(vouched(eml("reply-outlook-ru.eml")))
    assert reply.ticket == ticket
    ticket.refresh_from_db()
    assert ticket.status == Status.REGISTERED  # back in the queue, not yet accepted
    assert ticket.events.filter(type=EventType.CLIENT_REPLIED).count() == 1
    last = ticket.messages.filter(author_kind=Message.Author.CLIENT).last()
    assert last is not None and last.body == "Спасибо, помогло. Вопрос можно закрывать.\n\nОльга"


def test_a_stranger_cannot_write_into_a_ticket_by_its_number(demo: None) -> None:
    ticket = as_in_corpus(deliver(eml("alternative-qp-outlook.eml")).ticket)
    raw = eml("reply-outlook-ru.eml").replace(
        b"o.kuznetsova@vector.example.ru", b"someone@elsewhere.example.com"
    )
    mail = deliver(raw)
    assert mail.ticket is not None and mail.ticket != ticket  # a new ticket of its own
    assert ticket.messages.filter(author_kind=Message.Author.CLIENT).count() == 1


def test_a_stranger_cannot_write_in_by_naming_the_contact_in_reply_to(demo: None) -> None:
    """Reply-To is the author's own word: only the sender address counts (security review)."""
    ticket = as_in_corpus(deliver(eml("alternative-qp-outlook.eml")).ticket)
    raw = eml("reply-outlook-ru.eml").replace(
        b"o.kuznetsova@vector.example.ru", b"someone@elsewhere.example.com"
    )
    raw = raw.replace(
        b"\r\nSubject:", b"\r\nReply-To: o.kuznetsova@vector.example.ru\r\nSubject:", 1
    )
    if b"Reply-To: o.kuznetsova" not in raw:
        raw = raw.replace(b"\nSubject:", b"\nReply-To: o.kuznetsova@vector.example.ru\nSubject:", 1)
    assert b"Reply-To: o.kuznetsova@vector.example.ru" in raw
    mail = deliver(raw)
    assert mail.ticket is not None and mail.ticket != ticket
    assert ticket.messages.filter(author_kind=Message.Author.CLIENT).count() == 1


def test_a_reply_quoting_our_message_id_threads_from_any_address(demo: None) -> None:
    ticket = deliver(eml("plain-utf8-new-ticket.eml")).ticket
    assert ticket is not None
    receipt = ticket.messages.get(author_kind=Message.Author.SYSTEM)
    ours = outbound.message_id_for(receipt)
    raw = (
        eml("reply-in-reply-to.eml")
        .replace(b"<msg-3.CRM-000001.0123456789ab@example.ru>", ours.encode())
        .replace(b"i.smirnov@romashka.example.ru", b"colleague@romashka.example.ru")
    )
    assert deliver(raw).ticket == ticket
    # A forged token does not.
    token = outbound.token(receipt.pk, ticket.number or "")
    forged = raw.replace(ours.encode(), ours.replace(token, "0" * 12).encode())
    assert forged != raw
    forged = forged.replace(b"CAF3k1mU0pQ2+reply", b"CAF3k1mU0pQ2+forged")
    assert deliver(forged).ticket != ticket


def test_sender_matched_to_a_user_files_as_that_user(demo: None) -> None:
    client = User.objects.get(username="client")
    raw = eml("plain-utf8-new-ticket.eml").replace(
        b"i.smirnov@romashka.example.ru", client.email.encode()
    )
    ticket = deliver(vouched(raw)).ticket
    assert ticket is not None
    assert ticket.created_by == client and ticket.organisation == client.organisation
    first = ticket.messages.order_by("id").first()
    assert first is not None and first.author == client


def test_reply_to_a_closed_ticket_opens_a_new_one_that_says_what_it_continues(
    demo: None,
) -> None:
    old = as_in_corpus(deliver(eml("plain-utf8-new-ticket.eml")).ticket)
    ticket_accept(ticket=old, actor=consultant())
    ticket_resolve(ticket=old, actor=consultant(), text="Переформируйте отчёт.")
    Ticket.objects.filter(pk=old.pk).update(status=Status.CLOSED)
    raw = vouched(eml("reply-in-reply-to.eml"))
    new = deliver(raw).ticket
    assert new is not None and new != old
    first = new.messages.order_by("id").first()
    assert first is not None
    assert first.body.startswith(f"Продолжение закрытого обращения № {old.number}.")
    assert new.registration_number == old.registration_number  # R1 data carried over
    assert new.status == Status.REGISTERED


def test_r20_mail_to_the_quality_mailbox_is_a_complaint(demo: None) -> None:
    client = User.objects.get(username="client")
    ticket = as_in_corpus(
        deliver(
            vouched(
                eml("plain-utf8-new-ticket.eml").replace(
                    b"i.smirnov@romashka.example.ru", client.email.encode()
                )
            )
        ).ticket
    )
    raw = eml("complaint-quality.eml").replace(b"it@romashka.example.ru", client.email.encode())
    mail = deliver(vouched(raw), mailbox="quality")
    assert mail.state == State.PROCESSED
    complaint = mail.complaint
    assert complaint is not None and complaint.channel == "email"
    assert complaint.author == client and complaint.author_email == client.email
    assert list(complaint.tickets.all()) == [ticket]
    assert complaint.subject.startswith("Жалоба: затянули ответ")
    assert Ticket.objects.count() == 1  # not a ticket


def test_complaint_from_an_unknown_address_is_kept_without_links(demo: None) -> None:
    mail = deliver(eml("complaint-quality.eml"), mailbox="quality")
    complaint = Complaint.objects.get()
    assert mail.complaint == complaint
    assert complaint.author is None and complaint.author_email == "it@romashka.example.ru"
    assert complaint.tickets.count() == 0


def test_r12_email_answer_to_a_consultants_question_resumes_the_clock(demo: None) -> None:
    ticket = deliver(eml("plain-utf8-new-ticket.eml")).ticket
    assert ticket is not None
    ticket_accept(ticket=ticket, actor=consultant())
    ticket_ask(ticket=ticket, actor=consultant(), text="У всех ли пользователей ошибка?")
    drain()
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_CLIENT and ticket.resolution_state == "paused"
    question = ticket.messages.filter(author_kind=Message.Author.LINE).last()
    assert question is not None
    raw = eml("reply-in-reply-to.eml").replace(
        b"<msg-3.CRM-000001.0123456789ab@example.ru>", outbound.message_id_for(question).encode()
    )
    assert deliver(raw).ticket == ticket
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS and ticket.resolution_state == "running"


def test_registration_time_is_when_the_mail_arrived(demo: None) -> None:
    import datetime as dt

    from django.utils import timezone

    arrived = timezone.now() - dt.timedelta(minutes=30)
    mail = inbound_mail_store(
        mailbox="line", raw=eml("plain-utf8-new-ticket.eml"), received_at=arrived
    )
    assert mail is not None
    drain()
    mail.refresh_from_db()
    assert mail.ticket is not None and mail.ticket.registered_at == arrived
