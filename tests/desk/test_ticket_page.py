"""The ticket page: conversation, contracts at a glance, timeline (R16), SLA explained (R11)."""

from __future__ import annotations

import re
from typing import Any

import time_machine

from supportline.core import rules
from supportline.tickets.actions.escalation import ticket_change_level
from supportline.tickets.actions.lifecycle import ticket_accept, ticket_ask, ticket_client_reply
from supportline.tickets.models import Ticket
from tests.desk.conftest import Desk, html, msk


def _text(page: str) -> str:
    """The page as a reader sees it: tags dropped, spaces squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _history(desk: Desk, clock: time_machine.Coordinates) -> Ticket:
    """Registered Mon 08:00 (before hours), accepted 11:00, asked 12:00, answered by the client
    14:00, confirmed critical 14:00; it is now Tue 24.11 10:00."""
    clock.move_to(msk(2026, 11, 23, 8, 0))
    ticket = desk.ticket()
    clock.move_to(msk(2026, 11, 23, 11, 0))
    ticket_accept(ticket=ticket, actor=desk.consultant.user)
    clock.move_to(msk(2026, 11, 23, 12, 0))
    ticket_ask(ticket=ticket, actor=desk.consultant.user, text="Какой у вас релиз?")
    clock.move_to(msk(2026, 11, 23, 14, 0))
    ticket_client_reply(ticket=ticket, actor=desk.client.user, text="3.0.36.12")
    ticket_change_level(
        ticket=ticket,
        actor=desk.consultant.user,
        level="operational",
        reason="Критическая ошибка подтверждена",
    )
    clock.move_to(msk(2026, 11, 24, 10, 0))
    return ticket


def test_r11_ticket_page_explains_the_due_time(desk: Desk, clock: time_machine.Coordinates) -> None:
    ticket = _history(desk, clock)
    text = _text(html(desk.consultant.get(f"/desk/tickets/{ticket.number}/")))
    # Where the count starts (R9): registered before hours, counted from 09:00.
    assert "Зарегистрировано: 23.11.2026 08:00 МСК" in text
    assert "отсчёт с 23.11.2026 09:00 МСК" in text
    # Resolution: 8 working hours of the Operational level from registration (R10), minus the
    # 2-hour wait for the client (R12): 3 h + 5 h used → due now.
    assert (
        "8 ч рабочего времени (уровень «Оперативная поддержка») от регистрации "
        "23.11.2026 08:00 МСК" in text
    )
    assert "пауза 2 ч — ожидание ответа клиента не считается" in text
    assert (
        "уровень изменён 23.11.2026 14:00 МСК: «Стандартная поддержка» → «Оперативная поддержка»"
        in text
    )
    assert "использовано 8 ч из 8 ч, осталось 0 мин → срок 24.11.2026 10:00 МСК" in text
    # The paused interval, from → to, with its working time.
    assert "пауза: ожидание ответа клиента 23.11.2026 12:00 МСК 23.11.2026 14:00 МСК 2 ч" in text
    # The level change: when, from → to, who, why.
    assert (
        "23.11.2026 14:00 МСК Стандартная поддержка → Оперативная поддержка "
        "Иван Консультантов Критическая ошибка подтверждена" in text
    )
    # Reaction: the acceptance at 11:00 stopped it after 2 working hours of 4.
    assert "выполнено: использовано 2 ч из 4 ч" in text


def test_r9_ticket_page_names_the_holidays_that_move_the_due_time(
    desk: Desk, clock: time_machine.Coordinates
) -> None:
    clock.move_to(msk(2026, 11, 2, 10, 0))  # Mon; Tue 3.11 is short, Wed 4.11 a holiday
    ticket = desk.ticket()
    text = _text(html(desk.consultant.get(f"/desk/tickets/{ticket.number}/")))
    # 24 h: Mon 8 h + Tue 8 h (to 17:00) + Thu 8 h → Thu 5.11 17:00.
    assert "срок 05.11.2026 17:00 МСК" in text
    assert "03.11.2026 — сокращённый день (до 17:00)" in text
    assert "04.11.2026 — праздник" in text


def test_ticket_page_shows_the_conversation_and_the_timeline_with_authors(
    desk: Desk, clock: time_machine.Coordinates
) -> None:
    ticket = _history(desk, clock)
    text = _text(html(desk.consultant.get(f"/desk/tickets/{ticket.number}/")))
    assert "При формировании отчёта «Воронка продаж» программа выдаёт ошибку." in text
    assert "Какой у вас релиз?" in text
    assert "принято к обслуживанию" in text
    # R16: every event with its author and Moscow time.
    assert "23.11.2026 08:00 МСК — Зарегистрировано · Светлана Клиентова" in text
    assert "23.11.2026 11:00 МСК — Принято в работу · Иван Консультантов" in text
    assert "23.11.2026 14:00 МСК — Ответ клиента · Светлана Клиентова" in text
    assert (
        "23.11.2026 11:00 МСК — Назначен исполнитель · Иван Консультантов исполнитель: Иван Консультантов"
        in text
    )


def test_r2_ticket_page_shows_the_clients_contracts_at_a_glance(desk: Desk) -> None:
    ok = desk.ticket()
    text = _text(html(desk.consultant.get(f"/desk/tickets/{ok.number}/")))
    assert "Регистрационный номер 800123456" in text
    assert "основная поставка · владелец: ООО «Ромашка»" in text
    assert "1С:ИТС ITS-800123456 01.11.2025 – 01.11.2027 ✔ действует" in text
    assert "✔ оба договора действовали" in text

    vector = desk.ticket(
        channel="email", registration_number="800654321", organisation="АО «Вектор»"
    )
    page = html(desk.consultant.get(f"/desk/tickets/{vector.number}/"))
    text = _text(page)
    assert "1С:КП Отраслевой KP_OTRASLEVOY-800654321 01.11.2025 – 15.10.2026 ✖ истёк" in text
    assert '<span class="bad">✖ истёк</span>' in page
    assert "✖ не хватало: договор 1С:КП Отраслевой" in text


def test_ticket_page_query_count_is_fixed(
    desk: Desk, clock: time_machine.Coordinates, django_assert_num_queries: Any
) -> None:
    ticket = _history(desk, clock)
    rules.calendar()  # built from the database at most once a minute: not this page's cost
    # Session, user, ticket with its joins, contracts, events, messages (their attachments
    # only when one has files), the people the events and messages name (authors and
    # assignees in one), complaints; internal
    # notes and the reply templates (issue 14 §4, §5); the links panel (merged into,
    # duplicates, related: one query, issue 14 §6). The eligibility comes from the contracts
    # read; the assign and transfer choices load with their forms (issue 15).
    with django_assert_num_queries(11):
        response = desk.consultant.get(f"/desk/tickets/{ticket.number}/")
    assert response.status_code == 200


def test_unknown_ticket_is_404(desk: Desk) -> None:
    assert desk.consultant.get("/desk/tickets/CRM-999999/").status_code == 404


def test_closed_ticket_offers_no_actions(desk: Desk) -> None:
    refused = desk.ticket(
        channel="email", registration_number="800654321", organisation="АО «Вектор»"
    )
    page = html(desk.consultant.get(f"/desk/tickets/{refused.number}/"))
    assert "Обращение закрыто: действий нет." in page
    assert "/do/" not in page


def test_the_clients_words_typed_in_by_the_line_are_named_by_the_contact(desk: Desk) -> None:
    """Walk-through: a phone ticket's first message is the client's, not the consultant's —
    named by the contact, with who wrote it down."""
    from supportline.tickets.models import Message

    ticket = desk.ticket(channel="phone", contact_name="Мария Петрова")
    page = html(desk.consultant.get(f"/desk/tickets/{ticket.number}/"))
    assert "<strong>Мария Петрова</strong>" in page.split('class="msg-head"', 2)[1]
    # A letter the consultant forwarded by hand: the client's, written down by them.
    Message.objects.filter(ticket=ticket, author_kind="client").update(author=desk.consultant.user)
    head = html(desk.consultant.get(f"/desk/tickets/{ticket.number}/")).split(
        'class="msg-head"', 2
    )[1]
    assert "<strong>Мария Петрова</strong>" in head and "записал(а)" in head


def test_the_page_shows_its_notes_with_mentions_and_its_complaints(desk: Desk) -> None:
    """The notes (with whom they mention) and the complaints about the ticket, each read by a
    statement compiled once (issue 15): shown as before, complaints to the supervisor only."""
    from supportline.tickets.actions.complaints import complaint_file
    from supportline.tickets.actions.notes import note_add

    ticket = desk.ticket()
    other = desk.ticket()
    note_add(ticket=ticket, actor=desk.consultant.user, text="Посмотри, @consultant2")
    complaint = complaint_file(
        actor=desk.client.user,
        subject="Долго отвечают",
        text="Текст",
        ticket_numbers=[ticket.number],
    )
    page = _text(html(desk.supervisor.get(f"/desk/tickets/{ticket.number}/")))
    assert "Посмотри, @consultant2" in page
    mentioned = desk.consultant2.user.get_full_name() or desk.consultant2.user.username
    assert f"упомянуты: {mentioned}" in page
    assert f"{complaint.number} — Долго отвечают" in page
    assert "Долго отвечают" not in html(desk.consultant.get(f"/desk/tickets/{ticket.number}/"))
    elsewhere = _text(html(desk.supervisor.get(f"/desk/tickets/{other.number}/")))
    assert "Посмотри" not in elsewhere and "Долго отвечают" not in elsewhere
