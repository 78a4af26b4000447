"""R7 through the e-mail channel: the receipt and the automatic request for missing R1 data are
not the reaction; while that request waits, both clocks pause; the client's answer resumes them
and the reaction clock runs until a person of the line acts.

Mail comes in as real .eml files through the mail services; the figures are read back through
the REST API and the desk page, under a frozen clock.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from supportline.accounts.models import User
from supportline.mail import outbound
from supportline.sla.frozen import freeze, thaw
from supportline.tickets.actions.lifecycle import ticket_accept
from supportline.tickets.clock import live_sla
from supportline.tickets.models import EventType, Message, Status, Ticket
from tests.mail.conftest import deliver, eml
from tests.tickets.conftest import api_for
from tests.tickets.test_sla_reference import reference

pytestmark = pytest.mark.django_db

MSK = ZoneInfo("Europe/Moscow")


def msk(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MSK)  # type: ignore[misc]


ARRIVED = msk(2026, 11, 24, 10, 1)  # Tue 24.11.2026, an ordinary working week

DATA_REPLY = """\
From: Иван Смирнов <i.smirnov@romashka.example.ru>
To: crm-support@example.ru
Subject: Re: [{number}] Уточняющий вопрос по обращению
Message-ID: <data-{n}@romashka.example.ru>
In-Reply-To: {in_reply_to}
References: {in_reply_to}
Date: Fri, 27 Nov 2026 11:00:00 +0300
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

{body}

> Здравствуйте! Для работы с обращением не хватает данных
"""
ALL_DATA = """Добрый день, вот данные:

Рег. номер: 800123456
Организация: ООО «Ромашка»
Конфигурация: 1С:CRM ПРОФ, редакция 3.0
Версия: 3.0.36.12"""


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(ARRIVED, tick=False) as traveller:
        yield traveller


def _data_reply(ticket: Ticket, n: int = 1, body: str = ALL_DATA) -> bytes:
    """The client's answer to the line's latest question (threaded by our Message-ID)."""
    question = ticket.messages.filter(purpose=Message.Purpose.QUESTION).latest("id")
    raw = DATA_REPLY.format(
        number=ticket.number, n=n, in_reply_to=outbound.message_id_for(question), body=body
    )
    return raw.replace("\n", "\r\n").encode()


def _sla(number: str) -> dict[str, dict[str, object]]:
    response = api_for("consultant1").get(f"/tickets/{number}")
    assert response.status_code == 200, response.content.decode()
    return response.json()["sla"]  # type: ignore[no-any-return]


def test_r7_mail_without_r1_data_is_not_met_while_it_waits_three_working_days(
    demo: None, clock: time_machine.Coordinates
) -> None:
    """The issue's probe: such a ticket used to read «reaction met, 0 of 480 min»."""
    ticket = deliver(eml("no-r1-data-thunderbird.eml")).ticket
    assert ticket is not None and ticket.status == Status.WAITING_CLIENT
    assert ticket.missing_fields  # the automatic request went out with the receipt
    purposes = list(ticket.messages.values_list("purpose", flat=True))
    assert purposes == ["request", "receipt", "question"]
    # R16: the automatic request is its own event, with no author; no person "asked".
    request = ticket.events.get(type=EventType.DATA_REQUESTED)
    assert request.author is None and request.at == ARRIVED
    assert not ticket.events.filter(type__in=[EventType.ASKED, EventType.ACCEPTED]).exists()

    clock.move_to(msk(2026, 11, 27, 10, 1))  # three working days later, nobody accepted
    sla = _sla(ticket.number or "")
    assert sla["reaction"]["state"] == "paused"  # not "met": nobody of the line has reacted
    assert sla["reaction"]["elapsed_minutes"] == 0
    assert sla["reaction"]["paused_minutes"] == 8 * 60 - 1 + 9 * 60 + 9 * 60 + 60 + 1
    assert sla["resolution"]["state"] == "paused"
    ticket.refresh_from_db()
    assert (ticket.reaction_state, ticket.reaction_due_at) == ("paused", None)


def test_r7_client_answer_resumes_both_clocks_and_an_unaccepted_ticket_breaches(
    demo: None, clock: time_machine.Coordinates
) -> None:
    ticket = deliver(eml("no-r1-data-thunderbird.eml")).ticket
    assert ticket is not None
    clock.move_to(msk(2026, 11, 27, 11, 0))  # Fri: the client sends the data
    assert deliver(_data_reply(ticket)).ticket == ticket
    ticket.refresh_from_db()
    assert ticket.missing_fields == [] and ticket.status == Status.REGISTERED  # to be accepted
    assert ticket.reaction_state == "running"
    # 480 working minutes from Fri 11:00: Fri 7 h + Mon 1 h → Mon 30.11 10:00.
    assert ticket.reaction_due_at == msk(2026, 11, 30, 10, 0)
    assert ticket.events.filter(type=EventType.CLIENT_REPLIED).count() == 1

    clock.move_to(msk(2026, 11, 30, 10, 1))
    sla = _sla(ticket.number or "")
    assert sla["reaction"]["state"] == "breached" and sla["reaction"]["elapsed_minutes"] == 481
    assert sla["resolution"]["elapsed_minutes"] == 481  # resolution resumed with it

    # Accepted late: the reaction stays breached, explained from the events (R11).
    ticket_accept(ticket=ticket, actor=User.objects.get(username="consultant1"))
    events = list(ticket.events.order_by("at", "id"))
    expected = reference(
        "standard",
        msk(2026, 11, 30, 12, 0),
        [(e.at, e.type, None) for e in events],
    )
    clock.move_to(msk(2026, 11, 30, 12, 0))
    sla = _sla(ticket.number or "")
    assert (
        (
            sla["reaction"]["target_minutes"],
            sla["reaction"]["elapsed_minutes"],
        )
        == expected["reaction"]
        == (480, 481)
    )
    assert (
        sla["resolution"]["target_minutes"],
        sla["resolution"]["elapsed_minutes"],
        sla["resolution"]["paused_minutes"],
    ) == expected["resolution"]
    assert sla["reaction"]["state"] == "breached"


