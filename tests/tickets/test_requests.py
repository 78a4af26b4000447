"""R15 releases, R17–R18 update access, R20 quality complaints, tokens, listing."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from supportline.accounts.models import User
from supportline.registry.models import Configuration, Release
from supportline.tickets.models import Notification
from tests.tickets.conftest import Line


def test_r15_published_release_notifies_every_linked_client(line: Line) -> None:
    first = line.ticket()["number"]
    second = line.ticket()["number"]
    line.consultant.post(
        f"/tickets/{first}/transfer",
        {
            "to": "development",
            "kind": "defect",
            "reason": "Ошибка проведения",
            "title": "Ошибка проведения сделки",
        },
    )
    item = line.consultant.get("/development-items").json()[0]
    line.consultant.post(
        f"/tickets/{second}/transfer",
        {"to": "development", "kind": "defect", "reason": "То же", "development_item": item["id"]},
    )
    conf = Configuration.objects.get(name="1С:CRM ПРОФ, редакция 3.0")
    release = Release.objects.create(
        configuration=conf, version="3.0.37.1", version_key="000003.000000.000037.000001"
    )
    planned = line.developer.post(
        f"/development-items/{item['id']}/plan", {"release_id": release.pk}
    ).json()
    assert planned["target_release"] == "3.0.37.1"
    assert sorted(planned["tickets"]) == sorted([first, second])
    notices = line.developer.post(f"/releases/{release.pk}/publish").json()
    assert {n["ticket"] for n in notices} == {first, second}
    mine = line.client.get("/notifications").json()
    assert {n["ticket"] for n in mine} == {first, second}
    assert "3.0.37.1" in mine[0]["text"]
    assert Release.objects.get(pk=release.pk).is_current
    assert not Release.objects.get(configuration=conf, version="3.0.36.12").is_current
    again = line.developer.post(f"/releases/{release.pk}/publish")
    assert again.status_code == 409
    assert Notification.objects.filter(kind="release_published").count() == 2


def test_r17_update_access_request_validates_inn_and_runs_at_operational_level(line: Line) -> None:
    bad = line.client.post(
        "/update-access",
        {
            "organisation_full_name": "ООО «Ромашка»",
            "inn": "7705123453",
            "registration_number": "800123456",
            "configuration": "1С:CRM ПРОФ",
            "version": "3.0.36.12",
        },
    )
    assert bad.status_code == 422
    assert "контрольной цифры" in bad.json()["errors"]["inn"]
    short = line.client.post("/update-access", {"inn": "123"})
    assert set(short.json()["errors"]) >= {
        "inn",
        "organisation_full_name",
        "registration_number",
        "configuration",
        "version",
    }
    ok = line.client.post(
        "/update-access",
        {
            "organisation_full_name": "ООО «Ромашка»",
            "inn": "7705123452",
            "registration_number": "800123456",
            "configuration": "1С:CRM ПРОФ, редакция 3.0",
            "version": "3.0.36.12",
            "previous_login": "romashka-old",
        },
    )
    assert ok.status_code == 201
    ticket = ok.json()
    assert ticket["kind"] == "update_access"
    assert ticket["level"] == "operational"
    assert ticket["sla"]["reaction"]["target_minutes"] == 240
    assert ticket["number"].startswith("UPD-")


def test_r18_access_granted_with_valid_contracts_records_login(line: Line) -> None:
    ticket = line.client.post(
        "/update-access",
        {
            "organisation_full_name": "ООО «Ромашка»",
            "inn": "7705123452",
            "registration_number": "800123456",
            "configuration": "1С:CRM ПРОФ, редакция 3.0",
            "version": "3.0.36.12",
        },
    ).json()
    no_login = line.consultant.post(f"/update-access/{ticket['number']}/decide", {})
    assert no_login.status_code == 422
    granted = line.consultant.post(
        f"/update-access/{ticket['number']}/decide",
        {"login": "romashka-upd", "configurations": ["1С:CRM ПРОФ, редакция 3.0"]},
    ).json()
    assert granted["status"] == "client_evaluation"
    assert "romashka-upd" in granted["messages"][-1]["body"]
    from supportline.tickets.models import UpdateAccessDetails

    details = UpdateAccessDetails.objects.get(ticket__number=ticket["number"])
    assert details.granted_login == "romashka-upd"
    assert [c.name for c in details.configurations.all()] == ["1С:CRM ПРОФ, редакция 3.0"]


def test_r18_access_refused_without_both_contracts(line: Line) -> None:
    ticket = line.client_b.post(
        "/update-access",
        {
            "organisation_full_name": "АО «Вектор»",
            "inn": "5018012341",
            "registration_number": "800654321",
            "configuration": "1С:CRM ПРОФ, редакция 3.0",
            "version": "3.0.36.12",
        },
    ).json()
    refused = line.consultant.post(
        f"/update-access/{ticket['number']}/decide", {"login": "vector"}
    ).json()
    assert refused["status"] == "refused"
    assert "1С:КП Отраслевой" in refused["messages"][-1]["body"]


def test_r20_complaints_go_to_the_quality_manager_not_to_consultants(line: Line) -> None:
    number = line.ticket()["number"]
    other = line.ticket(
        line.client_b,
        registration_number="800654321",
        organisation="АО «Вектор»",
        category="licensing",
    )["number"]
    foreign = line.client.post(
        "/complaints", {"subject": "Долго", "text": "Нет ответа", "tickets": [other]}
    )
    assert foreign.status_code == 422
    filed = line.client.post(
        "/complaints",
        {"subject": "Долгий ответ", "text": "Третий день без ответа", "tickets": [number]},
    )
    assert filed.status_code == 201
    complaint = filed.json()
    assert complaint["tickets"] == [number]
    assert line.consultant.get("/complaints").json() == []
    assert line.client_b.get("/complaints").json() == []
    queue = line.supervisor.get("/complaints").json()
    assert [c["number"] for c in queue] == [complaint["number"]]
    assert (
        line.consultant.post(f"/complaints/{complaint['number']}/answer", {"text": "x"}).status_code
        == 404
    )
    answered = line.supervisor.post(
        f"/complaints/{complaint['number']}/answer", {"text": "Разобрались, приносим извинения"}
    ).json()
    assert answered["state"] == "answered"
    assert line.client.get("/complaints").json()[0]["answer"] == "Разобрались, приносим извинения"


def test_token_command_prints_a_working_token(line: Line) -> None:
    out = StringIO()
    call_command("token", "consultant2", stdout=out)
    token = out.getvalue().strip()
    response = Client().get("/api/v1/tickets", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert User.objects.get(username="consultant2").api_tokens.count() == 2


def test_ticket_list_filters_paginates_and_keeps_queries_flat(line: Line) -> None:
    numbers = [line.ticket()["number"] for _ in range(5)]
    line.consultant.post(f"/tickets/{numbers[0]}/accept", {})
    accepted = line.client.get("/tickets", status="accepted").json()
    assert [t["number"] for t in accepted["items"]] == [numbers[0]]
    page = line.client.get("/tickets", page=2, page_size=2).json()
    assert page["count"] == 5 and len(page["items"]) == 2
    with CaptureQueriesContext(connection) as few:
        line.consultant.get("/tickets", page_size=2)
    with CaptureQueriesContext(connection) as many:
        line.consultant.get("/tickets", page_size=50)
    assert len(many) == len(few) <= 5


UPDATE = {
    "organisation_full_name": "ООО «Ромашка»",
    "inn": "7705123452",
    "registration_number": "800123456",
    "configuration": "1С:CRM ПРОФ, редакция 3.0",
    "version": "3.0.36.12",
}


def test_r17_inn_must_be_that_of_the_main_deliverys_organisation(line: Line) -> None:
    # 5018012341 passes the check digits but is Vector's INN.
    response = line.client.post("/update-access", {**UPDATE, "inn": "5018012341"})
    assert response.status_code == 422
    assert "не совпадает с ИНН организации" in response.json()["errors"]["inn"]


def test_r17_configuration_and_version_come_from_the_registry(line: Line) -> None:
    response = line.client.post(
        "/update-access",
        {**UPDATE, "configuration": "1С:Бухгалтерия", "version": "3.0.30.1"},
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert "не найдена среди конфигураций продукта «1С:CRM»" in errors["configuration"]
    unknown = line.client.post("/update-access", {**UPDATE, "version": "3.0.30.1"})
    assert "не является релизом конфигурации" in unknown.json()["errors"]["version"]
    ok = line.client.post(
        "/update-access", {**UPDATE, "configuration": "1с:crm  проф, редакция 3.0"}
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["configuration"] == "1С:CRM ПРОФ, редакция 3.0"  # the registry's name


def test_r18_grant_of_a_configuration_outside_the_product_is_refused(line: Line) -> None:
    number = line.client.post("/update-access", UPDATE).json()["number"]
    response = line.consultant.post(
        f"/update-access/{number}/decide",
        {"login": "romashka", "configurations": ["1С:Бухгалтерия предприятия"]},
    )
    assert response.status_code == 422
    assert "«1С:Бухгалтерия предприятия»" in response.json()["detail"]
