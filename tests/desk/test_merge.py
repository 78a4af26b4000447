"""Issue 14 §6: merging a duplicate into another ticket, linking related tickets (R16 keeps
both logs; the duplicate's clocks stop — R7, R8)."""

from __future__ import annotations

import time_machine

from supportline.tickets.actions.lifecycle import ticket_accept
from supportline.tickets.clock import ticket_sla
from supportline.tickets.models import EventType, Message, Status, Ticket
from tests.desk.conftest import Desk, html, msk


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def merge(desk: Desk, duplicate: Ticket, into: Ticket, reason: str = "Тот же вопрос") -> object:
    return desk.consultant.post(
        f"/desk/tickets/{duplicate.number}/merge/",
        {"merge-into": into.number, "merge-reason": reason},
    )


def test_merge_moves_messages_closes_the_duplicate_with_a_link_and_logs_both(
    desk: Desk, clock: time_machine.Coordinates
) -> None:
    kept = desk.ticket(channel="email", subject="Отчёт по воронке не формируется")
    duplicate = desk.ticket(channel="phone", subject="Звонок: отчёт по воронке")
    moved = set(duplicate.messages.values_list("pk", flat=True))
    assert moved
    clock.shift(600)
    response = merge(desk, duplicate, kept)
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert response["Location"] == f"/desk/tickets/{kept.number}/"  # type: ignore[index]
    duplicate, kept = fresh(duplicate), fresh(kept)
    assert duplicate.status == Status.CLOSED and duplicate.merged_into == kept
    assert moved <= set(kept.messages.values_list("pk", flat=True))
    # The client of the duplicate is told where the answer will come.
    notice = duplicate.messages.get()
    assert notice.purpose == Message.Purpose.NOTICE and kept.number in notice.body
    assert duplicate.events.filter(type=EventType.MERGED, data__into=kept.number).exists()
    merged_in = kept.events.get(type=EventType.MERGED_IN)
    assert merged_in.data["duplicate"] == duplicate.number
    assert set(merged_in.data["moved"]) == moved
    # The duplicate's own earlier events are still in its log (R16).
    assert duplicate.events.filter(type=EventType.REGISTERED).exists()
    # Both pages say so.
    page = html(desk.consultant.get(f"/desk/tickets/{duplicate.number}/"))
    assert 'id="merged-into"' in page and kept.number in page
    assert "Объединено с другим обращением" in page
    page = html(desk.consultant.get(f"/desk/tickets/{kept.number}/"))
    assert 'id="merged-duplicates"' in page and duplicate.number in page
    assert "перенесено сообщений" in page


def test_r7_r8_the_merged_duplicates_clocks_stop_and_stay_frozen(
    desk: Desk, clock: time_machine.Coordinates
) -> None:
    kept = desk.ticket(channel="email")
    duplicate = desk.ticket(channel="phone")
    clock.shift(3600)
    merge(desk, duplicate, kept)
    duplicate = fresh(duplicate)
    assert duplicate.sla_frozen is not None
    at_merge = ticket_sla(duplicate, now=msk(2026, 11, 24, 11, 0))
    clock.shift(5 * 24 * 3600)
    later = ticket_sla(fresh(duplicate), now=msk(2026, 11, 30, 11, 0))
    assert later.reaction.elapsed_minutes == at_merge.reaction.elapsed_minutes == 60
    assert later.resolution.state.value == "met" and later.reaction.state.value == "met"


