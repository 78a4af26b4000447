"""A 1C-Connect conversation becomes a ticket, and the client's answers thread to it (R1, R6, R12)."""

from __future__ import annotations

import datetime as dt

import time_machine

from supportline.connect.models import ConnectEvent, ConnectOutbound
from supportline.connect.services import connect_event_process
from supportline.jobs.models import Job
from supportline.tickets.models import Channel, EventType, Message, Status, Ticket
from tests.connect.conftest import (
    API_PASSWORD,
    API_USER,
    LABELLED_TEXT,
    LINE_ID,
    NOW,
    USER_ID,
    StandIn,
    basic,
    drain,
    event,
    post,
)

CONVERSATION = f"{LINE_ID}:{USER_ID}"


def test_r6_connect_message_registers_a_ticket(connect: StandIn) -> None:
    first = event(text="Не формируется отчёт «Воронка продаж», выдаёт ошибку")
    assert post(first).status_code == 200
    drain()

    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.CONNECT
    assert ticket.connect_conversation == CONVERSATION
    assert ticket.subject == "Не формируется отчёт «Воронка продаж», выдаёт ошибку"
    assert ticket.registered_at == NOW  # the message's time
    # R1: nothing was given, so the ticket is registered and asks for it at once (R12 pause).
    assert ticket.status == Status.WAITING_CLIENT
    assert set(ticket.missing_fields) == {
        "registration_number",
        "organisation",
        "configuration",
        "version",
    }
    assert ticket.resolution_state == "paused"
    client_message = ticket.messages.get(author_kind=Message.Author.CLIENT)
    assert client_message.external_id == first["message_id"]
    assert client_message.channel == Channel.CONNECT

    stored = ConnectEvent.objects.get()
    assert stored.state == "done" and stored.ticket == ticket

    # The receipt and the question went back to the user's chat through the worker.
    sent = connect.sent()
    assert len(sent) == 2
    receipt, question = sent
    assert ticket.number in receipt["text"] and "зарегистрировано" in receipt["text"]
    assert "не хватает данных" in question["text"]
    assert "регистрационный номер программы" in question["text"]
    for body in sent:
        assert body["line_id"] == LINE_ID and body["user_id"] == USER_ID
    posts = [r for r in connect.requests if r.method == "POST"]
    assert all(r.headers["Authorization"] == basic(API_USER, API_PASSWORD) for r in posts)
    line_messages = ticket.messages.exclude(author_kind=Message.Author.CLIENT).order_by("at", "id")
    assert [b["request_id"] for b in sent] == [str(m.pk) for m in line_messages]
    assert [r.headers["X-Request-Id"] for r in posts] == [str(m.pk) for m in line_messages]
    assert ConnectOutbound.objects.count() == 2


def test_r1_labelled_lines_carry_the_required_data(connect: StandIn) -> None:
    assert post(event(text=LABELLED_TEXT)).status_code == 200
    drain()
    ticket = Ticket.objects.get()
    assert ticket.missing_fields == []
    assert ticket.registration is not None and ticket.registration.number == "800123456"
    assert ticket.configuration is not None
    assert ticket.version == "3.0.36.12"
    assert ticket.subject == "Не формируется отчёт «Воронка продаж»"
    assert ticket.status == Status.REGISTERED
    # Only the receipt goes back: the reaction is a consultant's act (R7).
    assert len(connect.sent()) == 1


def test_r12_connect_answer_resumes_the_clock(
    connect: StandIn, clock: time_machine.Traveller
) -> None:
    post(event(text="Не формируется отчёт"))
    drain()
    ticket = Ticket.objects.get()
    assert ticket.status == Status.WAITING_CLIENT and ticket.resolution_state == "paused"

    clock.shift(30 * 60)
    answer = event(
        text="Рег. номер: 800123456\nОрганизация: ООО «Ромашка»\n"
        "Конфигурация: 1С:CRM ПРОФ, редакция 3.0\nВерсия: 3.0.36.12"
    )
    assert post(answer).status_code == 200
    drain()

    assert Ticket.objects.count() == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.REGISTERED
    assert ticket.resolution_state == "running"
    reply = ticket.messages.get(external_id=answer["message_id"])
    assert reply.author_kind == Message.Author.CLIENT
    assert reply.body.startswith("Рег. номер: 800123456")
    assert ticket.missing_fields == [] and ticket.registration_number == "800123456"
    assert ticket.events.filter(type=EventType.CLIENT_REPLIED).count() == 1
    assert ConnectEvent.objects.get(message_id=answer["message_id"]).ticket == ticket
    assert len(connect.sent()) == 2  # the client's own message is not echoed back


