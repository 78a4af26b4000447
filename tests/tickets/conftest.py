"""Named personas of the line (STYLE §7) and an API client that speaks Bearer tokens."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from supportline.accounts.models import Role, User
from supportline.api.models import ApiToken
from supportline.core.demo import load_demo
from supportline.registry.models import Organisation

MSK = ZoneInfo("Europe/Moscow")
# Tuesday 24 November 2026, 10:00 Moscow time: an ordinary working day.
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=MSK)


def msk(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MSK)  # type: ignore[misc]


@dataclass
class Api:
    client: Client
    token: str
    user: User

    def _headers(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, **self._headers())

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(
            f"/api/v1{path}",
            json.dumps(body or {}),
            content_type="application/json",
            **self._headers(),
        )

    def delete(self, path: str) -> Any:
        return self.client.delete(f"/api/v1{path}", **self._headers())


@dataclass
class Line:
    """The demo line with a persona for every role, plus an outsider client."""

    consultant: Api
    consultant2: Api
    supervisor: Api
    methodologist: Api
    developer: Api
    client: Api  # ООО «Ромашка»: valid ITS + KP
    client_b: Api  # АО «Вектор»: KP expired — another organisation
    partner: Api  # ООО «Франч Плюс»

    def ticket(self, who: Api | None = None, **fields: Any) -> dict[str, Any]:
        body = {**VALID_TICKET, **fields}
        response = (who or self.client).post("/tickets", body)
        assert response.status_code == 201, response.content.decode()
        return response.json()  # type: ignore[no-any-return]


VALID_TICKET = {
    "registration_number": "800123456",
    "organisation": "ООО «Ромашка»",
    "configuration": "1С:CRM ПРОФ, редакция 3.0",
    "version": "3.0.36.12",
    "subject": "Не формируется отчёт по воронке продаж",
    "body": "При формировании отчёта «Воронка продаж» программа выдаёт ошибку.",
}


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def api_for(username: str) -> Api:
    user = User.objects.get(username=username)
    _, raw = ApiToken.issue(user)
    return Api(Client(), raw, user)


@pytest.fixture
def line(db: None, clock: time_machine.Coordinates) -> Line:
    load_demo(today=NOW.date())
    assert Organisation.objects.count() == 2
    assert User.objects.filter(role=Role.CONSULTANT).count() == 2
    return Line(
        consultant=api_for("consultant1"),
        consultant2=api_for("consultant2"),
        supervisor=api_for("supervisor"),
        methodologist=api_for("methodologist"),
        developer=api_for("developer"),
        client=api_for("client"),
        client_b=api_for("client2"),
        partner=api_for("partner"),
    )
