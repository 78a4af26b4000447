"""Who may enter the desk: line staff only; supervisors' pages for supervisors; CSRF everywhere."""

from __future__ import annotations

import pytest
from django.test import Client

from supportline.registry.models import Release
from supportline.tickets.actions.complaints import complaint_file
from supportline.tickets.actions.escalation import ticket_transfer
from supportline.tickets.models import Status, Ticket
from tests.desk.conftest import Desk, html, msk


def _pages(desk: Desk) -> list[str]:
    ticket = desk.ticket()
    complaint = complaint_file(
        actor=desk.client.user, subject="Долго отвечают", text="Третий день без ответа"
    )
    return [
        "/desk/",
        "/desk/queue/rows/",
        "/desk/phone/",
        f"/desk/tickets/{ticket.number}/",
        f"/desk/tickets/{ticket.number}/redirect-answer/",
        f"/desk/tickets/{ticket.number}/act/level/",  # an action's form, loaded when opened
        "/desk/escalations/",
        "/desk/releases/",
        "/desk/board/",
        "/desk/complaints/",
        f"/desk/complaints/{complaint.number}/",
        "/desk/registries/",
        "/desk/calendar/",
        # Issue 14: search and views, templates, organisation and contact pages, files.
        "/desk/search/?q=отчёт",
        "/desk/templates/",
        f"/desk/tickets/{ticket.number}/template/",
        f"/desk/organisations/{ticket.organisation_id}/",
        "/desk/contacts/?email=client%40romashka.example.ru",
        f"/desk/tickets/{ticket.number}/files/{_file(ticket)}/",
    ]


def _file(ticket: Ticket) -> int:
    from supportline.tickets.actions.attachments import ticket_attach

    message = ticket_attach(
        ticket=ticket, actor=ticket.created_by, files=[("a.png", b"\x89PNG", "image/png")]
    )
    return int(message.attachments.get().pk)


def _posts(desk: Desk) -> list[str]:
    ticket = desk.ticket()
    item = ticket_transfer(
        ticket=desk.ticket(),
        actor=desk.consultant.user,
        to="development",
        kind="wish",
        reason="Нужна новая функция",
    ).development_item
    assert item is not None
    release = Release.objects.filter(is_current=True).first()
    assert release is not None
    return [
        "/desk/queue/take/",
        "/desk/phone/",
        f"/desk/tickets/{ticket.number}/do/accept/",
        f"/desk/items/{item.pk}/plan/",
        f"/desk/releases/{release.pk}/publish/",
        f"/desk/tickets/{ticket.number}/notes/",
        "/desk/views/",
        "/desk/templates/",
    ]


def test_client_and_partner_are_refused_every_desk_page(desk: Desk) -> None:
    for path in _pages(desk):
        for outsider in (desk.client, desk.partner):
            assert outsider.get(path).status_code == 403, path


def test_client_is_refused_every_desk_action_and_nothing_changes(desk: Desk) -> None:
    paths = _posts(desk)
    before = list(Ticket.objects.values_list("status", "assignee_id").order_by("id"))
    for path in paths:
        assert desk.client.post(path).status_code == 403, path
    assert list(Ticket.objects.values_list("status", "assignee_id").order_by("id")) == before


def test_anonymous_visitor_is_sent_to_the_login_page(desk: Desk) -> None:
    anonymous = Client()
    for path in _pages(desk):
        response = anonymous.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/"), path


@pytest.mark.parametrize("role", ["consultant", "methodologist", "developer"])
def test_r11_r20_board_and_complaints_are_for_supervisors_only(desk: Desk, role: str) -> None:
    complaint = complaint_file(actor=desk.client.user, subject="Жалоба", text="Текст")
    who = getattr(desk, role)
    for path in ("/desk/board/", "/desk/complaints/", f"/desk/complaints/{complaint.number}/"):
        assert who.get(path).status_code == 403, path
    for boss in (desk.supervisor, desk.admin):
        assert boss.get("/desk/board/").status_code == 200
        assert boss.get("/desk/complaints/").status_code == 200


def test_r15_releases_page_is_for_developers_and_supervisors(desk: Desk) -> None:
    assert desk.consultant.get("/desk/releases/").status_code == 403
    assert desk.methodologist.get("/desk/releases/").status_code == 403
    for who in (desk.developer, desk.supervisor, desk.admin):
        assert who.get("/desk/releases/").status_code == 200