def test_r7_acceptance_during_the_data_wait_is_the_reaction_and_resolution_stays_paused(
    demo: None, clock: time_machine.Coordinates
) -> None:
    ticket = deliver(eml("no-r1-data-thunderbird.eml")).ticket
    assert ticket is not None
    consultant = Client()
    consultant.force_login(User.objects.get(username="consultant1"))
    page = consultant.get(f"/desk/tickets/{ticket.number}/").content.decode()
    assert f"/desk/tickets/{ticket.number}/do/accept/" in page  # offered while waiting
    # The pause is explained with its reason (R11).
    assert "ожидание недостающих данных (автоматический запрос)" in page

    clock.move_to(msk(2026, 11, 24, 12, 0))
    response = consultant.post(f"/desk/tickets/{ticket.number}/do/accept/", {"accept-text": ""})
    assert response.status_code == 302, response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_CLIENT  # still waiting for the data
    assert ticket.assignee is not None and ticket.assignee.username == "consultant1"
    assert (ticket.reaction_state, ticket.resolution_state) == ("met", "paused")
    acceptance = ticket.messages.get(purpose=Message.Purpose.ACCEPTANCE)
    assert "будет определён после ответа клиента" in acceptance.body

    clock.move_to(msk(2026, 11, 25, 10, 0))
    deliver(_data_reply(ticket))
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS  # accepted before: back to its consultant
    assert ticket.resolution_state == "running" and ticket.resolution_elapsed_minutes == 0
    sla = _sla(ticket.number or "")
    assert sla["reaction"]["elapsed_minutes"] == 0  # the wait was not the line's time
    assert sla["resolution"]["paused_minutes"] == 8 * 60 - 1 + 60
    # The finished figures keep the pause's reason when frozen (R21).
    live = live_sla(ticket, now=msk(2026, 11, 25, 10, 0))
    assert [i.reason for i in live.reaction.intervals][:1] == ["data_requested"]
    assert thaw(freeze(live)) == live


def test_r7_the_desk_explains_the_reaction_pause_of_the_automatic_request(
    demo: None, clock: time_machine.Coordinates
) -> None:
    ticket = deliver(eml("no-r1-data-thunderbird.eml")).ticket
    assert ticket is not None
    clock.move_to(msk(2026, 11, 24, 15, 0))
    consultant = Client()
    consultant.force_login(User.objects.get(username="consultant1"))
    page = consultant.get(f"/desk/tickets/{ticket.number}/").content.decode()
    reaction = page[page.index('id="clock-1"') : page.index('id="clock-2"')]
    assert "на паузе" in reaction
    assert re.search(r"пауза 4 ч 59 мин[^;]*автоматическ", reaction), reaction
    timeline = page[page.index("Автоматический запрос недостающих данных") :]
    assert "система" in timeline[:400]


def test_r7_a_second_automatic_request_pauses_the_reaction_with_what_it_had_used(
    demo: None, clock: time_machine.Coordinates
) -> None:
    ticket = deliver(eml("no-r1-data-thunderbird.eml")).ticket
    assert ticket is not None
    clock.move_to(msk(2026, 11, 24, 11, 0))
    # The client answers without the data: the clocks resume (R12), nothing is complete yet.
    deliver(_data_reply(ticket, body="Данные пришлю позже, сейчас нет доступа к базе."))
    ticket.refresh_from_db()
    assert (ticket.status, ticket.reaction_state) == (Status.REGISTERED, "running")
    clock.move_to(msk(2026, 11, 24, 12, 0))
    # Then only the registration number arrives: the rest is asked for again, automatically.
    deliver(_data_reply(ticket, n=2, body="Рег. номер: 800123456"))
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_CLIENT
    assert ticket.events.filter(type=EventType.DATA_REQUESTED).count() == 2
    assert (ticket.reaction_state, ticket.reaction_elapsed_minutes) == ("paused", 60)
    consultant = Client()
    consultant.force_login(User.objects.get(username="consultant1"))
    queue = consultant.get("/desk/").content.decode()
    row = queue[queue.index(f'id="q-{ticket.number}"') :]
    row = row[: row.index("</tr>")]
    assert row.count("на паузе") == 2 and "осталось 7 ч" in row  # reaction: 8 h - 1 h used


def test_r7_a_persons_question_during_the_data_wait_is_the_reaction(
    demo: None, clock: time_machine.Coordinates
) -> None:
    from supportline.tickets.actions.lifecycle import ticket_ask
    from supportline.tickets.errors import TransitionError

    ticket = deliver(eml("no-r1-data-thunderbird.eml")).ticket
    assert ticket is not None
    clock.move_to(msk(2026, 11, 24, 11, 1))
    consultant = User.objects.get(username="consultant1")
    ticket_ask(ticket=ticket, actor=consultant, text="И пришлите, пожалуйста, снимок экрана.")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.reaction_state, ticket.resolution_state) == (
        Status.WAITING_CLIENT,
        "met",
        "paused",
    )
    assert ticket.reaction_elapsed_minutes == 0
    # Once someone has reacted, the line waits for the client like after any question.
    with pytest.raises(TransitionError):
        ticket_ask(ticket=ticket, actor=consultant, text="Ещё вопрос")
    with pytest.raises(TransitionError):
        ticket_accept(ticket=ticket, actor=consultant)
