"""The ticket page: conversation, SLA due times, the answer box (R12), evaluation (R13)."""

from __future__ import annotations

from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from supportline.portal.selectors import stored_badge, ticket_badge
from supportline.tickets.actions.lifecycle import (
    ticket_accept,
    ticket_ask,
    ticket_evaluate,
    ticket_resolve,
)
from supportline.tickets.clock import ticket_sla
from supportline.tickets.models import Attachment, EventType, Message, Status, Ticket
from tests.portal.conftest import Portal, msk


def _page(portal: Portal, ticket: Ticket) -> str:
    response = portal.client.browser.get(f"/portal/tickets/{ticket.number}/")
    assert response.status_code == 200
    return response.content.decode()


def test_ticket_page_shows_conversation_status_level_and_sla_in_moscow_time(
    portal: Portal, clock: time_machine.Coordinates
) -> None:
    ticket = portal.ticket()
    clock.move_to(msk(2026, 11, 24, 11, 30))
    ticket_accept(ticket=ticket, actor=portal.consultant.user)
    html = _page(portal, ticket)
    assert f"Обращение № {ticket.number}" in html
    assert "Принято в работу" in html
    assert "Стандартная поддержка" in html
    # The client's question, the automatic receipt (a system message) and the acceptance.
    assert "При формировании отчёта «Воронка продаж» программа выдаёт ошибку." in html
    assert 'class="msg msg-system"' in html and "Системное сообщение" in html
    assert 'class="msg msg-line"' in html and "Линия консультации: Иван Консультантов" in html
    assert "Вы</span>" in html
    assert "24.11.2026 11:30 МСК" in html
    # Resolution: 24 working hours from Tue 10:00 → Thu 16:00 (as the acceptance says).
    assert "26.11.2026 16:00 МСК" in html
    assert "Реакция" in html and "Решение" in html and "1 ч 30 мин" in html
    assert "рабочем времени линии: 09:00–18:00 МСК" in html  # from the regulation (R21)


def test_outsider_gets_404_for_another_organisations_ticket(portal: Portal) -> None:
    ticket = portal.ticket()
    outsider = portal.client_b.browser
    assert outsider.get(f"/portal/tickets/{ticket.number}/").status_code == 404
    assert (
        outsider.post(f"/portal/tickets/{ticket.number}/reply/", {"text": "чужое"}).status_code
        == 404
    )
    assert (
        outsider.post(
            f"/portal/tickets/{ticket.number}/evaluate/", {"decision": "accept", "rating": 5}
        ).status_code
        == 404
    )
    # The same answer as for a ticket that does not exist.
    assert outsider.get("/portal/tickets/CRM-999999/").status_code == 404
    assert Message.objects.filter(body="чужое").count() == 0


