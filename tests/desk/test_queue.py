"""The queue (R14) with both clocks as remaining working time (R11), filters, live refresh."""

from __future__ import annotations

import re
from typing import Any

import time_machine

from supportline.core import rules
from supportline.tickets.actions.escalation import ticket_change_level
from supportline.tickets.actions.lifecycle import (
    ticket_accept,
    ticket_answer,
    ticket_ask,
    ticket_resolve,
)
from supportline.tickets.models import Ticket
from tests.desk.conftest import Desk, html, msk


def _order(page: str) -> list[str]:
    return re.findall(r'href="/desk/tickets/([A-Z]+-\d+)/"', page)


def _row(page: str, number: str) -> str:
    """The table row of one ticket."""
    match = re.search(
        rf'<tr class="row-\w+">\s*<th scope="row"[^>]*><a [^>]*href="/desk/tickets/{number}/".*?</tr>',
        page,
        re.S,
    )
    assert match, number
    return match.group(0)


def test_r14_queue_in_regulation_order(desk: Desk) -> None:
    first = desk.ticket(channel="email", at=msk(2026, 11, 24, 9, 0))
    second = desk.ticket(channel="email", at=msk(2026, 11, 24, 9, 30))
    urgent = desk.ticket()
    ticket_change_level(
        ticket=urgent, actor=desk.consultant.user, level="operational", reason="Не проводятся"
    )
    page = html(desk.consultant.get("/desk/"))
    assert _order(page) == [urgent.number, first.number, second.number]
    assert "вне очереди" in _row(page, urgent.number)
    assert "вне очереди" not in _row(page, first.number)


def test_r14_closed_and_evaluated_tickets_leave_the_queue(desk: Desk) -> None:
    ticket = desk.ticket()
    ticket_answer(ticket=ticket, actor=desk.consultant.user, text="Ответ")
    ticket_resolve(ticket=ticket, actor=desk.consultant.user)
    refused = desk.ticket(
        channel="email", registration_number="800654321", organisation="АО «Вектор»"
    )
    assert refused.status == "refused"
    page = html(desk.consultant.get("/desk/"))
    assert ticket.number not in page and refused.number not in page
    assert "Очередь пуста" in page
    # The client-evaluation tickets can still be chosen with the status filter.
    page = html(desk.consultant.get("/desk/", {"status": "client_evaluation"}))
    assert ticket.number in page


def test_r11_queue_shows_remaining_working_time_and_the_state_in_words(
    desk: Desk, clock: time_machine.Coordinates
) -> None:
    ticket = desk.ticket()  # Tue 24.11 10:00, standard: reaction 8 h, resolution 24 h
    row = _row(html(desk.consultant.get("/desk/")), ticket.number)
    assert "в срок" in row
    assert "осталось 8 ч" in row
    assert "осталось 24 ч" in row
    assert "24.11.2026 18:00 МСК" in row  # reaction due: 8 working hours later

    clock.move_to(msk(2026, 11, 24, 16, 0))  # 6 h of 8 used: the warning share (0.75)
    row = _row(html(desk.consultant.get("/desk/")), ticket.number)
    assert 'class="sla sla-at_risk"' in row
    assert "под угрозой" in row and "осталось 2 ч" in row

    clock.move_to(msk(2026, 11, 25, 10, 30))  # 9 h 30 min used: breached 1 h 30 min ago
    row = _row(html(desk.consultant.get("/desk/")), ticket.number)
    assert 'class="sla sla-breached"' in row
    assert "нарушено" in row and "просрочено на 1 ч 30 мин" in row
    assert 'class="row-breached"' in row


def test_r12_paused_clock_is_shown_as_paused(desk: Desk) -> None:
    ticket = desk.ticket()
    ticket_ask(ticket=ticket, actor=desk.consultant.user, text="Какой релиз?")
    row = _row(html(desk.consultant.get("/desk/")), ticket.number)
    assert "выполнено" in row  # the question was the reaction (R7)
    assert 'class="sla sla-paused"' in row and "на паузе" in row


def test_r14_queue_filters(desk: Desk) -> None:
    mine = desk.ticket(subject="Мой вопрос")
    ticket_accept(ticket=mine, actor=desk.consultant.user)
    theirs = desk.ticket(subject="Вопрос коллеги")
    ticket_accept(ticket=theirs, actor=desk.consultant2.user)
    free = desk.ticket(channel="email", subject="Звонок")
    urgent = desk.ticket(subject="Срочно")
    ticket_change_level(
        ticket=urgent, actor=desk.consultant.user, level="operational", reason="Критично"
    )

    def numbers(**params: Any) -> set[str]:
        return set(_order(html(desk.consultant.get("/desk/", params))))

    assert numbers(who="mine") == {mine.number}
    assert numbers(who="unassigned") == {free.number, urgent.number}
    assert numbers(level="operational") == {urgent.number}
    assert numbers(status="accepted") == {mine.number, theirs.number}
    assert numbers(channel="email") == {free.number}
    assert numbers(who="unassigned", channel="portal") == {urgent.number}
    # A wrong filter value is ignored, not an error.
    assert numbers(level="nonsense") == {mine.number, theirs.number, free.number, urgent.number}


