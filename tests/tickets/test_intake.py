"""Intake through the REST API: R1 required data, R2 contracts, R3 scope, R4 releases, R6 channels."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from supportline.lib.versions import version_key
from supportline.registry.models import Configuration, Release
from supportline.tickets.models import Status, Ticket
from tests.tickets.conftest import VALID_TICKET, Line, msk

# R2: what a sender who is not the holder is told (the 1C:CRM file's contracts_in_general).
CONTRACTS_IN_GENERAL = "действующие договоры 1С:ИТС и «1С:КП Отраслевой» на дату обращения"


def test_r1_api_refuses_missing_fields_with_a_message_per_field(line: Line) -> None:
    response = line.client.post("/tickets", {"subject": "Вопрос", "body": "Текст"})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors == {
        "registration_number": "Укажите регистрационный номер программы",
        "organisation": "Укажите наименование организации",
        "configuration": "Укажите название конфигурации",
        "version": "Укажите версию (релиз) программы, например 3.0.36.12",
    }
    assert Ticket.objects.count() == 0


def test_r1_unknown_registration_number_and_configuration(line: Line) -> None:
    response = line.client.post(
        "/tickets",
        {**VALID_TICKET, "registration_number": "999", "configuration": "1С:Бухгалтерия"},
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert "не найден в реестре" in errors["registration_number"]
    assert "не найдена в реестре продуктов" in errors["configuration"]


def test_r1_client_cannot_file_on_another_organisations_number(line: Line) -> None:
    response = line.client_b.post("/tickets", VALID_TICKET)
    assert response.status_code == 422
    assert "не принадлежит вашей организации" in response.json()["errors"]["registration_number"]


def test_r1_partner_needs_its_code_and_may_use_its_nfr(line: Line) -> None:
    nfr = {**VALID_TICKET, "registration_number": "NFR-880011", "organisation": "ООО «Франч Плюс»"}
    response = line.partner.post("/tickets", nfr)
    assert response.status_code == 422
    assert response.json()["errors"]["partner_code"] == "Партнёр указывает свой код партнёра"
    ticket = line.ticket(line.partner, **nfr, partner_code="12-345-678")
    assert ticket["status"] == "registered"
    assert ticket["partner_code"] == "12-345-678"


def test_r1_partner_asks_for_a_clients_program(line: Line) -> None:
    ticket = line.ticket(line.partner, partner_code="12-345-678")
    assert ticket["status"] == "registered"
    stored = Ticket.objects.get(number=ticket["number"])
    assert stored.organisation is not None and stored.organisation.name == "ООО «Ромашка»"
    assert stored.partner is not None and stored.partner.code == "12-345-678"


def test_r1_bad_version_format(line: Line) -> None:
    response = line.client.post("/tickets", {**VALID_TICKET, "version": "последняя"})
    assert response.status_code == 422
    assert "числами через точку" in response.json()["errors"]["version"]


def test_r1_malformed_json_types_get_russian_errors(line: Line) -> None:
    response = line.client.post("/tickets", {**VALID_TICKET, "subject": ["a"]})
    assert response.status_code == 422
    assert response.json()["errors"] == {"subject": "Ожидается строка"}


def test_r2_expired_kp_contract_refuses_with_the_reason(line: Line) -> None:
    ticket = line.ticket(
        line.client_b,
        registration_number="800654321",
        organisation="АО «Вектор»",
    )
    assert ticket["status"] == "refused"
    refusal = ticket["messages"][-1]["body"]
    assert "1С:КП Отраслевой" in refusal
    assert "1С:ИТС»" not in refusal.split("не найдено:")[1]
    assert ticket["sla"]["reaction"]["state"] == "met"
    assert ticket["sla"]["resolution"]["state"] == "met"


def test_r2_licensing_and_protection_questions_are_not_refused_without_contracts(
    line: Line,
) -> None:
    """They are not refused at once: they wait for the line's confirmation (test_exemption)."""
    for category in ("licensing", "protection_system"):
        ticket = line.ticket(
            line.client_b,
            registration_number="800654321",
            organisation="АО «Вектор»",
            category=category,
        )
        assert ticket["status"] == "registered", category
        assert ticket["exemption"] == "pending", category


