"""A From address is somebody's word: a sender is the user with that address only when the
line's mail server vouches for it; otherwise the mail is kept, registered as from an unknown
person and flagged for the consultant (issue 12 §4). And a Message-ID is a duplicate only from
the same sender."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail as outbox
from django.test import Client

from supportline.accounts.models import User
from supportline.mail import outbound
from supportline.mail.models import InboundMail
from supportline.mail.services import inbound_mail_store
from supportline.tickets.models import Complaint, Message, Ticket
from tests.mail.conftest import deliver, drain, eml, vouched

pytestmark = pytest.mark.django_db

State = InboundMail.State


def client() -> User:
    return User.objects.get(username="client")


def as_client(name: str) -> bytes:
    """A corpus message with the demo client's address in From."""
    raw = eml(name)
    for address in (b"i.smirnov@romashka.example.ru", b"o.kuznetsova@vector.example.ru"):
        raw = raw.replace(address, client().email.encode())
    return raw


def signed_in(username: str) -> Client:
    browser = Client()
    browser.force_login(User.objects.get(username=username))
    return browser


# ---------------------------------------------------------------- who the sender is


def test_a_client_address_in_from_without_our_servers_word_is_not_that_client(
    demo: None,
) -> None:
    """No Authentication-Results from our server: the ticket is registered, but not as the
    client — no author, no organisation granted, flagged unverified."""
    mail = deliver(as_client("alternative-qp-outlook.eml"))
    assert mail.state == State.PROCESSED
    assert mail.sender_verified is False
    assert "нет заголовка Authentication-Results от mx.example.ru" in mail.verification
    ticket = mail.ticket
    assert ticket is not None
    assert ticket.created_by is None and ticket.organisation is None
    first = ticket.messages.order_by("id").first()
    assert first is not None and first.author is None
    assert ticket.contact_email == client().email  # the answer still goes to the address


def test_the_same_letter_vouched_for_by_our_server_is_that_client(demo: None) -> None:
    mail = deliver(
        vouched(as_client("alternative-qp-outlook.eml"), "dkim=pass header.d=demo.example.ru")
    )
    assert mail.sender_verified is True and "dkim=pass" in mail.verification
    ticket = mail.ticket
    assert ticket is not None
    assert ticket.created_by == client() and ticket.organisation == client().organisation


def test_a_forged_pass_of_another_server_or_below_ours_does_not_vouch(demo: None) -> None:
    raw = as_client("alternative-qp-outlook.eml")
    # A pass with our server's name, but below its Received line: written by the sender.
    forged = raw.replace(
        b"\nFrom:", b"\nAuthentication-Results: mx.example.ru; dmarc=pass\r\nFrom:", 1
    )
    assert forged != raw
    mail = deliver(
        b"Authentication-Results: mx.example.ru; dkim=neutral\r\n"
        + b"Authentication-Results: mx.attacker.example.com; dmarc=pass\r\n"
        + forged
    )
    assert mail.sender_verified is False
    assert mail.ticket is not None and mail.ticket.created_by is None


def test_mail_trust_from_says_the_server_checks_senders_itself(demo: None, settings: Any) -> None:
    settings.MAIL_AUTHSERV_ID = []
    settings.MAIL_TRUST_FROM = True
    mail = deliver(as_client("alternative-qp-outlook.eml"))
    assert mail.sender_verified is True and "MAIL_TRUST_FROM" in mail.verification
    assert mail.ticket is not None and mail.ticket.created_by == client()


def test_a_forged_sender_cannot_write_into_the_clients_ticket_by_its_number(demo: None) -> None:
    """The client's own ticket (vouched mail); then a letter with the same From and the ticket's
    number in the subject, not vouched: a ticket of its own that says what it names."""
    ticket = deliver(vouched(as_client("alternative-qp-outlook.eml"))).ticket
    assert ticket is not None
    Ticket.objects.filter(pk=ticket.pk).update(number="CRM-000001")
    ticket.refresh_from_db()
    forged = deliver(as_client("reply-outlook-ru.eml"))  # «RE: Ответ по обращению № CRM-000001»
    assert forged.sender_verified is False
    assert forged.ticket is not None and forged.ticket != ticket
    assert ticket.messages.filter(author_kind=Message.Author.CLIENT).count() == 1
    first = forged.ticket.messages.order_by("id").first()
    assert first is not None
    assert "ссылается на обращение № CRM-000001" in first.body
    assert "не подтвердил отправителя" in first.body
    # The same reply vouched for threads into the ticket as before.
    vouched_reply = vouched(as_client("reply-outlook-ru.eml")).replace(b"7H8I9J1@", b"7H8I9J2@")
    assert deliver(vouched_reply).ticket == ticket


def test_an_unverified_reply_quoting_our_message_id_still_threads_but_not_as_the_client(
    demo: None,
) -> None:
    """Our signed Message-ID proves the sender received our mail, whoever it is."""
    ticket = deliver(vouched(as_client("plain-utf8-new-ticket.eml"))).ticket
    assert ticket is not None
    receipt = ticket.messages.get(author_kind=Message.Author.SYSTEM)
    raw = as_client("reply-in-reply-to.eml").replace(
        b"<msg-3.CRM-000001.0123456789ab@example.ru>", outbound.message_id_for(receipt).encode()
    )
    mail = deliver(raw)
    assert mail.sender_verified is False and mail.ticket == ticket
    last = ticket.messages.filter(author_kind=Message.Author.CLIENT).last()
    assert last is not None and last.author is None


