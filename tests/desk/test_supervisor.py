"""The supervisor's view: SLA board (R11), complaints (R20), registries, calendar (R9)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import time_machine

from supportline.core import rules
from supportline.tickets.actions.complaints import complaint_answer, complaint_file
from supportline.tickets.actions.escalation import ticket_assign, ticket_change_level
from supportline.tickets.models import Complaint
from tests.desk.conftest import Desk, html, msk


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _section(page: str, heading: str) -> str:
    start = page.index(heading)
    end = page.find("</section>", start)
    return page[start:end]


def _board_tickets(desk: Desk, clock: time_machine.Coordinates) -> dict[str, Any]:
    """Now Tue 24.11 10:00. `late` waits since Mon 09:00 (reaction 8 h: breached), `risky`
    was confirmed critical on Mon 16:00 (reaction 4 h: 3 h used, at risk), `calm` is fresh."""
    clock.move_to(msk(2026, 11, 23, 9, 0))
    late = desk.ticket(channel="email", subject="Давний вопрос")  # stored: running, due 17:00
    clock.move_to(msk(2026, 11, 23, 16, 0))
    risky = desk.ticket(subject="Документы не проводятся")
    ticket_change_level(
        ticket=risky, actor=desk.consultant.user, level="operational", reason="Критично"
    )
    ticket_assign(ticket=risky, actor=desk.supervisor.user, assignee=desk.consultant2.user)
    clock.move_to(msk(2026, 11, 24, 10, 0))
    calm = desk.ticket(subject="Свежий вопрос")
    return {"late": late, "risky": risky, "calm": calm}


def test_r11_board_counts_at_risk_and_breached_by_level_and_consultant(
    desk: Desk, clock: time_machine.Coordinates
) -> None:
    t = _board_tickets(desk, clock)
    page = html(desk.supervisor.get("/desk/board/"))
    text = _text(page)
    assert "Оперативная поддержка 1 1 0" in text  # open, at risk, breached
    assert "Стандартная поддержка 2 0 1" in text
    assert "не назначено 0 1" in text
    assert "Мария Линейная 1 0" in text
    breached = _section(page, "Нарушено: 1")
    assert t["late"].number in breached and t["risky"].number not in breached
    assert "просрочено на 2 ч" in breached  # due Mon 17:00; now Tue 10:00 → 1 h + 1 h
    at_risk = _section(page, "Под угрозой: 1")
    assert t["risky"].number in at_risk and "осталось 1 ч" in at_risk
    assert t["calm"].number not in page


def test_r11_board_query_count_is_fixed(
    desk: Desk, clock: time_machine.Coordinates, django_assert_num_queries: Any
) -> None:
    _board_tickets(desk, clock)
    for i in range(4):
        desk.ticket(channel="email", at=msk(2026, 11, 23, 9, i), subject=f"Давний {i}")
    rules.calendar()  # built from the database at most once a minute: not this page's cost
    # Session, user, open tickets per level, the at-risk/breached tickets with their joins,
    # the overdue complaints (R20), and the breach forecast (issue 16: handling time, consultants,
    # queue).
    with django_assert_num_queries(8):
        response = desk.supervisor.get("/desk/board/")
    assert "Нарушено: 5" in html(response)


def test_r20_supervisor_answers_complaint(desk: Desk) -> None:
    ticket = desk.ticket()
    complaint = complaint_file(
        actor=desk.client.user,
        subject="Консультант не отвечает",
        text="Третий день жду ответа по обращению.",
        ticket_numbers=[ticket.number],
    )
    queue = html(desk.supervisor.get("/desk/complaints/"))
    assert complaint.number in queue and "Консультант не отвечает" in queue
    assert f'href="/desk/tickets/{ticket.number}/"' in queue
    page = html(desk.supervisor.get(f"/desk/complaints/{complaint.number}/"))
    assert "Третий день жду ответа по обращению." in page
    assert f'href="/desk/tickets/{ticket.number}/"' in page
    response = desk.supervisor.post(
        f"/desk/complaints/{complaint.number}/",
        {"complaint-text": "Приносим извинения, обращение взято на контроль."},
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.state == Complaint.State.ANSWERED
    assert complaint.answered_by == desk.supervisor.user
    page = html(desk.supervisor.get(f"/desk/complaints/{complaint.number}/"))
    assert f"Ответ на претензию {complaint.number} сохранён" in page
    assert "Приносим извинения, обращение взято на контроль." in page
    # Answering twice: the service's Russian refusal.
    response = desk.supervisor.post(
        f"/desk/complaints/{complaint.number}/", {"complaint-text": "Ещё раз"}
    )
    assert response.status_code == 409
    assert f"На претензию {complaint.number} уже дан ответ" in html(response)


def test_r20_complaints_filter_and_linked_ticket_page(desk: Desk) -> None:
    ticket = desk.ticket()
    answered = complaint_file(
        actor=desk.client.user, subject="Старая", text="x", ticket_numbers=[ticket.number]
    )
    complaint_answer(complaint=answered, actor=desk.supervisor.user, text="Ответ")
    fresh = complaint_file(actor=desk.client.user, subject="Новая", text="y")
    page = html(desk.supervisor.get("/desk/complaints/", {"state": "open"}))
    assert fresh.number in page and answered.number not in page
    # The ticket page of a complained-about ticket links the complaint (for the supervisor).
    page = html(desk.supervisor.get(f"/desk/tickets/{ticket.number}/"))
    assert f'href="/desk/complaints/{answered.number}/"' in page


def test_r20_empty_answer_is_a_form_error(desk: Desk) -> None:
    complaint = complaint_file(actor=desk.client.user, subject="Жалоба", text="z")
    response = desk.supervisor.post(f"/desk/complaints/{complaint.number}/", {"complaint-text": ""})
    assert response.status_code == 400
    assert "Обязательное поле." in html(response)


def test_r2_registries_show_contract_validity_with_admin_links(desk: Desk) -> None:
    page = html(desk.supervisor.get("/desk/registries/"))
    text = _text(page)
    assert "ООО «Ромашка» · ИНН 7705123452 ✔ обслуживается" in text
    assert "АО «Вектор» · ИНН 5018012341 ✖ нет действующих договоров" in text
    assert "1С:КП Отраслевой KP_OTRASLEVOY-800654321 01.11.2025 – 15.10.2026 ✖ истёк" in text
    assert "ООО «Франч Плюс» · ИНН 7840123459 · код 12-345-678" in text
    assert "NFR-880011 · NFR-версия партнёра" in text
    assert 'href="/admin/registry/organisation/' in page
    assert 'href="/admin/registry/contract/"' in page
    # A consultant reads the registries but gets no admin links.
    page = html(desk.consultant.get("/desk/registries/"))
    assert "АО «Вектор»" in page and "/admin/" not in page


def test_r9_calendar_shows_the_days_of_the_year_and_its_status(desk: Desk) -> None:
    page = html(desk.supervisor.get("/desk/calendar/"))
    text = _text(page)
    assert "Производственный календарь 2026" in text
    assert "официальный" in text and "Постановление Правительства РФ от 24.09.2025 № 1466" in text
    assert "Рабочих дней: 247" in text
    assert (
        '<td class="day day-holiday" title="праздник">1<span class="visually-hidden"> — праздник</span></td>'
        in page
    )
    assert 'title="сокращённый день (до 17:00) 09:00–17:00">3<' in page  # 3 November
    assert 'class="day day-day_off" title="перенесённый выходной">9<' in page  # 9 January


def test_r9_calendar_flags_unconfirmed_and_provisional_years(desk: Desk) -> None:
    page = html(desk.supervisor.get("/desk/calendar/", {"year": 2027}))
    assert '<strong class="flag">не подтверждён постановлением</strong>' in page
    # 20 February 2027: a working Saturday, shortened.
    assert (
        'class="day day-working_weekend" title="рабочая суббота/воскресенье, сокращённый до 17:00 09:00–17:00">20<'
        in page
    )
    page = html(desk.supervisor.get("/desk/calendar/", {"year": 2031}))
    assert '<strong class="flag">предварительный</strong>' in page
    # A wrong year falls back to the current one.
    page = html(desk.supervisor.get("/desk/calendar/", {"year": "abc"}))
    assert "Производственный календарь 2026" in page


def test_registries_search_narrows_the_list(desk: Desk) -> None:
    page = html(desk.consultant.get("/desk/registries/", {"q": "800654321"}))
    assert "АО «Вектор»" in page and "ООО «Ромашка»" not in page
    page = html(desk.consultant.get("/desk/registries/", {"q": "12-345-678"}))
    assert "ООО «Франч Плюс»" in page and "АО «Вектор»" not in page


def test_r20_a_complaint_gets_an_assignee_a_deadline_and_an_acknowledgement(
    desk: Desk, mailoutbox: Any
) -> None:
    from supportline.jobs.core import discover, run_due
    from supportline.jobs.models import Job

    received = msk(2026, 11, 24, 10, 0)  # Tuesday; 5 working days → Tuesday 01.12, 18:00
    complaint = complaint_file(
        actor=desk.client.user, subject="Грубый ответ", text="Консультант был груб.", now=received
    )
    assert complaint.assignee == desk.supervisor.user
    assert complaint.due_at == msk(2026, 12, 1, 18, 0)
    assert Job.objects.filter(kind="mail.send_complaint_ack").count() == 1
    discover()
    run_due(worker="test", now=received + dt.timedelta(seconds=1))
    ack = [m for m in mailoutbox if complaint.number in m.subject]
    assert len(ack) == 1
    assert ack[0].to == [desk.client.user.email]
    assert "01.12.2026" in ack[0].body and "получена" in ack[0].subject
    page = html(desk.supervisor.get(f"/desk/complaints/{complaint.number}/"))
    assert "01.12.2026 18:00" in page


def test_r20_the_quality_manager_links_tickets_and_the_board_shows_overdue_complaints(
    desk: Desk, clock: time_machine.Coordinates
) -> None:
    ticket = desk.ticket()
    complaint = complaint_file(actor=None, subject="Претензия", text="x", author_email="a@b.ru")
    unknown = desk.supervisor.post(
        f"/desk/complaints/{complaint.number}/", {"link-tickets": "CRM-999999"}
    )
    assert unknown.status_code == 400 and "CRM-999999" in html(unknown)
    linked = desk.supervisor.post(
        f"/desk/complaints/{complaint.number}/", {"link-tickets": ticket.number}
    )
    assert linked.status_code == 302
    assert list(complaint.tickets.values_list("number", flat=True)) == [ticket.number]
    assert complaint.number not in html(desk.supervisor.get("/desk/board/"))
    assert complaint.due_at is not None
    clock.move_to(complaint.due_at + dt.timedelta(minutes=1))
    board = html(desk.supervisor.get("/desk/board/"))
    assert "Претензии с истёкшим сроком ответа: 1" in board and complaint.number in board
    assert "срок прошёл" in html(desk.supervisor.get(f"/desk/complaints/{complaint.number}/"))
    # A consultant may not link tickets to a complaint.
    assert (
        desk.consultant.post(
            f"/desk/complaints/{complaint.number}/", {"link-tickets": ticket.number}
        ).status_code
        == 403
    )
