"""R20: quality complaints from the portal, linked to the user's tickets, with their answers."""

from __future__ import annotations

from django.test import Client

from supportline.accounts.models import User
from supportline.tickets.actions.complaints import complaint_answer
from supportline.tickets.models import Complaint
from tests.portal.conftest import Portal


def test_r20_complaint_form(portal: Portal) -> None:
    first = portal.ticket(subject="Долго не отвечают")
    second = portal.ticket(subject="Ответ не по существу")
    page = portal.client.browser.get("/portal/complaints/")
    assert page.status_code == 200
    choices = dict(page.context["form"].fields["tickets"].choices)
    assert set(choices) == {first.number, second.number}
    html = page.content.decode()
    assert 'type="checkbox" name="tickets"' in html
    assert "Претензий нет." in html

    response = portal.client.browser.post(
        "/portal/complaints/",
        {
            "subject": "Консультант не ответил вовремя",
            "text": "Обращения висят без ответа больше суток.",
            "tickets": [first.number, second.number],
        },
        follow=True,
    )
    complaint = Complaint.objects.get()
    assert complaint.author == portal.client.user
    assert complaint.channel == "portal"
    assert {t.number for t in complaint.tickets.all()} == {first.number, second.number}
    html = response.content.decode()
    assert f"Претензия № {complaint.number} передана менеджеру по качеству" in html
    assert "Консультант не ответил вовремя" in html and "Новая" in html


def test_r20_complaint_errors_are_shown_in_russian(portal: Portal) -> None:
    response = portal.client.browser.post("/portal/complaints/", {"subject": "", "text": ""})
    errors = response.context["form"].errors
    assert errors["subject"] == ["Укажите тему претензии"]
    assert errors["text"] == ["Опишите претензию"]
    assert Complaint.objects.count() == 0


def test_r20_another_organisations_ticket_cannot_be_linked(portal: Portal) -> None:
    foreign = portal.ticket()
    response = portal.client_b.browser.post(
        "/portal/complaints/",
        {"subject": "Тема", "text": "Текст", "tickets": [foreign.number]},
    )
    assert response.status_code == 200
    assert "tickets" in response.context["form"].errors  # not among the user's choices
    assert Complaint.objects.count() == 0


def test_r20_user_sees_its_complaints_and_the_answers(portal: Portal) -> None:
    portal.client.browser.post("/portal/complaints/", {"subject": "Тема", "text": "Текст"})
    complaint = Complaint.objects.get()
    supervisor = User.objects.get(username="supervisor")
    complaint_answer(complaint=complaint, actor=supervisor, text="Приносим извинения.")
    html = portal.client.browser.get("/portal/complaints/").content.decode()
    assert "Ответ менеджера по качеству" in html and "Приносим извинения." in html
    assert "Дан ответ" in html
    # Another organisation's contact does not see it.
    assert (
        "Приносим извинения."
        not in portal.client_b.browser.get("/portal/complaints/").content.decode()
    )


def test_csrf_is_enforced_on_the_complaint_form(portal: Portal) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(portal.client.user)
    response = strict.post("/portal/complaints/", {"subject": "Тема", "text": "Текст"})
    assert response.status_code == 403
    assert Complaint.objects.count() == 0


def test_r19_a_client_requests_individual_support_from_the_portal(portal: Portal) -> None:
    from supportline.tickets.models import Kind, Ticket

    client = portal.client.browser
    line_page = client.get("/").content.decode()
    assert "/portal/offers/individual_support/" in line_page
    assert "/portal/offers/training_courses/" not in line_page  # not offered on request
    assert client.get("/portal/offers/training_courses/").status_code == 404
    empty = client.post("/portal/offers/individual_support/", {"text": ""})
    assert empty.status_code == 400
    done = client.post(
        "/portal/offers/individual_support/",
        {"text": "Нужна помощь с настройкой обменов", "contact_phone": "+7 900 000-00-00"},
    )
    assert done.status_code == 302
    ticket = Ticket.objects.get(kind=Kind.OFFER_REQUEST)
    assert ticket.number.startswith("REQ-")
    assert ticket.status == "registered" and ticket.assignee is None  # in the line's queue
    assert "индивидуального сопровождения" in ticket.subject
    assert ticket.contact_phone == "+7 900 000-00-00"
    assert ticket.messages.filter(purpose="receipt").exists()