def test_an_unverified_complaint_is_not_linked_to_the_clients_tickets(demo: None) -> None:
    ticket = deliver(vouched(as_client("plain-utf8-new-ticket.eml"))).ticket
    assert ticket is not None
    Ticket.objects.filter(pk=ticket.pk).update(number="CRM-000001")
    raw = eml("complaint-quality.eml").replace(b"it@romashka.example.ru", client().email.encode())
    mail = deliver(raw, mailbox="quality")
    complaint = Complaint.objects.get()
    assert mail.complaint == complaint and mail.sender_verified is False
    assert complaint.author is None and complaint.tickets.count() == 0
    assert complaint.author_email == client().email


def test_the_desk_warns_about_a_message_whose_sender_is_not_verified(demo: None) -> None:
    unverified = deliver(as_client("alternative-qp-outlook.eml")).ticket
    verified = deliver(vouched(as_client("plain-utf8-new-ticket.eml"))).ticket
    assert unverified is not None and verified is not None
    desk = signed_in("consultant1")
    page = desk.get(f"/desk/tickets/{unverified.number}/").content.decode()
    assert "Отправитель не подтверждён." in page
    assert "письмо могло быть подделано" in page
    assert "нет заголовка Authentication-Results от mx.example.ru" in page
    assert "Отправитель не подтверждён." not in (
        desk.get(f"/desk/tickets/{verified.number}/").content.decode()
    )
    # In English too.
    english = desk.get(f"/desk/tickets/{unverified.number}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Sender not verified." in english.content.decode()


# ---------------------------------------------------------------- addresses


def test_a_sender_address_that_is_not_one_plain_address_is_quarantined(demo: None) -> None:
    raw = eml("plain-utf8-new-ticket.eml").replace(
        b"<i.smirnov@romashka.example.ru>", b"<i.smirnov@[192.0.2.77]>"
    )
    mail = deliver(raw)
    assert mail.state == State.QUARANTINED
    assert "не один обычный адрес" in mail.error
    assert Ticket.objects.count() == 0


def test_a_reply_to_that_is_not_one_address_is_ignored(demo: None) -> None:
    raw = eml("plain-utf8-new-ticket.eml").replace(
        b"\r\nSubject:", b"\r\nReply-To: <x@[192.0.2.1]>\r\nSubject:", 1
    )
    assert b"Reply-To" in raw
    ticket = deliver(raw).ticket
    assert ticket is not None and ticket.contact_email == "i.smirnov@romashka.example.ru"


def test_a_stored_contact_that_is_not_one_address_is_never_written_to(demo: None) -> None:
    ticket = deliver(eml("plain-utf8-new-ticket.eml")).ticket
    assert ticket is not None
    outbox.outbox.clear()
    Ticket.objects.filter(pk=ticket.pk).update(contact_email="a@x.example.ru, b@y.example.ru")
    ticket.refresh_from_db()
    from supportline.tickets.actions.lifecycle import ticket_accept

    ticket_accept(ticket=ticket, actor=User.objects.get(username="consultant1"))
    drain()
    assert outbox.outbox == []


# ---------------------------------------------------------------- Message-ID and sender


def test_a_repeated_message_id_from_another_sender_is_quarantined_with_the_reason(
    demo: None,
) -> None:
    raw = eml("plain-utf8-new-ticket.eml")
    first = deliver(raw)
    other = raw.replace(b"i.smirnov@romashka.example.ru", b"someone@elsewhere.example.com")
    kept = inbound_mail_store(mailbox="line", raw=other)
    assert kept is not None  # not "already received": kept
    drain()
    kept.refresh_from_db()
    assert kept.state == State.QUARANTINED and kept.message_id == first.message_id
    assert "уже получен от другого отправителя" in kept.error
    assert "i.smirnov@romashka.example.ru" in kept.error
    assert Ticket.objects.count() == 1
    # Visible to supervisors in the quarantine list.
    listing = signed_in("supervisor").get(
        "/admin/mail/inboundmail/", {"state__exact": "quarantined"}
    )
    assert "someone@elsewhere.example.com" in listing.content.decode()
    # The same sender again is a duplicate and creates nothing.
    assert inbound_mail_store(mailbox="line", raw=other) is None
    assert inbound_mail_store(mailbox="line", raw=raw) is None


def test_a_supervisor_releases_a_message_id_collision_as_a_letter_of_its_own(demo: None) -> None:
    raw = eml("plain-utf8-new-ticket.eml")
    original = deliver(raw).ticket
    other = raw.replace(b"i.smirnov@romashka.example.ru", b"someone@elsewhere.example.com")
    kept = inbound_mail_store(mailbox="line", raw=other)
    assert kept is not None
    response = signed_in("supervisor").post(
        "/admin/mail/inboundmail/", {"action": "retry", "_selected_action": [kept.pk]}
    )
    assert response.status_code == 302
    drain()
    kept.refresh_from_db()
    assert kept.state == State.PROCESSED
    assert kept.ticket is not None and kept.ticket != original
    message = kept.ticket.messages.order_by("id").first()
    assert message is not None and message.external_id == kept.collision_id
    assert original is not None
    assert original.messages.filter(author_kind=Message.Author.CLIENT).count() == 1


def test_import_mail_says_a_colliding_message_went_to_quarantine(demo: None, tmp_path: Any) -> None:
    import io

    from django.core.management import call_command

    raw = eml("plain-utf8-new-ticket.eml")
    first, second = tmp_path / "first.eml", tmp_path / "second.eml"
    first.write_bytes(raw)
    second.write_bytes(raw.replace(b"i.smirnov@romashka.example.ru", b"x@elsewhere.example.com"))
    out = io.StringIO()
    call_command("import_mail", str(first), str(second), stdout=out)
    lines = out.getvalue().splitlines()
    assert "в карантин" not in lines[0]
    assert "в карантин" in lines[1] and "уже получен от другого отправителя" in lines[1]