def test_r12_answer_box_resumes_the_clock(portal: Portal, clock: time_machine.Coordinates) -> None:
    ticket = portal.ticket()
    clock.move_to(msk(2026, 11, 24, 11, 0))
    ticket_accept(ticket=ticket, actor=portal.consultant.user)
    ticket_ask(ticket=ticket, actor=portal.consultant.user, text="Пришлите снимок экрана")
    html = _page(portal, ticket)
    assert "Линия ждёт вашего ответа" in html
    assert "определится после вашего ответа" in html
    clock.move_to(msk(2026, 11, 25, 12, 0))
    response = portal.client.browser.post(
        f"/portal/tickets/{ticket.number}/reply/", {"text": "Снимок экрана приложил"}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.resolution_state == "running"
    assert ticket.events.filter(type=EventType.CLIENT_REPLIED).count() == 1
    sla = ticket_sla(ticket, now=msk(2026, 11, 25, 12, 0))
    assert sla.resolution.paused_minutes == 600
    html = _page(portal, ticket)
    assert "Сообщение отправлено на линию консультации" in html
    assert "Снимок экрана приложил" in html


def test_empty_reply_is_refused_next_to_the_box(portal: Portal) -> None:
    ticket = portal.ticket()
    response = portal.client.browser.post(f"/portal/tickets/{ticket.number}/reply/", {"text": " "})
    assert response.status_code == 200
    assert response.context["reply_form"].errors["text"] == ["Пустое сообщение"]
    assert 'id="id_text_error"' in response.content.decode()


def test_closed_ticket_has_no_answer_box(portal: Portal) -> None:
    ticket = portal.ticket()
    ticket_resolve(ticket=ticket, actor=portal.consultant.user, text="Ответ")
    ticket_evaluate(ticket=ticket, actor=portal.client.user, accepted=True, rating=4)
    html = _page(portal, ticket)
    assert "Обращение закрыто. Если вопрос остался" in html
    assert f'action="/portal/tickets/{ticket.number}/reply/"' not in html
    response = portal.client.browser.post(
        f"/portal/tickets/{ticket.number}/reply/", {"text": "Ещё вопрос"}
    )
    assert "пожалуйста, зарегистрируйте новое обращение" in response.content.decode()


def _in_evaluation(portal: Portal) -> Ticket:
    ticket = portal.ticket()
    ticket_resolve(
        ticket=ticket, actor=portal.consultant.user, text="Заполните этапы процесса продаж."
    )
    return ticket


def test_r13_evaluation_offers_accessible_rating_radios(portal: Portal) -> None:
    ticket = _in_evaluation(portal)
    html = _page(portal, ticket)
    assert "Оцените ответ линии" in html
    assert html.count('type="radio" name="rating"') == 5
    assert "<legend>Оценка ответа</legend>" in html
    assert '<label for="id_rating_0"><input type="radio" name="rating" value="5"' in html


def test_r13_client_rates_and_closes(portal: Portal) -> None:
    ticket = _in_evaluation(portal)
    response = portal.client.browser.post(
        f"/portal/tickets/{ticket.number}/evaluate/",
        {"decision": "accept", "rating": "5", "comment": "Спасибо, помогло"},
        follow=True,
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert ticket.rating == 5 and ticket.rating_comment == "Спасибо, помогло"
    html = response.content.decode()
    assert "Спасибо за оценку! Обращение закрыто." in html
    assert "5 из 5" in html


def test_r13_accepting_without_a_rating_is_explained(portal: Portal) -> None:
    ticket = _in_evaluation(portal)
    response = portal.client.browser.post(
        f"/portal/tickets/{ticket.number}/evaluate/", {"decision": "accept"}
    )
    assert response.status_code == 200
    assert response.context["accept_form"].errors["rating"] == ["Оценка — целое число от 1 до 5"]
    ticket.refresh_from_db()
    assert ticket.status == Status.CLIENT_EVALUATION


def test_r13_client_rejects_with_a_reason_and_the_ticket_goes_back_to_work(
    portal: Portal,
) -> None:
    ticket = _in_evaluation(portal)
    empty = portal.client.browser.post(
        f"/portal/tickets/{ticket.number}/evaluate/", {"decision": "reject", "reason": ""}
    )
    assert empty.context["reject_form"].errors["reason"] == ["Напишите, почему ответ не подошёл"]
    response = portal.client.browser.post(
        f"/portal/tickets/{ticket.number}/evaluate/",
        {"decision": "reject", "reason": "Этапы заполнены, отчёт всё равно пустой"},
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.resolution_state == "running"


def test_r13_evaluating_a_ticket_not_in_evaluation_is_refused_in_russian(portal: Portal) -> None:
    ticket = portal.ticket()
    response = portal.client.browser.post(
        f"/portal/tickets/{ticket.number}/evaluate/", {"decision": "accept", "rating": "4"}
    )
    assert response.status_code == 200
    assert "Нельзя оценить ответ" in response.content.decode()
    bogus = portal.client.browser.post(
        f"/portal/tickets/{ticket.number}/evaluate/", {"decision": "maybe"}
    )
    assert bogus.status_code == 400


def test_csrf_is_enforced_on_reply_and_evaluate(portal: Portal) -> None:
    ticket = _in_evaluation(portal)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(portal.client.user)
    base = f"/portal/tickets/{ticket.number}"
    assert strict.post(f"{base}/reply/", {"text": "x"}).status_code == 403
    assert strict.post(f"{base}/evaluate/", {"decision": "accept", "rating": 5}).status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == Status.CLIENT_EVALUATION


def test_reply_and_evaluate_are_post_only(portal: Portal) -> None:
    ticket = portal.ticket()
    assert portal.client.browser.get(f"/portal/tickets/{ticket.number}/reply/").status_code == 405


@pytest.fixture
def media(settings: object, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path)  # type: ignore[attr-defined]
    return tmp_path


def test_attachments_are_listed_and_downloaded_only_by_those_who_see_the_ticket(
    portal: Portal, media: Path
) -> None:
    ticket = portal.ticket()
    message = ticket.messages.filter(author_kind=Message.Author.CLIENT).get()
    item = Attachment.objects.create(
        message=message,
        file=SimpleUploadedFile("ошибка.png", b"\x89PNG fake", content_type="image/png"),
        name="ошибка.png",
        size=9,
        content_type="image/png",
    )
    html = _page(portal, ticket)
    url = f"/portal/tickets/{ticket.number}/files/{item.pk}/"
    assert f'href="{url}"' in html and "ошибка.png" in html
    download = portal.client.browser.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"\x89PNG fake"  # type: ignore[attr-defined]
    assert "attachment" in download["Content-Disposition"]
    assert portal.client_b.browser.get(url).status_code == 404


def test_r17_update_access_ticket_shows_its_details(portal: Portal) -> None:
    from supportline.tickets.actions.update_access import update_access_request

    ticket = update_access_request(
        actor=portal.client.user,
        channel="portal",
        organisation_full_name="ООО «Ромашка»",
        inn="7705123452",
        registration_number="800123456",
        configuration="1С:CRM ПРОФ, редакция 3.0",
        version="3.0.36.12",
        previous_login="romashka-old",
    )
    html = _page(portal, ticket)
    assert "Запрос доступа к обновлениям" in html
    assert "7705123452" in html and "romashka-old" in html
    assert "Оперативная поддержка" in html


def test_r11_list_badge_from_stored_columns_agrees_with_the_clock(
    portal: Portal, clock: time_machine.Coordinates
) -> None:
    """The list reads stored columns; the ticket page runs the clock: they must agree."""
    ticket = portal.ticket()
    for moment in [
        msk(2026, 11, 24, 10, 0),
        msk(2026, 11, 24, 15, 59),
        msk(2026, 11, 24, 16, 0),
        msk(2026, 11, 24, 17, 59),
        msk(2026, 11, 25, 9, 1),
        msk(2026, 11, 30, 12, 0),
    ]:
        clock.move_to(moment)
        assert stored_badge(ticket, moment) == ticket_badge(ticket_sla(ticket, now=moment)), moment


def test_r12_client_attaches_a_file_with_the_answer(
    portal: Portal, clock: time_machine.Coordinates
) -> None:
    """The answer box takes a file; it lands on the client's message and resumes the clock."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from supportline.tickets.models import Attachment

    ticket = portal.ticket()
    ticket_ask(ticket=ticket, actor=portal.consultant.user, text="Пришлите журнал")
    upload = SimpleUploadedFile("журнал.log", b"ERROR 42\n", "text/plain")
    response = portal.client.browser.post(
        f"/portal/tickets/{ticket.number}/reply/", {"text": "Журнал во вложении", "file": upload}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    attachment = Attachment.objects.get(message__ticket=ticket)
    assert attachment.name == "журнал.log" and attachment.size == 9
    assert attachment.message.body == "Журнал во вложении"
    assert "журнал.log" in _page(portal, ticket)


def test_too_large_file_is_refused_next_to_the_box(portal: Portal, settings: object) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MAX_ATTACHMENT_BYTES = 4  # type: ignore[attr-defined]
    ticket = portal.ticket()
    upload = SimpleUploadedFile("big.bin", b"12345", "application/octet-stream")
    response = portal.client.browser.post(
        f"/portal/tickets/{ticket.number}/reply/", {"text": "x", "file": upload}
    )
    assert response.status_code == 200
    assert "больше допустимого размера" in response.content.decode()