def test_r1_partial_data_in_the_answer_is_kept_and_the_rest_asked_again(
    connect: StandIn, clock: time_machine.Traveller
) -> None:
    post(event(text="Не формируется отчёт"))
    drain()
    post(event(text="Рег. номер: 800123456, версия: 3.0.36.12"))
    drain()
    ticket = Ticket.objects.get()
    assert ticket.registration_number == "800123456"
    assert ticket.version == "3.0.36.12"
    assert ticket.missing_fields == ["configuration", "organisation"]
    assert ticket.status == Status.WAITING_CLIENT  # asked again for the rest (R1, R12)
    question = ticket.messages.filter(purpose=Message.Purpose.QUESTION).order_by("-id").first()
    assert question is not None and "организации" in question.body


def test_r6_same_message_id_twice_makes_one_ticket_message(connect: StandIn) -> None:
    body = event()
    post(body)
    post(body)
    drain()
    assert Ticket.objects.count() == 1
    assert Message.objects.filter(external_id=body["message_id"]).count() == 1
    # Processing is idempotent too: running the handler again changes nothing.
    stored = ConnectEvent.objects.get()
    connect_event_process(event_id=stored.pk)
    assert Message.objects.filter(external_id=body["message_id"]).count() == 1
    assert len(connect.sent()) == 2


def test_r6_a_closed_ticket_is_not_reopened_a_new_one_is_registered(connect: StandIn) -> None:
    post(event())
    drain()
    old = Ticket.objects.get()
    Ticket.objects.filter(pk=old.pk).update(status=Status.CLOSED)
    post(event(text="Новый вопрос: как настроить воронку?"))
    drain()
    new = Ticket.objects.exclude(pk=old.pk).get()
    assert new.connect_conversation == CONVERSATION
    assert new.subject == "Новый вопрос: как настроить воронку?"


def test_conversation_opened_and_closed_are_recorded_only(connect: StandIn) -> None:
    post(event())
    drain()
    ticket = Ticket.objects.get()
    status = ticket.status
    for kind in (80, 82):
        post(event(message_type=kind, text=""))
    drain()
    opened, closed = ConnectEvent.objects.filter(message_type__in=[80, 82]).order_by("message_type")
    assert opened.state == closed.state == "done"
    assert "открыто" in opened.error and "закрыто" in closed.error
    assert closed.ticket == ticket
    ticket.refresh_from_db()
    assert ticket.status == status  # nothing is closed on our side
    assert Ticket.objects.count() == 1


def test_a_specialists_message_is_not_taken_for_the_clients(connect: StandIn) -> None:
    post(event(author_id="8ca00ffd-1940-11e4-93f7-e839352bba69", text="Ответ специалиста"))
    drain()
    assert Ticket.objects.count() == 0
    stored = ConnectEvent.objects.get()
    assert stored.state == "ignored" and "специалиста" in stored.error


def test_an_event_of_another_line_is_skipped(connect: StandIn) -> None:
    post(event(line_id="7bd06004-2341-11e7-80e4-0025904f970f"))
    drain()
    assert Ticket.objects.count() == 0
    assert ConnectEvent.objects.get().state == "ignored"


def test_an_unknown_message_type_is_kept_and_skipped(connect: StandIn) -> None:
    assert post(event(message_type=83, text="")).status_code == 200
    drain()
    stored = ConnectEvent.objects.get()
    assert stored.state == "ignored" and "83" in stored.error
    assert Job.objects.get(kind="connect.process_event").state == "done"


def test_r6_a_late_delivery_registers_at_the_message_time_never_in_the_future(
    connect: StandIn,
) -> None:
    post(event(message_time="2026-11-24T06:30:00Z", text="Вопрос, пришедший с опозданием"))
    other = "0b8e6f0e-1111-4c4a-8227-315bdc2bf3ff"
    post(event(user_id=other, author_id=other, message_time="2026-11-24T09:00:00Z"))
    drain()
    late, ahead = Ticket.objects.order_by("id")
    assert late.registered_at == dt.datetime(2026, 11, 24, 6, 30, tzinfo=dt.UTC)
    assert ahead.registered_at == NOW
