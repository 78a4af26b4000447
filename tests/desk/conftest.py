"""Personas of the desk (STYLE §7): a browser session per role on the demo line, time frozen."""

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
from supportline.tickets.models import Ticket

MSK = ZoneInfo("Europe/Moscow")
# Tuesday 24 November 2026, 10:00 Moscow time: an ordinary working day.
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=MSK)

VALID = {
    "registration_number": "800123456",
    "organisation": "ООО «Ромашка»",
    "configuration": "1С:CRM ПРОФ, редакция 3.0",
    "version": "3.0.36.12",
    "subject": "Не формируется отчёт по воронке продаж",
    "body": "При формировании отчёта «Воронка продаж» программа выдаёт ошибку.",
}


def msk(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MSK)  # type: ignore[misc]


@dataclass
class Person:
    user: User
    http: Client

    def get(self, path: str, data: dict[str, Any] | None = None, **extra: Any) -> Any:
        return self.http.get(path, data or {}, **extra)

    def post(self, path: str, data: dict[str, Any] | None = None, **extra: Any) -> Any:
        return self.http.post(path, data or {}, **extra)


@dataclass
class Desk:
    """The demo line with a logged-in browser for every role."""

    consultant: Person
    consultant2: Person
    supervisor: Person
    admin: Person
    methodologist: Person
    developer: Person
    client: Person  # ООО «Ромашка»: valid ITS + KP
    client_b: Person  # АО «Вектор»: KP expired
    partner: Person

    def ticket(
        self, *, channel: str = "portal", at: dt.datetime | None = None, **fields: str
    ) -> Ticket:
        """A ticket filed through the service (the desk's tests act on it over HTTP)."""
        # Only the line dates a ticket back (R6): a backdated ticket is registered by it.
        actor = self.consultant.user if channel == "phone" or at is not None else self.client.user
        return ticket_register(
            actor=actor,
            channel=channel,
            data=IntakeData(**{**VALID, **fields}),
            registered_at=at,
        )


def person(username: str) -> Person:
    user = User.objects.get(username=username)
    http = Client()
    http.force_login(user)
    return Person(user, http)


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def desk(db: None, clock: time_machine.Coordinates) -> Desk:
    load_demo(today=NOW.date())
    return Desk(
        consultant=person("consultant1"),
        consultant2=person("consultant2"),
        supervisor=person("supervisor"),
        admin=person("admin"),
        methodologist=person("methodologist"),
        developer=person("developer"),
        client=person("client"),
        client_b=person("client2"),
        partner=person("partner"),
    )


def html(response: Any) -> str:
    return str(response.content.decode())
