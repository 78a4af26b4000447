"""R14: FIFO by registration, Operational out of turn; take-next hands out distinct tickets."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from supportline.accounts.models import Role, User
from supportline.tickets.actions.queue import queue_take_next
from supportline.tickets.models import Ticket
from tests.tickets.conftest import Line, msk


def test_r14_queue_is_fifo_with_operational_out_of_turn(line: Line) -> None:
    first = line.ticket(
        line.consultant, channel="phone", registered_at=msk(2026, 11, 24, 9, 0).isoformat()
    )["number"]
    second = line.ticket(
        line.consultant, channel="phone", registered_at=msk(2026, 11, 24, 9, 30).isoformat()
    )["number"]
    urgent = line.ticket()["number"]
    line.consultant.post(
        f"/tickets/{urgent}/change-level",
        {"level": "operational", "reason": "Не проводятся документы"},
    )
    order = [t["number"] for t in line.consultant.get("/queue").json()]
    assert order == [urgent, first, second]
    assert line.consultant.get("/queue").json()[0]["out_of_turn"] is True


def test_r14_take_next_gives_the_next_ticket_and_404_when_empty(line: Line) -> None:
    first = line.ticket(
        line.consultant, channel="phone", registered_at=msk(2026, 11, 24, 9, 0).isoformat()
    )["number"]
    second = line.ticket()["number"]
    taken = line.consultant.post("/queue/take").json()
    assert taken["number"] == first
    assert taken["assignee"] == "Иван Консультантов"
    assert line.consultant2.post("/queue/take").json()["number"] == second
    empty = line.consultant.post("/queue/take")
    assert empty.status_code == 404
    assert empty.json()["detail"] == "Очередь пуста"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_r14_concurrent_take_next_hands_each_consultant_a_different_ticket() -> None:
    """Eight consultants press «take next» at once on PostgreSQL (SKIP LOCKED)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks with SKIP LOCKED are proved on PostgreSQL (make test's second pass)")
    from supportline.core.demo import load_demo
    from supportline.tickets.actions.registration import ticket_register
    from supportline.tickets.intake import IntakeData
    from tests.tickets.conftest import NOW

    load_demo(today=NOW.date())
    consultants = [
        User.objects.create_user(f"c{i}", role=Role.CONSULTANT, first_name="К", last_name=str(i))
        for i in range(8)
    ]
    client = User.objects.get(username="client")
    for i in range(5):
        ticket_register(
            actor=client,
            channel="portal",
            data=IntakeData(
                subject=f"Вопрос {i}",
                body="Текст",
                registration_number="800123456",
                organisation="ООО «Ромашка»",
                configuration="1С:CRM ПРОФ, редакция 3.0",
                version="3.0.36.12",
            ),
            registered_at=msk(2026, 11, 24, 9, i),
            now=msk(2026, 11, 24, 9, i),
        )
    barrier = threading.Barrier(len(consultants))
    results: dict[str, str | None] = {}
    errors: list[BaseException] = []

    def take(user: User) -> None:
        try:
            barrier.wait()
            ticket = queue_take_next(actor=user, now=NOW)
            results[user.username] = ticket.number if ticket else None
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=take, args=(u,)) for u in consultants]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    taken = [n for n in results.values() if n is not None]
    assert len(taken) == 5
    assert len(set(taken)) == 5  # nobody got a ticket twice
    assert list(results.values()).count(None) == 3
    owners = dict(Ticket.objects.values_list("number", "assignee__username"))
    for username, number in results.items():
        if number is not None:
            assert owners[number] == username