def test_r11_queue_query_count_does_not_grow_with_the_tickets(
    desk: Desk, django_assert_num_queries: Any
) -> None:
    for i in range(6):
        ticket = desk.ticket(subject=f"Вопрос {i}")
        if i % 2:
            ticket_accept(ticket=ticket, actor=desk.consultant.user)
    rules.calendar()  # built from the database at most once a minute: not this page's cost
    # Session, user, the tickets with their assignee and organisation, the unread markers
    # (issue 14 §7): nothing per row.
    with django_assert_num_queries(4):
        response = desk.consultant.get("/desk/queue/rows/")
    assert len(_order(html(response))) == 6
    # The full page also lists the assignees of the bulk form (issue 14 §8).
    with django_assert_num_queries(5):
        desk.consultant.get("/desk/", {"who": "mine", "level": "standard"})


def test_htmx_fragment_returns_only_the_table(desk: Desk) -> None:
    ticket = desk.ticket()
    response = desk.consultant.get(
        "/desk/queue/rows/", {"who": "unassigned"}, HTTP_HX_REQUEST="true"
    )
    body = html(response)
    assert response.status_code == 200
    assert "<html" not in body and "<nav" not in body and "<form" not in body
    assert '<table class="queue">' in body and ticket.number in body
    # The live count goes to the status line out of band; the address bar keeps the filters.
    assert 'hx-swap-oob="innerHTML:#queue-status"' in body
    assert response["HX-Replace-Url"] == "/desk/?who=unassigned"


def test_queue_page_refreshes_itself_every_30_seconds(desk: Desk) -> None:
    page = html(desk.consultant.get("/desk/"))
    assert 'hx-get="/desk/queue/rows/"' in page
    assert 'hx-trigger="every 30s"' in page
    assert 'hx-include="#queue-filters"' in page
    assert 'aria-live="polite"' in page
    # The filter form works without JavaScript (GET) and re-fetches the table with htmx.
    assert 'id="queue-filters"' in page and 'hx-target="#queue-rows"' in page
    assert '<label>Исполнитель <select name="who"' in page


def test_r14_take_next_hands_out_the_next_ticket(desk: Desk) -> None:
    first = desk.ticket(channel="email", at=msk(2026, 11, 24, 9, 0))
    second = desk.ticket()
    response = desk.consultant.post("/desk/queue/take/")
    assert response.status_code == 302
    assert response["Location"] == f"/desk/tickets/{first.number}/"
    page = html(desk.consultant.get(response["Location"]))
    assert f"Вам назначено обращение {first.number}" in page
    assert Ticket.objects.get(pk=first.pk).assignee == desk.consultant.user

    response = desk.consultant2.post("/desk/queue/take/")
    assert response["Location"] == f"/desk/tickets/{second.number}/"
    assert Ticket.objects.get(pk=second.pk).assignee == desk.consultant2.user


def test_r14_take_next_on_an_empty_queue_says_so(desk: Desk) -> None:
    response = desk.consultant.post("/desk/queue/take/", follow=True)
    assert response.redirect_chain == [("/desk/", 302)]
    assert "Очередь пуста" in html(response)


def test_take_next_refused_to_a_methodologist_in_russian(desk: Desk) -> None:
    desk.ticket()
    response = desk.methodologist.post("/desk/queue/take/", follow=True)
    assert "Недостаточно прав: брать обращения из очереди" in html(response)
    assert Ticket.objects.filter(assignee__isnull=False).count() == 0


def test_r12_paused_ticket_shows_what_is_left_of_its_resolution_time(
    desk: Desk, clock: time_machine.Coordinates
) -> None:
    ticket = desk.ticket()  # Tue 24.11.2026 10:00, resolution target 24 working hours
    clock.move_to(msk(2026, 11, 24, 12, 30))
    ticket_ask(ticket=ticket, actor=desk.consultant.user, text="Уточните версию платформы")
    clock.move_to(msk(2026, 11, 26, 15, 0))  # two days later, still waiting
    row = _row(html(desk.consultant.get("/desk/")), ticket.number)
    assert "на паузе" in row
    assert "осталось 21 ч 30 мин" in row  # 24 h − 2 h 30 min used before the question


def test_r14_the_lines_first_page_compiled_once_is_the_querysets_page(desk: Desk) -> None:
    """Issue 15: the unfiltered first page the line opens is a statement compiled once; it
    gives the same rows, in the same R14 order, and the same cursor as the filtered path."""
    from django.utils import timezone

    from supportline.desk.selectors.queue import (
        QUEUE_PAGE,
        QueueFilters,
        queue_page,
        queue_tickets,
    )
    from supportline.tickets import paging

    made = [desk.ticket(channel="email", at=msk(2026, 11, 24, 9, i)) for i in range(QUEUE_PAGE + 2)]
    ticket_change_level(
        ticket=made[-1], actor=desk.consultant.user, level="operational", reason="Не проводятся"
    )
    for person in (desk.consultant, desk.supervisor):
        fast = queue_page(person.user, QueueFilters(), timezone.now())
        rows, following = paging.page(
            queue_tickets(person.user, QueueFilters()), paging.QUEUE, None, QUEUE_PAGE
        )
        assert [r.ticket.number for r in fast.rows] == [t.number for t in rows]
        assert fast.rows[0].ticket.number == made[-1].number  # out of turn first
        assert fast.next_cursor == following and following is not None
        assert fast.rows[0].organisation == rows[0].organisation.name
    # Someone who does not see every ticket takes the filtered path: the client sees its own.
    own = queue_page(desk.client.user, QueueFilters(), timezone.now())
    assert {r.ticket.organisation_id for r in own.rows} <= {desk.client.user.organisation_id}
