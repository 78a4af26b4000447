"""R13 on 1C-Connect: the evaluation message tells how to rate in the messenger; a message that
is only a rating accepts; any other message during evaluation rejects and the assignee is told."""

from __future__ import annotations

import time_machine

from supportline.accounts.models import User
from supportline.tickets.actions.lifecycle import ticket_accept, ticket_resolve
from supportline.tickets.models import EventType, Notification, Status, Ticket
from tests.connect.conftest import LABELLED_TEXT, StandIn, drain, event, post


def _in_evaluation(connect: StandIn, clock: time_machine.Traveller) -> Ticket:
    post(event(text=LABELLED_TEXT))
    drain()
    ticket = Ticket.objects.get()
    consultant = User.objects.get(username="consultant1")
    ticket_accept(ticket=ticket, actor=consultant)
    clock.shift(60 * 60)
    ticket_resolve(ticket=ticket, actor=consultant, text="Обновите настройку отчёта.")
    drain()
    ticket.refresh_from_db()
    assert ticket.status == Status.CLIENT_EVALUATION
    return ticket


def test_r13_the_evaluation_message_in_the_messenger_says_how_to_rate(
    connect: StandIn, clock: time_machine.Traveller
) -> None:
    _in_evaluation(connect, clock)
    evaluation = connect.sent()[-1]["text"]
    assert evaluation.startswith("Обновите настройку отчёта.")
    assert "пришлите одну оценку от 1 до 5" in evaluation


def test_r13_a_connect_message_that_is_only_a_rating_accepts(
    connect: StandIn, clock: time_machine.Traveller
) -> None:
    ticket = _in_evaluation(connect, clock)
    sent = len(connect.sent())
    clock.shift(30 * 60)
    assert post(event(text="5, спасибо!")).status_code == 200
    drain()
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.rating == 5
    evaluated = ticket.events.get(type=EventType.EVALUATED)
    assert evaluated.data == {
        "accepted": True,
        "rating": 5,
        "comment": "спасибо",
        "via": "connect",
    }
    assert len(connect.sent()) == sent  # the client's rating is not echoed back


def test_r13_any_other_connect_message_during_evaluation_rejects_and_notifies(
    connect: StandIn, clock: time_machine.Traveller
) -> None:
    ticket = _in_evaluation(connect, clock)
    clock.shift(30 * 60)
    post(event(text="Не помогло, отчёт всё так же пустой"))
    drain()
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    evaluated = ticket.events.get(type=EventType.EVALUATED)
    assert evaluated.data["accepted"] is False
    assert evaluated.data["comment"] == "Не помогло, отчёт всё так же пустой"
    (notice,) = Notification.objects.filter(ticket=ticket)
    assert notice.user.username == "consultant1"
    assert "Не помогло, отчёт всё так же пустой" in notice.text
    # The conversation stays with the same ticket, now back in work.
    post(event(text="Скриншот пришлю позже"))
    drain()
    assert Ticket.objects.count() == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
