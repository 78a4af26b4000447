"""Every action form of the ticket page drives its service; refusals come back in Russian."""

from __future__ import annotations

from typing import Any

import time_machine

from supportline.accounts.models import User
from supportline.core import rules
from supportline.registry.models import Configuration
from supportline.tickets.actions.escalation import ticket_transfer
from supportline.tickets.actions.lifecycle import ticket_accept
from supportline.tickets.actions.update_access import update_access_request
from supportline.tickets.models import (
    DevelopmentItem,
    EventType,
    Message,
    Status,
    Ticket,
    TicketEvent,
)
from tests.desk.conftest import Desk, Person, html, msk


def act(who: Person, ticket: Ticket, action: str, **fields: Any) -> Any:
    data = {f"{action}-{name}": value for name, value in fields.items()}
    return who.post(f"/desk/tickets/{ticket.number}/do/{action}/", data)


def form_of(who: Person, ticket: Ticket, action: str) -> str:
    """The ticket page offers the action; its form is what opening it loads (htmx)."""
    page = html(who.get(f"/desk/tickets/{ticket.number}/"))
    assert f'id="act-{action}"' in page
    url = f"/desk/tickets/{ticket.number}/act/{action}/"
    assert f'hx-get="{url}"' in page
    response = who.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return html(response)


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def last_line_message(ticket: Ticket) -> str:
    message = ticket.messages.filter(author_kind=Message.Author.LINE).order_by("at", "id").last()
    assert message is not None
    return message.body


def test_r7_accept_confirms_to_the_client_and_redirects_with_a_message(desk: Desk) -> None:
    ticket = desk.ticket()
    response = act(desk.consultant, ticket, "accept", text="")
    assert response.status_code == 302
    assert response["Location"] == f"/desk/tickets/{ticket.number}/"
    ticket = fresh(ticket)
    assert ticket.status == Status.ACCEPTED
    assert ticket.assignee == desk.consultant.user
    assert ticket.reaction_state == "met"
    assert "принято к обслуживанию" in last_line_message(ticket)
    page = html(desk.consultant.get(response["Location"]))
    assert f"Обращение {ticket.number} принято в работу" in page


def test_illegal_action_shows_the_russian_error_and_changes_nothing(desk: Desk) -> None:
    ticket = desk.ticket()
    ticket_accept(ticket=ticket, actor=desk.consultant.user)
    events = TicketEvent.objects.filter(ticket=ticket).count()
    response = act(desk.consultant2, ticket, "accept", text="Принято")
    assert response.status_code == 409
    page = html(response)
    assert (
        f"Нельзя принять обращение в работу: обращение {ticket.number} в статусе "
        "«Принято в работу»" in page
    )
    assert 'role="alert"' in page
    assert TicketEvent.objects.filter(ticket=ticket).count() == events
    assert fresh(ticket).assignee == desk.consultant.user


def test_empty_required_field_is_a_form_error_and_keeps_the_form_open(desk: Desk) -> None:
    ticket = desk.ticket()
    response = act(desk.consultant, ticket, "ask", text="")
    assert response.status_code == 400
    page = html(response)
    assert '<details class="action" id="act-ask" open>' in page
    assert "Обязательное поле." in page
    assert fresh(ticket).status == Status.REGISTERED


def test_r12_ask_pauses_the_resolution_clock(desk: Desk) -> None:
    ticket = desk.ticket()
    response = act(desk.consultant, ticket, "ask", text="Пришлите снимок экрана")
    assert response.status_code == 302
    ticket = fresh(ticket)
    assert ticket.status == Status.WAITING_CLIENT
    assert ticket.resolution_state == "paused"
    assert last_line_message(ticket) == "Пришлите снимок экрана"


def test_answer_accepts_first_then_answers(desk: Desk) -> None:
    ticket = desk.ticket()
    assert act(desk.consultant, ticket, "answer", text="Включите опцию X").status_code == 302
    ticket = fresh(ticket)
    assert ticket.status == Status.IN_PROGRESS
    assert last_line_message(ticket) == "Включите опцию X"


def test_r8_resolve_sends_to_client_evaluation(desk: Desk) -> None:
    ticket = desk.ticket()
    response = act(desk.consultant, ticket, "resolve", text="Исправлено в настройках")
    assert response.status_code == 302
    ticket = fresh(ticket)
    assert ticket.status == Status.CLIENT_EVALUATION
    assert ticket.resolution_state == "met"


def test_r8_resolve_without_any_answer_is_refused_in_russian(desk: Desk) -> None:
    ticket = desk.ticket()
    response = act(desk.consultant, ticket, "resolve", text="")
    assert response.status_code == 400
    assert "Перед передачей на оценку дайте клиенту ответ" in html(response)


