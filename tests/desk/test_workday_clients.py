"""Issue 14 §3: organisation and contact pages — registration numbers, contracts with their
validity (R2), and the ticket history — reachable from the ticket page, access-checked."""

from __future__ import annotations

from django.test import Client

from supportline.registry.models import Organisation
from tests.desk.conftest import Desk, html


def test_ticket_page_links_the_organisation_and_the_contact(desk: Desk) -> None:
    ticket = desk.ticket(contact_email="buh@romashka.ru", contact_name="Мария Бухгалтер")
    page = html(desk.consultant.get(f"/desk/tickets/{ticket.number}/"))
    assert ticket.organisation is not None
    assert f'href="/desk/organisations/{ticket.organisation.pk}/"' in page
    assert 'href="/desk/contacts/?email=buh%40romashka.ru"' in page


def test_organisation_page_shows_registrations_contracts_and_history(desk: Desk) -> None:
    first = desk.ticket(subject="Первый вопрос", contact_email="buh@romashka.ru")
    second = desk.ticket(subject="Второй вопрос")
    org = first.organisation
    assert org is not None
    page = html(desk.consultant.get(f"/desk/organisations/{org.pk}/"))
    assert org.name in page and org.inn in page
    assert "800123456" in page  # its registration number
    assert "1С:ИТС" in page and "действует" in page.lower()
    assert first.number in page and second.number in page
    assert "buh@romashka.ru" in page


def test_contact_page_shows_the_contacts_tickets(desk: Desk) -> None:
    mine = desk.ticket(subject="Вопрос Марии", contact_email="Buh@Romashka.ru")
    other = desk.ticket(subject="Вопрос другого", contact_email="it@romashka.ru")
    page = html(desk.consultant.get("/desk/contacts/", {"email": "buh@romashka.ru"}))
    assert mine.number in page and other.number not in page
    assert desk.consultant.get("/desk/contacts/", {"email": "nobody@x.ru"}).status_code == 404
    assert desk.consultant.get("/desk/contacts/", {"email": "not-an-address"}).status_code == 404


def test_access_matrix_history_lists_only_visible_tickets(desk: Desk) -> None:
    ticket = desk.ticket(contact_email="buh@romashka.ru")
    org = ticket.organisation
    assert org is not None
    # The methodologist sees the page but not a ticket that was not transferred to them.
    page = html(desk.methodologist.get(f"/desk/organisations/{org.pk}/"))
    assert ticket.number not in page
    assert (
        desk.methodologist.get("/desk/contacts/", {"email": "buh@romashka.ru"}).status_code == 404
    )
    for outsider in (desk.client, desk.client_b, desk.partner):
        assert outsider.get(f"/desk/organisations/{org.pk}/").status_code == 403
        assert outsider.get("/desk/contacts/", {"email": "buh@romashka.ru"}).status_code == 403
    assert Client().get(f"/desk/organisations/{org.pk}/").status_code == 302
    missing = Organisation.objects.order_by("-pk").first()
    assert missing is not None
    assert desk.consultant.get(f"/desk/organisations/{missing.pk + 1000}/").status_code == 404
