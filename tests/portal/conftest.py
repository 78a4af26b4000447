"""Portal personas (STYLE §7): the demo line, signed-in browsers for every role, and an
outsider — a client of another organisation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from supportline.accounts.models import User
from supportline.core.demo import load_demo
from supportline.tickets.actions.registration import ticket_register
from supportline.tickets.intake import IntakeData
from supportline.tickets.models import Channel, Ticket

MSK = ZoneInfo("Europe/Moscow")
# Tuesday 24 November 2026, 10:00 Moscow time: an ordinary working day.
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=MSK)


def msk(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MSK)  # type: ignore[misc]


VALID = {
    "registration_number": "800123456",
    "organisation": "ООО «Ромашка»",
    "configuration": "1С:CRM ПРОФ, редакция 3.0",
    "version": "3.0.36.12",
    "subject": "Не формируется отчёт по воронке продаж",
    "body": "При формировании отчёта «Воронка продаж» программа выдаёт ошибку.",
}


@dataclass
class Persona:
    user: User
    browser: Client


@dataclass
class Portal:
    """The demo line, seen from the portal."""

    client: Persona  # ООО «Ромашка»: valid ITS + KP
    client_b: Persona  # АО «Вектор»: another organisation (the outsider)
    partner: Persona  # ООО «Франч Плюс»
    consultant: Persona
    anonymous: Client

    def ticket(self, who: Persona | None = None, **fields: Any) -> Ticket:
        """A ticket registered through the service, as the portal does."""
        who = who or self.client
        return ticket_register(
            actor=who.user, channel=Channel.PORTAL, data=IntakeData(**{**VALID, **fields})
        )


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def persona(username: str) -> Persona:
    user = User.objects.get(username=username)
    browser = Client()
    browser.force_login(user)
    return Persona(user, browser)


@pytest.fixture
def portal(db: None, clock: time_machine.Coordinates) -> Portal:
    load_demo(today=NOW.date())
    return Portal(
        client=persona("client"),
        client_b=persona("client2"),
        partner=persona("partner"),
        consultant=persona("consultant1"),
        anonymous=Client(),
    )
