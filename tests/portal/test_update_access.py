"""R17: the update-access request form, with the INN checked as it is typed and on submit."""

from __future__ import annotations

from django.test import Client

from supportline.tickets.models import Kind, Ticket
from tests.portal.conftest import Portal

REQUEST = {
    "organisation_full_name": "Общество с ограниченной ответственностью «Ромашка»",
    "inn": "7705123452",
    "registration_number": "800123456",
    "configuration": "1С:CRM ПРОФ, редакция 3.0",
    "version": "3.0.36.12",
    "previous_login": "romashka-2025",
}


def test_r17_form_is_prefilled_for_the_clients_organisation(portal: Portal) -> None:
    page = portal.client.browser.get("/portal/update-access/")
    assert page.status_code == 200
    initial = page.context["form"].initial
    assert initial == {
        "organisation_full_name": "Общество с ограниченной ответственностью «Ромашка»",
        "inn": "7705123452",
        "registration_number": "800123456",
    }
    html = page.content.decode()
    assert 'hx-get="/portal/inn-check/"' in html
    assert 'id="inn-check" class="inn-check" aria-live="polite"' in html
    assert 'aria-describedby="id_inn_helptext inn-check"' in html


def test_r17_inn_checked_as_typed(portal: Portal) -> None:
    browser = portal.client.browser
    bad = browser.get("/portal/inn-check/", {"inn": "7705123453"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 200
    assert "ИНН организации не проходит проверку контрольной цифры" in bad.content.decode()
    short = browser.get("/portal/inn-check/", {"inn": "77051"}).content.decode()
    assert "ИНН должен содержать 10 цифр (организация) или 12 цифр" in short
    letters = browser.get("/portal/inn-check/", {"inn": "77O5123452"}).content.decode()
    assert "ИНН должен состоять только из цифр" in letters
    good = browser.get("/portal/inn-check/", {"inn": "7705123452"}).content.decode()
    assert "ИНН прошёл проверку контрольных цифр" in good
    assert browser.get("/portal/inn-check/", {"inn": ""}).content.decode().strip() == ""


def test_r17_inn_validated_again_on_submit(portal: Portal) -> None:
    response = portal.client.browser.post(
        "/portal/update-access/", {**REQUEST, "inn": "7705123453"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["inn"] == ["ИНН организации не проходит проверку контрольной цифры"]
    html = response.content.decode()
    assert 'aria-describedby="id_inn_helptext inn-check id_inn_error"' in html
    assert Ticket.objects.count() == 0


def test_r17_missing_fields_are_named_in_russian(portal: Portal) -> None:
    response = portal.client.browser.post("/portal/update-access/", {"inn": "7705123452"})
    errors = response.context["form"].errors
    assert errors["organisation_full_name"] == ["Укажите полное наименование организации"]
    assert errors["registration_number"] == ["Укажите регистрационный номер основной поставки"]
    assert errors["configuration"] == ["Укажите полное название конфигурации"]
    assert errors["version"] == ["Укажите нужную версию конфигурации"]


def test_r17_request_is_registered_at_the_operational_level(portal: Portal) -> None:
    response = portal.client.browser.post("/portal/update-access/", REQUEST, follow=True)
    ticket = Ticket.objects.get()
    assert ticket.kind == Kind.UPDATE_ACCESS
    assert ticket.level == "operational"
    assert ticket.update_access.previous_login == "romashka-2025"
    assert response.redirect_chain[-1][0] == f"/portal/tickets/{ticket.number}/"
    html = response.content.decode()
    assert f"Запрос доступа к обновлениям № {ticket.number} зарегистрирован" in html
    assert "Оперативная поддержка" in html


def test_r17_another_organisations_registration_number_is_refused(portal: Portal) -> None:
    response = portal.client.browser.post(
        "/portal/update-access/", {**REQUEST, "registration_number": "800654321"}
    )
    assert response.context["form"].errors["registration_number"] == [
        "Этот регистрационный номер не принадлежит вашей организации"
    ]


def test_csrf_is_enforced_on_the_update_access_form(portal: Portal) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(portal.client.user)
    assert strict.post("/portal/update-access/", REQUEST).status_code == 403
    assert Ticket.objects.count() == 0