def test_r10_change_level_with_reason(desk: Desk) -> None:
    ticket = desk.ticket()
    response = act(
        desk.consultant, ticket, "level", level="operational", reason="Не проводятся документы"
    )
    assert response.status_code == 302
    ticket = fresh(ticket)
    assert ticket.level == "operational" and ticket.out_of_turn
    event = TicketEvent.objects.get(ticket=ticket, type=EventType.LEVEL_CHANGED)
    assert event.author == desk.consultant.user
    assert event.data["reason"] == "Не проводятся документы"
    # The same level again: the service's Russian refusal.
    response = act(desk.consultant, ticket, "level", level="operational", reason="Ещё раз")
    assert response.status_code == 409
    assert "Обращение уже на уровне «Оперативная поддержка»" in html(response)


def test_r15_transfer_creates_a_development_item_or_links_an_existing_one(desk: Desk) -> None:
    ticket = desk.ticket()
    response = act(
        desk.consultant,
        ticket,
        "transfer",
        to="development",
        kind="wish",
        reason="Нужен новый отчёт",
        title="Отчёт по воронке в разрезе менеджеров",
    )
    assert response.status_code == 302
    ticket = fresh(ticket)
    assert ticket.status == Status.TRANSFERRED
    assert ticket.transferred_to == "development"
    assert ticket.level == "development_request"  # R10: a wish becomes a development request
    item = ticket.development_item
    assert item is not None and item.title == "Отчёт по воронке в разрезе менеджеров"

    other = desk.ticket(subject="Тот же отчёт нужен и нам")
    response = act(
        desk.consultant,
        other,
        "transfer",
        to="development",
        kind="wish",
        reason="Та же задача",
        development_item=str(item.pk),
    )
    assert response.status_code == 302
    assert fresh(other).development_item_id == item.pk
    assert DevelopmentItem.objects.count() == 1


def test_r15_methodologist_may_answer_a_transferred_ticket_but_not_transfer_it(
    desk: Desk,
) -> None:
    ticket = ticket_transfer(
        ticket=desk.ticket(),
        actor=desk.consultant.user,
        to="methodologist",
        kind="wish",
        reason="Методика",
    )
    page = html(desk.methodologist.get(f"/desk/tickets/{ticket.number}/"))
    assert 'id="act-answer"' in page
    assert 'id="act-transfer"' not in page and 'id="act-assign"' not in page
    response = act(desk.methodologist, ticket, "answer", text="Рекомендуем так")
    assert response.status_code == 302
    assert last_line_message(fresh(ticket)) == "Рекомендуем так"
    # Posting the form anyway: the service refuses, in Russian.
    response = act(
        desk.methodologist, ticket, "transfer", to="development", kind="wish", reason="x"
    )
    assert response.status_code == 403
    assert "Недостаточно прав: передавать обращения может сотрудник линии" in html(response)


def test_r3_redirect_prefills_the_standard_answer(desk: Desk) -> None:
    ticket = desk.ticket()
    standard = rules.regulation().scope_category("pc_setup").answer
    assert standard is not None
    expected = standard.ru.format(number=ticket.number)
    page = form_of(desk.consultant, ticket, "redirect")
    assert expected in page
    assert 'hx-get="/desk/tickets/' in page and 'hx-target="#redirect-answer"' in page

    # Choosing another category fetches its standard answer (htmx swaps it in).
    fragment = html(
        desk.consultant.get(
            f"/desk/tickets/{ticket.number}/redirect-answer/",
            {"redirect-category": "performance"},
        )
    )
    assert "Работы по улучшению производительности не входят в рамки" in fragment
    assert "<html" not in fragment and 'name="redirect-text"' in fragment


def test_r3_redirect_sends_the_chosen_categorys_answer_or_the_edited_text(desk: Desk) -> None:
    ticket = desk.ticket()
    # Without JavaScript the prefill of the first category is still there: it is not sent.
    prefill = rules.regulation().scope_category("pc_setup").answer
    assert prefill is not None
    response = act(
        desk.consultant,
        ticket,
        "redirect",
        category="performance",
        text=prefill.ru.format(number=ticket.number),
    )
    assert response.status_code == 302
    ticket = fresh(ticket)
    assert ticket.status == Status.REDIRECTED and ticket.category == "performance"
    assert "улучшению производительности" in last_line_message(ticket)

    edited = desk.ticket(subject="Сервер")
    response = act(
        desk.consultant,
        edited,
        "redirect",
        category="enterprise_server",
        text="Здравствуйте! Сервер настраивает ваш франчайзи.",
    )
    assert response.status_code == 302
    assert last_line_message(fresh(edited)) == "Здравствуйте! Сервер настраивает ваш франчайзи."