def test_every_line_role_gets_the_desk_pages_open_to_all_staff(desk: Desk) -> None:
    for who in (desk.consultant, desk.methodologist, desk.developer, desk.supervisor, desk.admin):
        for path in ("/desk/", "/desk/queue/rows/", "/desk/escalations/"):
            assert who.get(path).status_code == 200, (who.user.username, path)
        # Registering a call is the line's own work (R6).
        expected = 403 if who in (desk.methodologist, desk.developer) else 200
        assert who.get("/desk/phone/").status_code == expected, who.user.username
        assert who.get("/desk/registries/").status_code == 200
        assert who.get("/desk/calendar/").status_code == 200


def test_methodologist_sees_only_the_tickets_transferred_to_methodologists(desk: Desk) -> None:
    plain = desk.ticket(subject="Обычный вопрос про отчёт")
    to_method = ticket_transfer(
        ticket=desk.ticket(subject="Методический вопрос про воронку"),
        actor=desk.consultant.user,
        to="methodologist",
        kind="wish",
        reason="Нужна методика",
    )
    to_dev = ticket_transfer(
        ticket=desk.ticket(subject="Ошибка проведения документа"),
        actor=desk.consultant.user,
        to="development",
        kind="defect",
        reason="Ошибка воспроизводится",
    )
    queue = html(desk.methodologist.get("/desk/", {"status": Status.TRANSFERRED}))
    assert to_method.number in queue
    assert to_dev.number not in queue
    assert plain.number not in html(desk.methodologist.get("/desk/"))
    assert desk.methodologist.get(f"/desk/tickets/{to_method.number}/").status_code == 200
    # Not leaked: the same answer as for a ticket that does not exist.
    assert desk.methodologist.get(f"/desk/tickets/{plain.number}/").status_code == 404
    assert desk.methodologist.get(f"/desk/tickets/{to_dev.number}/").status_code == 404
    assert desk.developer.get(f"/desk/tickets/{to_dev.number}/").status_code == 200
    assert desk.developer.get(f"/desk/tickets/{to_method.number}/").status_code == 404
    escalations = html(desk.methodologist.get("/desk/escalations/"))
    assert to_method.number in escalations and to_dev.number not in escalations
    # Nor may the methodologist act on a ticket it cannot see.
    response = desk.methodologist.post(
        f"/desk/tickets/{plain.number}/do/answer/", {"answer-text": "Ответ"}
    )
    assert response.status_code == 404


def test_methodologist_has_no_take_next_button(desk: Desk) -> None:
    assert "Взять следующее" not in html(desk.methodologist.get("/desk/"))
    assert "Взять следующее" in html(desk.consultant.get("/desk/"))


def test_csrf_is_enforced_on_every_desk_form(desk: Desk) -> None:
    ticket = desk.ticket()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(desk.consultant.user)
    for path, data in (
        (f"/desk/tickets/{ticket.number}/do/accept/", {}),
        ("/desk/queue/take/", {}),
        ("/desk/phone/", {"subject": "x"}),
    ):
        assert browser.post(path, data).status_code == 403, path
    ticket.refresh_from_db()
    assert ticket.status == Status.REGISTERED and ticket.assignee_id is None

    # With the token from the page, the same form works.
    page = browser.get(f"/desk/tickets/{ticket.number}/")
    token = page.cookies["csrftoken"].value
    assert 'name="csrfmiddlewaretoken"' in html(page)
    response = browser.post(
        f"/desk/tickets/{ticket.number}/do/accept/", {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.ACCEPTED


def test_htmx_requests_carry_the_csrf_token_header(desk: Desk) -> None:
    page = html(desk.consultant.get("/desk/"))
    assert 'hx-headers=\'{"X-CSRFToken":' in page


def test_get_is_not_allowed_on_actions(desk: Desk) -> None:
    ticket = desk.ticket(at=msk(2026, 11, 24, 9, 0))
    assert desk.consultant.get(f"/desk/tickets/{ticket.number}/do/accept/").status_code == 405
    assert desk.consultant.get("/desk/queue/take/").status_code == 405