def test_r2_contract_validity_is_checked_at_the_registration_instant(line: Line) -> None:
    # A phone call registered 60 days ago, when Vector's KP contract was still valid.
    ticket = line.ticket(
        line.consultant,
        registration_number="800654321",
        organisation="АО «Вектор»",
        channel="phone",
        registered_at=msk(2026, 9, 25, 11, 0).isoformat(),
    )
    assert ticket["status"] == "registered"
    assert ticket["registered_at"].startswith("2026-09-25T11:00:00+03:00")


def test_r3_out_of_scope_category_is_redirected_with_the_standard_answer(line: Line) -> None:
    ticket = line.ticket(category="pc_setup")
    assert ticket["status"] == "redirected"
    answer = ticket["messages"][-1]["body"]
    assert "1С:Франчайзи" in answer and ticket["number"] in answer


def test_r3_withdrawn_configuration_is_redirected(line: Line) -> None:
    ticket = line.ticket(configuration="1С:CRM ПРОФ, редакция 2.1", version="2.1.9.3")
    assert ticket["status"] == "redirected"
    assert ticket["category"] == "withdrawn_product"


def test_r4_version_that_is_not_current_gets_update_to_release_answer(line: Line) -> None:
    ticket = line.ticket(version="3.0.35.4")
    assert ticket["status"] == "client_evaluation"
    assert "актуального релиза 3.0.36.12" in ticket["messages"][-1]["body"]


def test_r4_the_update_answer_names_the_newest_current_release_read_with_the_r1_check(
    line: Line,
) -> None:
    """Issue 15: the R1 check and the R4 triage read the configuration's releases once; the
    answer still names the newest *current* release, not the newest one (a beta is newer)."""
    conf = Configuration.objects.get(name="1С:CRM ПРОФ, редакция 3.0")
    for version, current in (("3.0.37.1", True), ("3.0.38.0", False)):
        Release.objects.create(
            configuration=conf,
            version=version,
            version_key=version_key(version),
            is_current=current,
        )
    with CaptureQueriesContext(connection) as queries:
        ticket = line.ticket(version="3.0.36.12")
    assert ticket["status"] == "client_evaluation"
    assert "актуального релиза 3.0.37.1" in ticket["messages"][-1]["body"]
    reads = [q["sql"] for q in queries.captured_queries if '"registry_release"' in q["sql"]]
    assert len(reads) == 1, reads


def test_r4_numeric_version_order(line: Line) -> None:
    # 3.0.36.100 is newer than the current 3.0.36.12 although it sorts lower as text.
    ticket = line.ticket(version="3.0.36.100")
    assert ticket["status"] == "registered"


def test_r6_phone_ticket_is_registered_by_a_consultant_with_the_call_time(line: Line) -> None:
    call = msk(2026, 11, 24, 9, 15)
    ticket = line.ticket(line.consultant, channel="phone", registered_at=call.isoformat())
    assert ticket["channel"] == "phone"
    assert ticket["events"][0]["type"] == "registered"
    assert ticket["events"][0]["at"].startswith("2026-11-24T09:15:00+03:00")
    assert ticket["sla"]["reaction"]["elapsed_minutes"] == 45
    refused = line.client.post("/tickets", {**VALID_TICKET, "channel": "phone"})
    assert refused.status_code == 422
    assert "«api»" in refused.json()["errors"]["channel"]


def test_r1_r12_email_ticket_with_missing_data_is_registered_and_asks(line: Line) -> None:
    ticket = line.ticket(line.consultant, channel="email", registration_number="", version="")
    assert ticket["status"] == "waiting_client"
    assert ticket["missing_fields"] == ["registration_number", "version"]
    question = ticket["messages"][-1]["body"]
    assert "регистрационный номер программы" in question and "версия" in question
    assert ticket["sla"]["resolution"]["state"] == "paused"


