"""Replies leave through the outbox: at least once, retried with backoff, never twice after success."""

from __future__ import annotations

import pytest
import time_machine

from supportline.connect.models import ConnectOutbound
from supportline.connect.services import connect_message_send
from supportline.jobs.core import run_due
from supportline.jobs.models import Job
from supportline.tickets.models import Ticket
from tests.connect.conftest import LABELLED_TEXT, StandIn, drain, event, post


def test_r6_send_retries_after_500_with_the_same_request_id(
    connect: StandIn, clock: time_machine.Traveller
) -> None:
    post(event(text=LABELLED_TEXT))
    run_due(worker="w")  # the event becomes a ticket and a send job for the receipt
    ticket = Ticket.objects.get()
    receipt = ticket.messages.get(author_kind="system")

    connect.fail_next = 1
    run_due(worker="w")
    job = Job.objects.get(kind="connect.send_message")
    assert job.state == "pending" and job.attempts == 1
    assert "500" in job.last_error
    assert not ConnectOutbound.objects.exists()

    clock.shift(31)  # the first backoff is 30 s
    assert run_due(worker="w") == 1
    job.refresh_from_db()
    assert job.state == "done" and job.attempts == 2
    attempts = [r for r in connect.requests if r.method == "POST"]
    assert len(attempts) == 2
    assert {r.json()["request_id"] for r in attempts} == {str(receipt.pk)}
    assert {r.headers["X-Request-Id"] for r in attempts} == {str(receipt.pk)}
    sent = ConnectOutbound.objects.get()
    assert sent.message == receipt and sent.status_code == 200

    # A second run after success (a worker that lost its lease) does not send again.
    connect_message_send(message_id=receipt.pk)
    assert len([r for r in connect.requests if r.method == "POST"]) == 2


def test_wrong_api_password_is_an_error_that_retries(
    connect: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONNECT_API_PASSWORD", "wrong")
    post(event(text=LABELLED_TEXT))
    drain()
    job = Job.objects.get(kind="connect.send_message")
    assert job.state == "pending" and "401" in job.last_error
    assert not ConnectOutbound.objects.exists()


def test_unreachable_connect_is_an_error_that_retries(
    connect: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    post(event(text=LABELLED_TEXT))
    run_due(worker="w")
    monkeypatch.setenv("CONNECT_API_URL", "http://127.0.0.1:9")  # discard port: refused
    run_due(worker="w")
    job = Job.objects.get(kind="connect.send_message")
    assert job.state == "pending" and "Нет связи" in job.last_error


def test_a_redirected_send_is_an_error_not_a_silent_get(
    connect: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    post(event(text=LABELLED_TEXT))
    run_due(worker="w")
    monkeypatch.setenv("CONNECT_API_URL", connect.url + "/moved")
    run_due(worker="w")
    job = Job.objects.get(kind="connect.send_message")
    assert job.state == "pending" and "302" in job.last_error
    assert [r.path for r in connect.requests] == ["/moved/v1/line/send/message/"]
