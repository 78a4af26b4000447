"""A month of tickets under a controlled clock (issue 16 "checked by"), and the desk personas.

November 2026 on the Russian production calendar: 3 November is a pre-holiday day (09:00-17:00),
4 November a holiday. `month` files tickets on every kind of moment (before opening, at
lunch, on Friday evening, on the eve and on the holiday) and drives them through acceptance,
questions, answers, ratings, rejections and level changes with the time frozen at each step.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import pytest
import time_machine

from supportline.tickets.actions.escalation import ticket_change_level
from supportline.tickets.actions.lifecycle import (
    ticket_accept,
    ticket_ask,
    ticket_client_reply,
    ticket_evaluate,
    ticket_resolve,
)
from supportline.tickets.models import Ticket
from tests.desk.conftest import Desk, clock, desk, msk

__all__ = ["Desk", "clock", "desk", "msk"]


@dataclass
class Month:
    tickets: list[Ticket]


def _step(clock: time_machine.Coordinates, at: dt.datetime) -> dt.datetime:
    clock.move_to(at)
    return at


def build_month(
    desk: Desk, clock: time_machine.Coordinates, *, n: int = 24, seed: int = 16
) -> Month:
    rnd = random.Random(seed)
    made: list[Ticket] = []
    days = [msk(2026, 11, d) for d in range(2, 28)]  # to Friday 27.11
    for i in range(n):
        day = days[(i * 7) % len(days)]
        # Any moment of the day: before opening, working hours, evening.
        reg = day.replace(
            hour=rnd.choice([7, 9, 10, 12, 15, 17, 19]), minute=rnd.choice([0, 17, 45])
        )
        _step(clock, reg)
        t = desk.ticket(channel="phone", at=reg, subject=f"Вопрос {i}")
        at = reg
        if i % 5 == 0:
            at = _step(
                clock, at + dt.timedelta(hours=rnd.randint(1, 30), minutes=rnd.randint(0, 59))
            )
            t = ticket_change_level(
                ticket=t, actor=desk.consultant.user, level="operational", reason=f"Критично {i}"
            )
        if i % 11 == 7:
            made.append(t)  # left without a reaction: still open at the end of the month
            continue
        at = _step(clock, at + dt.timedelta(hours=rnd.randint(0, 20), minutes=rnd.randint(1, 59)))
        t = ticket_accept(ticket=t, actor=desk.consultant.user, now=at)
        if i % 3 == 0:
            at = _step(
                clock, at + dt.timedelta(hours=rnd.randint(0, 5), minutes=rnd.randint(1, 59))
            )
            t = ticket_ask(
                ticket=t, actor=desk.consultant.user, text="Уточните, пожалуйста", now=at
            )
            at = _step(
                clock, at + dt.timedelta(hours=rnd.randint(1, 40), minutes=rnd.randint(0, 59))
            )
            t = ticket_client_reply(ticket=t, actor=desk.client.user, text="Уточняю", now=at)
        if i % 13 == 5:
            made.append(t)
            continue
        at = _step(clock, at + dt.timedelta(hours=rnd.randint(0, 30), minutes=rnd.randint(1, 59)))
        t = ticket_resolve(ticket=t, actor=desk.consultant.user, text="Ответ", now=at)
        at = _step(clock, at + dt.timedelta(hours=rnd.randint(0, 6), minutes=rnd.randint(1, 59)))
        if i % 4 == 1:
            t = ticket_evaluate(
                ticket=t, actor=desk.client.user, accepted=False, comment="Не помогло", now=at
            )
            at = _step(
                clock, at + dt.timedelta(hours=rnd.randint(0, 6), minutes=rnd.randint(1, 59))
            )
            t = ticket_resolve(ticket=t, actor=desk.consultant2.user, text="Ответ 2", now=at)
            at = _step(clock, at + dt.timedelta(hours=1))
        rating = rnd.randint(1, 5)
        t = ticket_evaluate(
            ticket=t,
            actor=desk.client.user,
            accepted=True,
            rating=rating,
            comment=f"Комментарий {i}" if rating <= 3 else "",
            now=at,
        )
        made.append(t)
    # Filed on the last afternoon of the month: its reaction clock still runs at the end.
    late = _step(clock, max(clock_now(), msk(2026, 11, 30, 15, 0)))
    made.append(desk.ticket(channel="phone", at=late, subject="Последний вопрос"))
    return Month(made)


def clock_now() -> dt.datetime:
    from django.utils import timezone

    return timezone.now()


@pytest.fixture
def month(desk: Desk, clock: time_machine.Coordinates) -> Month:
    result = build_month(desk, clock)
    # Figures are read on 14 December 2026 (the month is closed).
    clock.move_to(msk(2026, 12, 14, 10, 0))
    for person in (desk.supervisor, desk.consultant, desk.client, desk.admin):
        person.http.force_login(person.user)  # the sessions of November have expired
    return result
