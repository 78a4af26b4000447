"""R13 on the desk: the queue filters tickets waiting for the client's evaluation (and those the
client rejected), and the ticket page shows the rating with its comment or the rejection."""

from __future__ import annotations

import re

import time_machine

from supportline.tickets.actions.lifecycle import (
    ticket_answer,
    ticket_evaluate,
    ticket_resolve,
)
from tests.desk.conftest import Desk, html, msk


def _numbers(page: str) -> set[str]:
    return set(re.findall(r'href="/desk/tickets/([A-Z]+-\d+)/"', page))


def test_r13_queue_filter_shows_tickets_waiting_for_the_clients_evaluation(
    desk: Desk, clock: time_machine.Coordinates
) -> None:
    waiting = desk.ticket(subject="Ждёт оценки")
    ticket_answer(ticket=waiting, actor=desk.consultant.user, text="Ответ")
    ticket_resolve(ticket=waiting, actor=desk.consultant.user)
    working = desk.ticket(subject="В работе")
    rejected = desk.ticket(subject="Отклонён")
    ticket_answer(ticket=rejected, actor=desk.consultant.user, text="Ответ")
    ticket_resolve(ticket=rejected, actor=desk.consultant.user)
    ticket_evaluate(ticket=rejected, actor=desk.client.user, accepted=False, comment="Не помогло")

    queue = html(desk.consultant.get("/desk/"))
    assert "?evaluation=waiting" in queue  # offered on the queue page
    assert waiting.number not in _numbers(queue)  # the default queue: the line's work
    page = html(desk.consultant.get("/desk/", {"evaluation": "waiting"}))
    assert _numbers(page) == {waiting.number}
    # The row says until when the client may evaluate (then it closes by itself, R13).
    assert "до 27.11.2026 18:00 МСК" in page
    page = html(desk.consultant.get("/desk/", {"evaluation": "rejected"}))
    assert _numbers(page) == {rejected.number}
    assert working.number not in _numbers(page)
    rows = html(desk.consultant.get("/desk/queue/rows/", {"evaluation": "waiting"}))
    assert _numbers(rows) == {waiting.number}


def test_r13_the_ticket_page_shows_the_rating_and_its_comment(desk: Desk) -> None:
    ticket = desk.ticket()
    ticket_answer(ticket=ticket, actor=desk.consultant.user, text="Ответ")
    ticket_resolve(ticket=ticket, actor=desk.consultant.user)
    page = html(desk.consultant.get(f"/desk/tickets/{ticket.number}/"))
    assert "Ждёт оценки клиента" in page and "27.11.2026 18:00 МСК" in page
    ticket_evaluate(
        ticket=ticket,
        actor=desk.client.user,
        accepted=True,
        rating=3,
        comment="Помогло, но долго",
    )
    page = html(desk.consultant.get(f"/desk/tickets/{ticket.number}/"))
    head = page[page.index('id="evaluation"') :][:500]
    assert "Оценка клиента" in head and "3 из 5" in head and "«Помогло, но долго»" in head


def test_r13_the_ticket_page_shows_the_rejection_with_its_reason(desk: Desk) -> None:
    ticket = desk.ticket()
    ticket_answer(ticket=ticket, actor=desk.consultant.user, text="Ответ")
    ticket_resolve(ticket=ticket, actor=desk.consultant.user)
    ticket_evaluate(ticket=ticket, actor=desk.client.user, accepted=False, comment="Отчёт пустой")
    page = html(desk.consultant.get(f"/desk/tickets/{ticket.number}/"))
    head = page[page.index('id="evaluation"') :][:500]
    assert "Клиент отклонил ответ" in head and "«Отчёт пустой»" in head
    assert msk(2026, 11, 24, 10, 0).strftime("%d.%m.%Y") in head


def test_r13_a_portal_message_during_evaluation_rejects_and_the_portal_says_so(
    desk: Desk,
) -> None:
    ticket = desk.ticket()
    ticket_answer(ticket=ticket, actor=desk.consultant.user, text="Ответ")
    ticket_resolve(ticket=ticket, actor=desk.consultant.user)
    page = html(desk.client.get(f"/portal/tickets/{ticket.number}/"))
    assert "вернёт обращение в работу как несогласие с ответом" in page
    response = desk.client.post(
        f"/portal/tickets/{ticket.number}/reply/", {"text": "Отчёт всё равно пустой"}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"
    notices = desk.consultant.user.notifications.filter(ticket=ticket)
    assert [n.text for n in notices] == [
        f"Клиент отклонил ответ по обращению {ticket.number} «{ticket.subject}»: "
        "Отчёт всё равно пустой"
    ]
