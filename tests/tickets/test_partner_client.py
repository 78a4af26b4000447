"""R1, R2: a partner files for its own NFR or for the clients it serves (`PartnerClient`), and
only the registration's holder learns which contract lapsed.

Demo: ООО «Франч Плюс» (12-345-678) serves ООО «Ромашка» (800123456), not АО «Вектор»
(800654321, KP expired)."""

from __future__ import annotations

import datetime as dt

from supportline.registry.models import Organisation, Partner, PartnerClient
from supportline.tickets import access
from supportline.tickets.models import Ticket
from tests.tickets.conftest import NOW, Line

PARTNER = "12-345-678"
VECTOR = {"registration_number": "800654321", "organisation": "АО «Вектор»"}


def link_vector(**dates: dt.date | None) -> PartnerClient:
    return PartnerClient.objects.create(
        partner=Partner.objects.get(code=PARTNER),
        organisation=Organisation.objects.get(inn="5018012341"),
        source=PartnerClient.Source.ADMIN,
        **dates,
    )


def test_r1_partner_cannot_file_on_a_registration_it_has_no_link_to(line: Line) -> None:
    """Today's probe: a partner filing on any organisation's number learnt its contracts and
    the ticket landed in that organisation's portal. Now it is refused per field."""
    response = line.partner.post("/tickets", {**_valid(), **VECTOR, "partner_code": PARTNER})
    assert response.status_code == 422
    error = response.json()["errors"]["registration_number"]
    assert "клиента, которого он обслуживает" in error
    assert "КП" not in error and "договор" not in error  # nothing about the contracts
    assert Ticket.objects.count() == 0
    assert line.client_b.get("/tickets").json()["count"] == 0


def test_r1_partner_files_for_a_client_it_serves(line: Line) -> None:
    ticket = line.ticket(line.partner, partner_code=PARTNER)
    assert ticket["status"] == "registered"
    # The client sees the ticket its partner filed for it, the partner sees its own.
    assert line.client.get(f"/tickets/{ticket['number']}").status_code == 200
    assert line.partner.get(f"/tickets/{ticket['number']}").status_code == 200


def test_r1_a_link_from_the_admin_lets_the_partner_file_and_learn_the_contracts(
    line: Line,
) -> None:
    link_vector()
    ticket = line.ticket(line.partner, **VECTOR, partner_code=PARTNER)
    assert ticket["status"] == "refused"
    # R2: a partner linked to that client is the holder's partner: it is told what lapsed.
    assert "договор 1С:КП Отраслевой" in ticket["messages"][-1]["body"]
    assert line.partner.get("/registry/registrations/800654321").status_code == 200


def test_r1_a_link_that_ended_or_has_not_begun_does_not_count(line: Line) -> None:
    today = NOW.date()
    link = link_vector(until=today - dt.timedelta(days=1))
    assert (
        line.partner.post("/tickets", {**_valid(), **VECTOR, "partner_code": PARTNER}).status_code
        == 422
    )
    link.until, link.since = None, today + dt.timedelta(days=1)
    link.save()
    assert (
        line.partner.post("/tickets", {**_valid(), **VECTOR, "partner_code": PARTNER}).status_code
        == 422
    )
    assert line.partner.get("/registry/registrations/800654321").status_code == 404
    link.since = today
    link.save()
    assert (
        line.partner.post("/tickets", {**_valid(), **VECTOR, "partner_code": PARTNER}).status_code
        == 201
    )


def test_r1_a_partner_code_named_by_mail_on_an_unlinked_client_is_not_taken(line: Line) -> None:
    """A letter from an unknown address naming a partner code on Vector's number: the partner
    would see the ticket. The code is asked for again instead (R1), nothing about contracts."""
    from supportline.tickets.actions.registration import ticket_register
    from supportline.tickets.intake import IntakeData

    ticket = ticket_register(
        actor=None,
        channel="email",
        data=IntakeData(
            subject="Вопрос",
            body="Текст",
            **VECTOR,
            partner_code=PARTNER,
            configuration="1С:CRM ПРОФ, редакция 3.0",
            version="3.0.36.12",
            contact_email="someone@elsewhere.example.com",
        ),
    )
    assert ticket.status == "waiting_client"
    assert "registration_number" in ticket.missing_fields
    assert ticket.partner is None and ticket.organisation is None
    assert not access.visible_tickets(line.partner.user).filter(pk=ticket.pk).exists()
    assert not access.visible_tickets(line.client_b.user).filter(pk=ticket.pk).exists()


def test_r1_partner_sees_the_registrations_of_its_nfr_and_of_clients_it_serves(
    line: Line,
) -> None:
    numbers = set(access.visible_registrations(line.partner.user).values_list("number", flat=True))
    assert numbers == {"NFR-880011", "800123456"}
    assert access.may_file_for(line.partner.user, _reg("800123456"))
    assert not access.may_file_for(line.partner.user, _reg("800654321"))


def _reg(number: str):  # type: ignore[no-untyped-def]
    from supportline.registry.models import RegistrationNumber

    return RegistrationNumber.objects.get(number=number)


def _valid() -> dict[str, str]:
    from tests.tickets.conftest import VALID_TICKET

    return dict(VALID_TICKET)
