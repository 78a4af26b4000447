"""Outgoing mail through the outbox over real SMTP (aiosmtpd on loopback), R7, R12, R15."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail as locmem
from django.utils import timezone

from supportline.accounts.models import User
from supportline.core import rules
from supportline.jobs.models import Job
from supportline.mail import outbound
from supportline.mail.models import SentMail
from supportline.registry.models import Release
from supportline.tickets.actions.development import development_item_plan, release_publish
from supportline.tickets.actions.escalation import ticket_redirect, ticket_transfer
from supportline.tickets.actions.lifecycle import (
    ticket_accept,
    ticket_answer,
    ticket_ask,
    ticket_resolve,
    tickets_auto_close,
)
from supportline.tickets.actions.registration import ticket_register
from supportline.tickets.intake import IntakeData
from supportline.tickets.models import DevelopmentItem, Message, Ticket
from tests.mail.conftest import LINE_ADDRESS, SmtpServer, drain

pytestmark = pytest.mark.django_db

CLIENT_ID = "<question-1@romashka.example.ru>"
DATA = IntakeData(
    subject="Не формируется отчёт по воронке продаж",
    body="При формировании отчёта программа выдаёт ошибку.",
    registration_number="800123456",
    organisation="ООО «Ромашка»",
    configuration="1С:CRM ПРОФ, редакция 3.0",
    version="3.0.36.12",
    contact_email="i.smirnov@romashka.example.ru",
    contact_name="Иван Смирнов",
)


def user(name: str) -> User:
    return User.objects.get(username=name)


def register(**changes: str) -> Ticket:
    data = IntakeData(**{**DATA.__dict__, **changes})
    return ticket_register(actor=None, channel="email", data=data, external_id=CLIENT_ID)


def test_r7_receipt_over_smtp_with_number_message_id_threading_and_bounce_address(
    demo: None, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAIL_BOUNCE_ADDRESS", "bounces@example.ru")
    monkeypatch.setenv("MAIL_MESSAGE_ID_DOMAIN", "crm.example.ru")
    ticket = register()
    drain()
    assert len(smtp.received) == 1
    got = smtp.received[0]
    assert got.mail_from == "bounces@example.ru"  # envelope sender: the Return-Path
    assert got.rcpt_tos == ["i.smirnov@romashka.example.ru"]
    msg = got.message
    receipt = ticket.messages.get(author_kind=Message.Author.SYSTEM)
    token = outbound.token(receipt.pk, ticket.number or "")
    assert msg["Message-ID"] == f"<msg-{receipt.pk}.{ticket.number}.{token}@crm.example.ru>"
    # (Python folds a long encoded Subject after "Subject:"; parsers see a leading space.)
    assert (
        msg["Subject"].strip() == f"[{ticket.number}] Обращение зарегистрировано: {ticket.subject}"
    )
    assert msg["In-Reply-To"] == CLIENT_ID and msg["References"] == CLIENT_ID
    assert msg["Reply-To"] == LINE_ADDRESS
    assert msg["From"].addresses[0].addr_spec == "crm@rarus.ru"  # R19: the regulation's address
    assert msg["From"].addresses[0].display_name == rules.regulation().line_name.ru
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg.get_content_type() == "multipart/alternative"
    assert f"зарегистрировано под номером {ticket.number}" in got.text
    assert "не принятие" not in got.text and "О принятии обращения в работу" in got.text
    assert f"<strong>{ticket.number}</strong>" in got.html
    sent = SentMail.objects.get()
    assert sent.message == receipt and sent.kind == "receipt" and sent.mail_id == msg["Message-ID"]


def test_r7_acceptance_confirmation_is_not_automatic_and_threads_after_the_receipt(
    demo: None, smtp: SmtpServer
) -> None:
    ticket = register()
    drain()
    ticket_accept(ticket=ticket, actor=user("consultant1"))
    drain()
    receipt, acceptance = (d.message for d in smtp.received)
    assert acceptance["Subject"].strip().startswith(f"[{ticket.number}] Обращение принято в работу")
    assert acceptance["Auto-Submitted"] is None
    assert acceptance["In-Reply-To"] == receipt["Message-ID"]
    assert acceptance["References"] == f"{CLIENT_ID} {receipt['Message-ID']}"
    assert "принято к обслуживанию" in smtp.received[1].text


def test_a_retry_after_success_sends_nothing_and_a_failed_send_is_retried_with_the_same_id(
    demo: None, smtp: SmtpServer
) -> None:
    smtp.stop()
    ticket = register()
    drain()
    job = Job.objects.get(kind="mail.send_message")
    assert job.state == "pending" and job.attempts == 1 and job.last_error  # refused connection
    assert SentMail.objects.count() == 0
    smtp.start()
    drain_later = timezone.now() + dt.timedelta(minutes=5)
    from supportline.jobs.core import run_due

    run_due(worker="test", now=drain_later)
    assert len(smtp.received) == 1
    receipt = ticket.messages.get(author_kind=Message.Author.SYSTEM)
    assert smtp.received[0].message["Message-ID"] == outbound.message_id_for(receipt)
    # The job run again (a worker died before recording it done): nothing is sent twice.
    outbound.send_message(pk=receipt.pk)
    assert len(smtp.received) == 1 and SentMail.objects.count() == 1


def kinds() -> list[tuple[str, str]]:
    return [(s.kind, str(s.message.ticket.number)) for s in SentMail.objects.order_by("id")]


def test_each_kind_of_line_message_gets_its_own_mail(demo: None) -> None:
    consultant = user("consultant1")
    ticket = register()
    ticket_accept(ticket=ticket, actor=consultant)
    ticket_ask(ticket=ticket, actor=consultant, text="У всех пользователей?")
    from supportline.tickets.actions.lifecycle import ticket_client_reply

    ticket_client_reply(ticket=ticket, actor=None, text="Да, у всех.", channel="email")
    ticket_answer(ticket=ticket, actor=consultant, text="Переустановите обновление.")
    ticket_resolve(ticket=ticket, actor=consultant, text="Проверьте, пожалуйста.")
    drain()
    number = ticket.number
    assert [k for k, _ in kinds()] == [
        "receipt",
        "acceptance",
        "question",
        "answer",
        "evaluation",
    ]
    subjects = [m.subject for m in locmem.outbox]
    assert subjects[2].startswith(f"[{number}] Уточняющий вопрос")
    assert "ответьте на это письмо" in locmem.outbox[2].body
    assert subjects[4].startswith(f"[{number}] Ответ дан, оцените")
    assert "/portal/tickets/" in locmem.outbox[4].body


def test_refusal_redirection_release_and_auto_close_notices(demo: None) -> None:
    consultant = user("consultant1")
    # R2: АО «Вектор» has no valid KP contract — refused at registration.
    refused = register(registration_number="800654321", organisation="АО «Вектор»")
    # R3: out of scope — redirected by the consultant.
    redirected = register()
    ticket_redirect(ticket=redirected, actor=consultant, category="pc_setup")
    # R15: transferred to development, planned for a release that is then published.
    fixed = register()
    ticket_transfer(
        ticket=fixed, actor=consultant, to="development", kind="defect", reason="ошибка в отчёте"
    )
    item = DevelopmentItem.objects.get()
    conf = fixed.configuration
    assert conf is not None
    release = Release.objects.create(configuration=conf, version="3.0.37.1")
    development_item_plan(item=item, actor=user("developer"), release=release)
    release_publish(release=release, actor=user("developer"))
    drain()
    sent = kinds()
    assert ("refusal", refused.number) in sent
    assert ("redirection", redirected.number) in sent
    assert ("release", fixed.number) in sent
    release_mail = next(m for m in locmem.outbox if "Вышел релиз" in m.subject)
    assert release_mail.extra_headers["Auto-Submitted"] == "auto-generated"
    # R13: left in evaluation → closed automatically, and the client is told.
    ticket_resolve(ticket=fixed, actor=consultant, text="Исправлено в 3.0.37.1")
    later = timezone.now() + dt.timedelta(days=30)
    tickets_auto_close(now=later)
    drain()
    assert ("notice", fixed.number) in kinds()


def test_receipt_subject_carries_the_number_for_replies(demo: None) -> None:
    ticket = register()
    drain()
    assert re.match(rf"^\[{ticket.number}\] ", str(locmem.outbox[0].subject))
    assert locmem.outbox[0].to == ["i.smirnov@romashka.example.ru"]


def test_a_phone_callers_question_is_not_mailed_back_but_the_receipt_is(demo: None) -> None:
    consultant = user("consultant1")
    ticket = ticket_register(
        actor=consultant, channel="phone", data=IntakeData(**{**DATA.__dict__})
    )
    drain()
    assert [k for k, _ in kinds()] == ["receipt"]
    assert ticket.messages.count() == 2


def test_r20_complaint_answer_is_mailed_to_its_author_once(db: None, smtp: SmtpServer) -> None:
    """The quality manager's answer goes out through the outbox to whoever complained."""
    from supportline.core.demo import load_demo
    from supportline.jobs.core import discover, run_due
    from supportline.tickets.actions.complaints import complaint_answer, complaint_file

    load_demo()
    discover()
    complaint = complaint_file(
        actor=None,
        subject="Долгий ответ",
        text="Нет ответа три дня",
        channel="email",
        author_email="boss@romashka.example.ru",
    )
    supervisor = User.objects.get(username="supervisor")
    complaint_answer(complaint=complaint, actor=supervisor, text="Приносим извинения, разобрались.")
    run_due()
    run_due()
    mails = [m for m in smtp.received if "Ответ на претензию" in str(m.message["Subject"])]
    assert len(mails) == 1
    assert mails[0].rcpt_tos == ["boss@romashka.example.ru"]
    assert "Приносим извинения" in mails[0].text