def test_r2_refuse_prefills_the_missing_contract(desk: Desk) -> None:
    # A phone call from АО «Вектор» without the version: registered, the data is asked for.
    ticket = desk.ticket(
        channel="email", registration_number="800654321", organisation="АО «Вектор»", version=""
    )
    assert ticket.status == Status.WAITING_CLIENT and ticket.missing_fields == ["version"]
    page = form_of(desk.consultant, ticket, "refuse")
    assert 'name="refuse-reason" value="договор 1С:КП Отраслевой"' in page
    assert "На момент регистрации не хватает: <strong>договор 1С:КП Отраслевой</strong>" in page
    response = act(desk.consultant, ticket, "refuse", reason="договор 1С:КП Отраслевой")
    assert response.status_code == 302
    ticket = fresh(ticket)
    assert ticket.status == Status.REFUSED
    assert "Для вашего регистрационного номера не найдено: договор 1С:КП Отраслевой" in (
        last_line_message(ticket)
    )


def test_r1_complete_missing_data_then_triage_runs(desk: Desk) -> None:
    ticket = desk.ticket(channel="email", version="")
    page = form_of(desk.consultant, ticket, "complete")
    assert 'value="800123456"' in page  # prefilled with what the ticket has
    assert '<p class="note" id="complete-missing">Не хватает: version</p>' in page
    response = act(
        desk.consultant,
        ticket,
        "complete",
        registration_number="800123456",
        organisation="ООО «Ромашка»",
        configuration="1С:CRM ПРОФ, редакция 3.0",
        version="3.0.35.4",
        partner_code="",
        category="",
    )
    assert response.status_code == 302
    ticket = fresh(ticket)
    assert ticket.missing_fields == [] and ticket.version == "3.0.35.4"
    # R4 triage: an old release gets «update to the current release».
    assert ticket.status == Status.CLIENT_EVALUATION
    assert "3.0.36.12" in last_line_message(ticket)


def test_r1_complete_with_a_wrong_number_shows_the_field_error(desk: Desk) -> None:
    ticket = desk.ticket(channel="email", version="")
    response = act(
        desk.consultant,
        ticket,
        "complete",
        registration_number="000000",
        organisation="ООО «Ромашка»",
        configuration="1С:CRM ПРОФ, редакция 3.0",
        version="3.0.36.12",
    )
    assert response.status_code == 400
    assert "Регистрационный номер «000000» не найден в реестре" in html(response)
    assert fresh(ticket).missing_fields == ["version"]


def test_assign_to_another_consultant(desk: Desk) -> None:
    ticket = desk.ticket()
    response = act(desk.consultant, ticket, "assign", assignee=str(desk.consultant2.user.pk))
    assert response.status_code == 302
    assert fresh(ticket).assignee == desk.consultant2.user
    admin = User.objects.get(username="admin")
    response = act(desk.consultant, ticket, "assign", assignee=str(admin.pk))
    assert response.status_code == 400  # not among the choices: an administrator is not a worker


def test_r18_decide_update_access_grants_login_and_configurations(
    desk: Desk, clock: time_machine.Coordinates
) -> None:
    ticket = update_access_request(
        actor=desk.client.user,
        channel="portal",
        organisation_full_name="Общество с ограниченной ответственностью «Ромашка»",
        inn="7705123452",
        registration_number="800123456",
        configuration="1С:CRM ПРОФ, редакция 3.0",
        version="3.0.36.12",
        previous_login="romashka-old",
    )
    prof = Configuration.objects.get(name="1С:CRM ПРОФ, редакция 3.0")
    corp = Configuration.objects.get(name="1С:CRM КОРП, редакция 3.0")
    page = form_of(desk.consultant, ticket, "decide")
    assert 'value="romashka-old"' in page
    assert "Основная поставка и оба договора действуют: доступ можно предоставить." in page
    response = act(
        desk.consultant,
        ticket,
        "decide",
        login="romashka-2026",
        configurations=[str(prof.pk), str(corp.pk)],
    )
    assert response.status_code == 302
    ticket = fresh(ticket)
    assert ticket.status == Status.CLIENT_EVALUATION
    assert ticket.update_access.granted_login == "romashka-2026"
    # R18: the covered configurations are registry rows, not free text.
    assert set(ticket.update_access.configurations.all()) == {prof, corp}


def test_r18_decide_refuses_when_the_contracts_are_not_valid(desk: Desk) -> None:
    ticket = update_access_request(
        actor=desk.client_b.user,
        channel="portal",
        organisation_full_name="Акционерное общество «Вектор»",
        inn="5018012341",
        registration_number="800654321",
        configuration="1С:CRM ПРОФ, редакция 3.0",
        version="3.0.36.12",
    )
    page = form_of(desk.consultant, ticket, "decide")
    assert "запрос будет отклонён с указанием причины" in page
    response = act(desk.consultant, ticket, "decide", login="")
    assert response.status_code == 302
    ticket = fresh(ticket)
    assert ticket.status == Status.REFUSED
    assert "договор 1С:КП Отраслевой" in last_line_message(ticket)


def test_unknown_action_is_404(desk: Desk) -> None:
    ticket = desk.ticket(at=msk(2026, 11, 24, 9, 0))
    assert act(desk.consultant, ticket, "explode").status_code == 404
