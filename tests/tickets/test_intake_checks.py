"""R1 and R4 checks against the registries: the configuration of the registration's product,
the version a known release (or newer: flagged), the organisation's name compared (flagged),
and no automatic "update" answer to licensing or protection questions."""

from __future__ import annotations

import pytest

from supportline.lib.orgnames import name_key, same_organisation
from supportline.registry.models import Configuration, Product
from supportline.tickets.models import Ticket
from tests.tickets.conftest import VALID_TICKET, Line


@pytest.fixture
def erp(line: Line) -> Configuration:
    """A configuration of another product, with a release."""
    product = Product.objects.create(name="1С:ERP")
    conf = Configuration.objects.create(product=product, name="1С:ERP Управление предприятием")
    conf.releases.create(version="2.5.14.1", version_key="000002.000005.000014.000001")
    return conf


def test_r1_configuration_must_belong_to_the_registrations_product(
    line: Line, erp: Configuration
) -> None:
    response = line.client.post(
        "/tickets", {**VALID_TICKET, "configuration": erp.name, "version": "2.5.14.1"}
    )
    assert response.status_code == 422
    error = response.json()["errors"]["configuration"]
    assert "не относится к продукту «1С:CRM»" in error and "800123456" in error
    assert Ticket.objects.count() == 0


def test_r1_nfr_must_contain_the_configuration(line: Line, erp: Configuration) -> None:
    response = line.partner.post(
        "/tickets",
        {
            **VALID_TICKET,
            "registration_number": "NFR-880011",
            "partner_code": "12-345-678",
            "organisation": "ООО «Франч Плюс»",
            "configuration": erp.name,
            "version": "2.5.14.1",
        },
    )
    assert response.status_code == 422
    assert "NFR-версия NFR-880011" in response.json()["errors"]["configuration"]
    assert "не содержит" in response.json()["errors"]["configuration"]


def test_r1_r4_version_must_be_a_known_release(line: Line) -> None:
    response = line.client.post("/tickets", {**VALID_TICKET, "version": "3.0.35.9"})
    assert response.status_code == 422
    error = response.json()["errors"]["version"]
    assert "не является выпущенным релизом" in error
    assert "3.0.36.12, 3.0.35.4" in error


def test_r1_r4_version_newer_than_all_known_is_accepted_and_flagged(line: Line) -> None:
    ticket = line.ticket(version="3.0.37.1")
    assert ticket["status"] == "registered"
    assert ticket["version_unreleased"] is True
    known = line.ticket()
    assert known["version_unreleased"] is False
    page = line.consultant.client
    page.force_login(line.consultant.user)
    html = page.get(f"/desk/tickets/{ticket['number']}/").content.decode()
    assert 'id="version-unreleased"' in html
    assert "Версии 3.0.37.1 нет среди известных релизов конфигурации" in html
    assert (
        'id="version-unreleased"'
        not in page.get(f"/desk/tickets/{known['number']}/").content.decode()
    )


def test_r1_an_email_ticket_with_an_unknown_version_asks_for_it(line: Line) -> None:
    ticket = line.ticket(line.consultant, channel="email", version="3.0.30.1")
    assert ticket["status"] == "waiting_client"
    assert ticket["missing_fields"] == ["version"]
    assert "не является выпущенным релизом" in ticket["messages"][-1]["body"]


def test_r1_organisation_name_differing_from_the_registry_is_shown_not_refused(
    line: Line,
) -> None:
    ticket = line.ticket(organisation="ООО «Лютик»")
    assert ticket["status"] == "registered"
    assert ticket["organisation_mismatch"] is True
    stored = Ticket.objects.get(number=ticket["number"])
    assert stored.organisation is not None and stored.organisation.name == "ООО «Ромашка»"
    assert stored.organisation_name == "ООО «Лютик»"  # what the client typed is kept
    desk = line.consultant.client
    desk.force_login(line.consultant.user)
    html = desk.get(f"/desk/tickets/{ticket['number']}/").content.decode()
    assert 'id="organisation-mismatch"' in html
    assert "Клиент указал «ООО «Лютик»» — не совпадает с наименованием в реестре" in html


@pytest.mark.parametrize(
    "typed",
    [
        "ООО «Ромашка»",
        'ооо "Ромашка"',
        "Общество с ограниченной ответственностью «Ромашка»",
        "  Ромашка  ",
        "Ромашка, ООО",
    ],
)
def test_r1_organisation_names_are_compared_normalised(line: Line, typed: str) -> None:
    assert line.ticket(organisation=typed)["organisation_mismatch"] is False


def test_r1_completed_data_recompute_the_flags(line: Line) -> None:
    ticket = line.ticket(line.consultant, channel="email", organisation="", version="")
    done = line.consultant.post(
        f"/tickets/{ticket['number']}/complete-data",
        {"organisation": "АО «Лютик»", "version": "3.0.40.1"},
    ).json()
    assert done["missing_fields"] == []
    assert done["organisation_mismatch"] is True
    assert done["version_unreleased"] is True


def test_r4_no_update_answer_to_licensing_or_protection_questions(line: Line) -> None:
    for category in ("licensing", "protection_system"):
        ticket = line.ticket(version="3.0.35.4", category=category)
        assert ticket["status"] == "registered", category
        assert not any("актуального релиза" in m["body"] for m in ticket["messages"])
    plain = line.ticket(version="3.0.35.4", category="standard_functionality")
    assert plain["status"] == "client_evaluation"


def test_organisation_name_key() -> None:
    assert name_key("ООО «Ромашка»") == ("ооо", "ромашка")
    assert name_key("Публичное акционерное общество «Сбербанк России»") == (
        "пао",
        "сбербанк россии",
    )
    assert name_key("АО Вектор") == ("ао", "вектор")
    assert same_organisation("Ёлка", "ООО «Елка»")
    assert not same_organisation("АО «Ромашка»", "ООО «Ромашка»")
    assert not same_organisation("", "ООО «Ромашка»")
    assert same_organisation("ООО Ромашка", "", "Общество с ограниченной ответственностью Ромашка")