def test_merge_refuses_another_clients_ticket_itself_and_a_closed_target(desk: Desk) -> None:
    ours = desk.ticket(channel="phone")
    theirs = desk.ticket(
        channel="email", registration_number="800654321", organisation="АО «Вектор»"
    )
    response = merge(desk, ours, theirs)
    assert response.status_code == 302  # type: ignore[attr-defined]
    page = html(desk.consultant.get(f"/desk/tickets/{ours.number}/"))
    assert "разные организации или партнёры" in page
    assert fresh(ours).status == Status.REGISTERED
    merge(desk, ours, ours)
    assert "с самим собой" in html(desk.consultant.get(f"/desk/tickets/{ours.number}/"))
    kept = desk.ticket(channel="email")
    merge(desk, ours, kept)
    # A closed duplicate cannot be merged again, nor merged into.
    other = desk.ticket(channel="email")
    merge(desk, other, ours)
    assert "закрыто" in html(desk.consultant.get(f"/desk/tickets/{other.number}/"))
    assert fresh(other).status == Status.REGISTERED
    merge(desk, ours, other)
    assert fresh(ours).merged_into == kept


def test_merge_of_an_unknown_or_invisible_ticket_says_not_found(desk: Desk) -> None:
    ticket = desk.ticket()
    desk.consultant.post(f"/desk/tickets/{ticket.number}/merge/", {"merge-into": "CRM-999999"})
    page = html(desk.consultant.get(f"/desk/tickets/{ticket.number}/"))
    assert "Обращение CRM-999999 не найдено" in page


def test_link_both_ways_with_events_and_unlink(desk: Desk) -> None:
    a = desk.ticket(subject="Воронка продаж: ошибка")
    b = desk.ticket(subject="Воронка продаж: вопрос про фильтр")
    response = desk.consultant.post(f"/desk/tickets/{a.number}/link/", {"link-other": b.number})
    assert response.status_code == 302
    assert b.number in html(desk.consultant.get(f"/desk/tickets/{a.number}/"))
    page = html(desk.consultant.get(f"/desk/tickets/{b.number}/"))
    assert 'id="related-tickets"' in page and a.number in page
    # The linked ticket's subject and its status in words.
    related = page.split('id="related-tickets"', 1)[1].split("</ul>", 1)[0]
    assert "Воронка продаж: ошибка" in related
    assert f"({fresh(a).get_status_display()})" in related and "(registered)" not in related
    assert a.events.filter(type=EventType.LINKED, data__other=b.number).exists()
    assert b.events.filter(type=EventType.LINKED, data__other=a.number).exists()
    # Linking twice changes nothing.
    desk.consultant.post(f"/desk/tickets/{a.number}/link/", {"link-other": b.number})
    assert a.events.filter(type=EventType.LINKED).count() == 1
    desk.consultant.post(f"/desk/tickets/{a.number}/unlink/{b.number}/")
    assert not fresh(a).related_tickets.exists()
    assert b.events.filter(type=EventType.UNLINKED).exists()


def test_access_matrix_of_merge_link_unlink(desk: Desk) -> None:
    """Clients and partners 403; a methodologist 404 on a ticket it cannot see and no merge
    (the line's act); anonymous to the login page; GET is 405."""
    a = desk.ticket(channel="phone")
    b = desk.ticket(channel="email")
    ticket_accept(ticket=b, actor=desk.consultant.user)
    paths = {
        f"/desk/tickets/{a.number}/merge/": {"merge-into": b.number},
        f"/desk/tickets/{a.number}/link/": {"link-other": b.number},
        f"/desk/tickets/{a.number}/unlink/{b.number}/": {},
    }
    for path, data in paths.items():
        for outsider in (desk.client, desk.partner, desk.client_b):
            assert outsider.post(path, data).status_code == 403, path
        assert desk.methodologist.post(path, data).status_code == 404, path
        assert desk.developer.post(path, data).status_code == 404, path
        assert desk.consultant.get(path).status_code == 405, path
        from django.test import Client

        anonymous = Client().post(path, data)
        assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert fresh(a).status == Status.REGISTERED and not fresh(a).related_tickets.exists()
    # The supervisor and the administrator may merge (the line's act).
    assert desk.supervisor.post(*paths.popitem()).status_code == 302
    response = desk.supervisor.post(f"/desk/tickets/{a.number}/merge/", {"merge-into": b.number})
    assert response.status_code == 302 and fresh(a).merged_into_id == b.pk
