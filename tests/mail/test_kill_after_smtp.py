"""The one duplicate the outbox allows (issue 12 §2): a worker killed after the SMTP server
accepted a message and before the worker recorded it (SentMail) leaves the job running; once its
lease runs out, another worker sends the message again — with the same Message-ID, so the
receiving side can tell it is the same letter. After the record nothing is ever sent twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.mail.backends.smtp import EmailBackend
from django.utils import timezone

from supportline.jobs.core import claim, lease_duration, run_claimed
from supportline.jobs.models import Job
from supportline.mail import outbound
from supportline.mail.models import SentMail
from supportline.tickets.models import Message
from tests.mail.conftest import SmtpServer
from tests.mail.test_outbound import register

pytestmark = pytest.mark.django_db
SMTP = "django.core.mail.backends.smtp.EmailBackend"


class Killed(BaseException):
    """The worker process died (SIGKILL, power loss): nothing after this point runs."""


class DiesAfterTheSmtpAnswer(EmailBackend):
    """Real SMTP; the process "dies" as soon as the server has answered 250."""

    def send_messages(self, email_messages: Any) -> int:
        sent = super().send_messages(email_messages)
        raise Killed(f"killed after {sent} message(s) were accepted")


def test_a_kill_between_the_smtp_answer_and_the_record_resends_the_same_message_id(
    demo: None, smtp: SmtpServer, settings: Any
) -> None:
    ticket = register()
    job = Job.objects.get(kind="mail.send_message")
    receipt = ticket.messages.get(author_kind=Message.Author.SYSTEM)
    t0 = timezone.now()

    settings.EMAIL_BACKEND = f"{__name__}.DiesAfterTheSmtpAnswer"
    (first,) = claim(worker="A", now=t0)
    with pytest.raises(Killed):
        run_claimed(first, worker="A", now=t0)
    assert len(smtp.received) == 1 and not SentMail.objects.exists()
    job.refresh_from_db()
    assert job.state == "running" and job.locked_by == "A"  # as the dead worker left it

    settings.EMAIL_BACKEND = SMTP
    assert claim(worker="B", now=t0 + lease_duration() / 2) == []  # A's lease still holds
    later = t0 + lease_duration() + dt.timedelta(seconds=1)
    (second,) = claim(worker="B", now=later)
    assert run_claimed(second, worker="B", now=later) is True
    assert len(smtp.received) == 2
    ids = [d.message["Message-ID"] for d in smtp.received]
    assert ids == [outbound.message_id_for(receipt)] * 2
    sent = SentMail.objects.get()
    assert sent.mail_id == ids[0] and sent.message == receipt

    # Recorded: a further run of the same job (or of the handler) sends nothing.
    Job.objects.filter(pk=job.pk).update(state="pending", run_at=later, locked_until=None)
    (third,) = claim(worker="C", now=later)
    assert run_claimed(third, worker="C", now=later) is True
    assert len(smtp.received) == 2