def test_r1_r12_client_answers_the_data_question_and_triage_runs(line: Line) -> None:
    ticket = line.ticket(line.consultant, channel="email", version="")
    assert ticket["missing_fields"] == ["version"]
    number = ticket["number"]
    replied = line.client.post(f"/tickets/{number}/reply", {"text": "Версия 3.0.36.12"})
    assert replied.status_code == 200
    assert replied.json()["status"] == "registered"
    done = line.consultant.post(f"/tickets/{number}/complete-data", {"version": "3.0.36.12"}).json()
    assert done["missing_fields"] == []
    assert done["status"] == "registered"
    assert done["version"] == "3.0.36.12"


def test_receipt_is_not_the_reaction(line: Line) -> None:
    ticket = line.ticket()
    assert "зарегистрировано под номером" in ticket["messages"][-1]["body"]
    assert ticket["sla"]["reaction"]["state"] == "running"
    assert ticket["status"] == Status.REGISTERED


def test_r2_contracts_are_checked_at_registration_even_when_data_come_later(line: Line) -> None:
    """Vector's KP contract expired 40 days ago; a call registered 60 days ago without the
    version is completed today: it is judged by the contracts of the registration instant."""
    ticket = line.ticket(
        line.consultant,
        registration_number="800654321",
        organisation="АО «Вектор»",
        version="",
        channel="email",
        registered_at=msk(2026, 9, 25, 11, 0).isoformat(),
    )
    assert ticket["status"] == "waiting_client"
    done = line.consultant.post(
        f"/tickets/{ticket['number']}/complete-data", {"version": "3.0.36.12"}
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "registered"


def test_r1_client_cannot_pick_a_channel_a_partner_or_a_registration_time(line: Line) -> None:
    """A client cannot skip the API's R1 refusal by claiming «email», attach a partner who
    would then see the ticket, or date its ticket back (security review)."""
    email = line.client.post("/tickets", {**VALID_TICKET, "channel": "email"})
    assert email.status_code == 422 and "channel" in email.json()["errors"]
    partner = line.client.post("/tickets", {**VALID_TICKET, "partner_code": "12-345-678"})
    assert partner.status_code == 422
    assert partner.json()["errors"]["partner_code"] == "Код партнёра указывает только партнёр"
    back = line.client.post(
        "/tickets", {**VALID_TICKET, "registered_at": msk(2026, 11, 1, 10, 0).isoformat()}
    )
    assert back.status_code == 422 and "registered_at" in back.json()["errors"]
    foreign = line.client.post(
        "/tickets",
        {**VALID_TICKET, "registration_number": "800654321", "organisation": "АО «Вектор»"},
    )
    assert foreign.status_code == 422
    assert Ticket.objects.count() == 0


def test_r6_registration_time_without_a_zone_is_a_clear_error(line: Line) -> None:
    response = line.consultant.post(
        "/tickets", {**VALID_TICKET, "channel": "phone", "registered_at": "2026-11-24T09:30:00"}
    )
    assert response.status_code == 422
    assert "часовым поясом" in response.json()["errors"]["registered_at"]


def test_r2_a_stranger_is_not_told_which_contract_of_an_organisation_lapsed(line: Line) -> None:
    """The refusal goes to the sender: only the organisation's own people learn the details."""
    from supportline.tickets.actions.registration import ticket_register
    from supportline.tickets.intake import IntakeData

    def by_mail(sender: str) -> str:
        ticket = ticket_register(
            actor=None,
            channel="email",
            data=IntakeData(
                subject="Вопрос",
                body="Текст",
                registration_number="800654321",
                organisation="АО «Вектор»",
                configuration="1С:CRM ПРОФ, редакция 3.0",
                version="3.0.36.12",
                contact_email=sender,
            ),
        )
        assert ticket.status == "refused"
        return ticket.messages.order_by("-id").first().body  # type: ignore[union-attr]

    stranger = by_mail("someone@elsewhere.example.com")
    assert CONTRACTS_IN_GENERAL in stranger
    own = by_mail("crm@vector.example.ru")  # the organisation's own address
    assert CONTRACTS_IN_GENERAL not in own and "договор 1С:КП Отраслевой" in own
