"""The new-ticket form (R1): prefilled, registry-backed, field errors in Russian."""

from __future__ import annotations

from django.test import Client

from supportline.tickets.models import Channel, Status, Ticket
from tests.portal.conftest import VALID, Portal


def test_r1_form_is_prefilled_with_the_organisation_and_its_registration_number(
    portal: Portal,
) -> None:
    page = portal.client.browser.get("/portal/new/")
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["organisation"] == "ООО «Ромашка»"
    assert form.initial["registration_number"] == "800123456"
    assert "partner_code" not in form.fields
    html = page.content.decode()
    assert 'value="ООО «Ромашка»"' in html
    assert '<datalist id="registration-numbers"><option value="800123456">' in html


def test_r1_r4_configuration_is_chosen_from_the_registry_with_the_current_release_hint(
    portal: Portal,
) -> None:
    page = portal.client.browser.get("/portal/new/")
    choices = dict(page.context["form"].fields["configuration"].choices)
    assert "1С:CRM ПРОФ, редакция 3.0" in choices
    assert "1С:CRM КОРП, редакция 3.0" in choices
    assert "1С:CRM ПРОФ, редакция 2.1" not in choices  # withdrawn from support
    html = page.content.decode()
    assert "Актуальный релиз:" in html and "<strong>3.0.36.12</strong>" in html


def test_r1_category_offers_in_scope_categories_with_licensing_and_protection(
    portal: Portal,
) -> None:
    page = portal.client.browser.get("/portal/new/")
    choices = dict(page.context["form"].fields["category"].choices)
    assert choices["licensing"] == "Разъяснения по лицензированию ПП"
    assert choices["protection_system"] == "Консультации по системе защиты ПП"
    assert "standard_functionality" in choices
    assert "pc_setup" not in choices  # out of scope (R3) is not offered


def test_r1_form_shows_field_errors_in_russian(portal: Portal) -> None:
    response = portal.client.browser.post(
        "/portal/new/", {"organisation": "ООО «Ромашка»", "subject": "Вопрос"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["registration_number"] == ["Укажите регистрационный номер программы"]
    assert form.errors["configuration"] == ["Укажите название конфигурации"]
    assert form.errors["version"] == ["Укажите версию (релиз) программы, например 3.0.36.12"]
    assert form.errors["body"] == ["Опишите вопрос"]
    html = response.content.decode()
    # Each error is tied to its field for screen readers, and summarised at the top.
    assert 'id="id_version_error"' in html
    assert 'aria-describedby="id_version_helptext id_version_error"' in html
    assert 'aria-invalid="true"' in html
    assert 'role="alert"' in html and "Проверьте форму" in html
    assert Ticket.objects.count() == 0


def test_r1_unknown_registration_number_and_foreign_one_are_refused(portal: Portal) -> None:
    unknown = portal.client.browser.post("/portal/new/", {**VALID, "registration_number": "1"})
    assert "не найден в реестре" in unknown.context["form"].errors["registration_number"][0]
    foreign = portal.client.browser.post(
        "/portal/new/", {**VALID, "registration_number": "800654321"}
    )
    assert foreign.context["form"].errors["registration_number"] == [
        "Этот регистрационный номер не принадлежит вашей организации"
    ]


def test_r1_valid_ticket_is_registered_through_the_service(portal: Portal) -> None:
    response = portal.client.browser.post("/portal/new/", {**VALID, "category": "licensing"})
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response.url == f"/portal/tickets/{ticket.number}/"
    assert ticket.channel == Channel.PORTAL
    assert ticket.category == "licensing"
    assert ticket.created_by == portal.client.user
    assert ticket.status == Status.REGISTERED
    page = portal.client.browser.get(response.url).content.decode()
    assert f"Обращение № {ticket.number} зарегистрировано" in page


def test_r2_ticket_without_valid_contracts_is_refused_with_the_reason(portal: Portal) -> None:
    response = portal.client_b.browser.post(
        "/portal/new/",
        {**VALID, "registration_number": "800654321", "organisation": "АО «Вектор»"},
        follow=True,
    )
    ticket = Ticket.objects.get()
    assert ticket.status == Status.REFUSED
    assert "1С:КП Отраслевой" in response.content.decode()


def test_partner_form_asks_for_the_partner_code_prefilled(portal: Portal) -> None:
    page = portal.partner.browser.get("/portal/new/")
    form = page.context["form"]
    assert form.initial["partner_code"] == "12-345-678"
    assert form.initial["registration_number"] == "NFR-880011"
    missing = portal.partner.browser.post(
        "/portal/new/", {**VALID, "registration_number": "NFR-880011", "partner_code": ""}
    )
    assert missing.context["form"].errors["partner_code"] == ["Партнёр указывает свой код партнёра"]
    filed = portal.partner.browser.post(
        "/portal/new/",
        {
            **VALID,
            "registration_number": "NFR-880011",
            "partner_code": "12-345-678",
            "organisation": "ООО «Франч Плюс»",
        },
    )
    assert filed.status_code == 302
    assert Ticket.objects.get().partner is not None


def test_r5_subject_and_body_search_the_knowledge_base_as_typed(portal: Portal) -> None:
    html = portal.client.browser.get("/portal/new/").content.decode()
    assert 'hx-get="/portal/kb/suggest/"' in html
    assert 'hx-trigger="keyup changed delay:400ms"' in html
    assert 'id="kb-suggestions" aria-live="polite"' in html


def test_csrf_is_enforced_on_the_new_ticket_form(portal: Portal) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(portal.client.user)
    assert strict.post("/portal/new/", VALID).status_code == 403
    assert Ticket.objects.count() == 0
    page = strict.get("/portal/new/").content.decode()
    assert "csrfmiddlewaretoken" in page


def test_r1_partner_cannot_file_on_a_client_it_does_not_serve(portal: Portal) -> None:
    """ООО «Франч Плюс» serves Ромашка, not Вектор: the number is refused on its field, and
    nothing about Vector's contracts is shown (R2)."""
    response = portal.partner.browser.post(
        "/portal/new/",
        {
            **VALID,
            "registration_number": "800654321",
            "organisation": "АО «Вектор»",
            "partner_code": "12-345-678",
        },
    )
    errors = response.context["form"].errors
    assert "клиента, которого он обслуживает" in errors["registration_number"][0]
    assert "1С:КП Отраслевой" not in response.content.decode()
    assert Ticket.objects.count() == 0
    served = portal.partner.browser.post(
        "/portal/new/", {**VALID, "partner_code": "12-345-678"}, follow=True
    )
    assert served.status_code == 200
    assert Ticket.objects.get().organisation is not None
