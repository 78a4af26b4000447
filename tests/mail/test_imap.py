"""Polling a real IMAP server (Dovecot): store, then \\Seen; nothing lost, nothing twice (R6)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from supportline.jobs.core import enqueue
from supportline.mail import imap
from supportline.mail.apps import check_mail_settings
from supportline.mail.models import InboundMail
from supportline.tickets.models import Complaint, Ticket
from tests.mail.conftest import Mailboxes, drain, eml, free_port

pytestmark = pytest.mark.django_db

State = InboundMail.State


def test_r6_poll_stores_every_unseen_message_then_marks_it_seen(
    demo: None, mailboxes: Mailboxes
) -> None:
    server = mailboxes.server
    for name in ("plain-utf8-new-ticket.eml", "autoreply-vacation.eml", "koi8r-8bit.eml"):
        server.append(mailboxes.line, eml(name))
    assert len(server.unseen(mailboxes.line)) == 3
    call_command("poll_mail")
    assert server.unseen(mailboxes.line) == []
    rows = list(InboundMail.objects.order_by("uid"))
    assert [r.uid for r in rows] == [1, 2, 3]
    assert {r.mailbox for r in rows} == {"line"} and all(r.uidvalidity for r in rows)
    assert rows[0].raw == eml("plain-utf8-new-ticket.eml")  # the bytes as the server has them
    assert all(r.state == State.NEW for r in rows)
    drain()
    states = sorted(InboundMail.objects.values_list("state", flat=True))
    assert states == [State.IGNORED, State.PROCESSED, State.PROCESSED]
    assert Ticket.objects.count() == 2


def test_a_crash_before_seen_or_a_second_delivery_stores_nothing_twice(
    demo: None, mailboxes: Mailboxes
) -> None:
    server = mailboxes.server
    server.append(mailboxes.line, eml("plain-utf8-new-ticket.eml"))
    call_command("poll_mail")
    # As if the poller died after the commit but before STORE \Seen.
    server.mark_unseen(mailboxes.line)
    # And the mail server delivered the same message once more (new UID, same Message-ID).
    server.append(mailboxes.line, eml("plain-utf8-new-ticket.eml"))
    call_command("poll_mail")
    assert server.unseen(mailboxes.line) == []
    assert InboundMail.objects.count() == 1
    drain()
    assert Ticket.objects.count() == 1


def test_r20_quality_mailbox_is_polled_into_complaints(demo: None, mailboxes: Mailboxes) -> None:
    mailboxes.server.append(mailboxes.quality, eml("complaint-quality.eml"))
    call_command("poll_mail", "--process")
    mail = InboundMail.objects.get()
    assert mail.mailbox == "quality" and mail.state == State.PROCESSED
    assert mail.complaint == Complaint.objects.get()
    assert Ticket.objects.count() == 0


def test_periodic_poll_job_runs_only_with_use_mail_polling(
    demo: None, mailboxes: Mailboxes, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailboxes.server.append(mailboxes.line, eml("plain-utf8-new-ticket.eml"))
    enqueue("mail.poll", {"slot": 1})
    drain()
    assert InboundMail.objects.count() == 0  # polling is off unless USE_MAIL_POLLING is set
    monkeypatch.setenv("USE_MAIL_POLLING", "1")
    enqueue("mail.poll", {"slot": 2})
    drain()
    assert InboundMail.objects.get().state == State.PROCESSED
    assert Ticket.objects.count() == 1


def test_an_unreachable_mailbox_fails_clearly_and_keeps_the_mail_on_the_server(
    db: None, mailboxes: Mailboxes, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailboxes.server.append(mailboxes.line, eml("plain-utf8-new-ticket.eml"))
    monkeypatch.setenv("MAIL_IMAP_FOLDER", "Нет такой папки")
    with pytest.raises(CommandError, match=f"ящик line \\({mailboxes.line}@127.0.0.1\\)"):
        call_command("poll_mail")
    assert len(mailboxes.server.unseen(mailboxes.line)) == 1
    monkeypatch.setenv("MAIL_IMAP_PORT", str(free_port()))  # nobody listens there
    with pytest.raises(imap.MailboxError, match="ящик quality"):
        imap.poll_all()
    assert InboundMail.objects.count() == 0


def test_polling_without_settings_fails_fast_naming_the_variables(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("MAIL_IMAP_HOST", "MAIL_IMAP_USER", "MAIL_IMAP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MAIL_QUALITY_IMAP_USER", "quality")
    with pytest.raises(CommandError) as error:
        call_command("poll_mail")
    for name in (
        "MAIL_IMAP_HOST",
        "MAIL_IMAP_USER",
        "MAIL_IMAP_PASSWORD",
        "MAIL_QUALITY_IMAP_PASSWORD",
    ):
        assert name in str(error.value)
    assert check_mail_settings() == []  # polling off: nothing to check
    monkeypatch.setenv("USE_MAIL_POLLING", "1")
    problems = check_mail_settings()
    assert [p.id for p in problems] == ["mail.E001"] and "MAIL_IMAP_HOST" in problems[0].msg
    monkeypatch.setenv("USE_MAIL_POLLING", "maybe")
    assert "USE_MAIL_POLLING" in check_mail_settings()[0].msg


def test_mailbox_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    from pathlib import Path

    from supportline.mail import config

    secret = Path(str(tmp_path)) / "imap-password"
    secret.write_text("from-file\n")
    monkeypatch.setenv("MAIL_IMAP_HOST", "imap.example.ru")
    monkeypatch.setenv("MAIL_IMAP_USER", "crm-support")
    monkeypatch.setenv("MAIL_IMAP_PASSWORD_FILE", str(secret))
    monkeypatch.delenv("MAIL_IMAP_SSL", raising=False)
    monkeypatch.delenv("MAIL_IMAP_PORT", raising=False)
    monkeypatch.delenv("MAIL_QUALITY_IMAP_USER", raising=False)
    (line,) = config.mailboxes()
    assert (line.host, line.port, line.ssl, line.folder) == ("imap.example.ru", 993, True, "INBOX")
    assert line.password == "from-file"
    monkeypatch.setenv("MAIL_IMAP_SSL", "0")
    assert config.mailboxes()[0].port == 143
    assert imap.BATCH > 0


def test_a_folder_with_a_cyrillic_name_is_polled(
    demo: None, mailboxes: Mailboxes, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = "Поддержка & клиенты"
    conn = mailboxes.server.connect(mailboxes.line)
    try:
        status, _ = conn.create(imap._quote(folder))
        assert status == "OK"
    finally:
        conn.logout()
    mailboxes.server.append(mailboxes.line, eml("koi8r-8bit.eml"), folder=imap._quote(folder))
    monkeypatch.setenv("MAIL_IMAP_FOLDER", folder)
    call_command("poll_mail", "--process")
    assert InboundMail.objects.get().state == State.PROCESSED
