"""R21 any line: SupportLine runs on the second, different regulation shipped as an example
(`regulation/examples/sklad-online.toml`: other level, category and contract ids, 10:00-19:00
Yekaterinburg time, other channels, contacts and texts) without code changes — the whole story
through the API, the refusal in that file's words, the SLA deadlines in its hours and zone, its
channels enforced at intake and at start-up, and a calendar key the service does not have
stopping the start."""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

import supportline.regulation
from supportline.accounts.models import User
from supportline.api.models import ApiToken
from supportline.core import rules
from supportline.core.demo import load_demo
from supportline.registry.models import Contract
from supportline.regulation import RegulationError, load_regulation, parse_regulation
from supportline.tickets.errors import IntakeError
from supportline.tickets.models import Message, Ticket
from tests.tickets.conftest import VALID_TICKET, Api, api_for

EXAMPLE = Path(supportline.regulation.__file__).parent / "examples" / "sklad-online.toml"
SHIPPED = Path(supportline.regulation.__file__).parent / "1c-crm.toml"
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "api_scenario.py"
YEKT = ZoneInfo("Asia/Yekaterinburg")


def yekt(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=YEKT)  # type: ignore[misc]


def _switch(settings: Any, path: Path | str) -> None:
    settings.REGULATION_FILE = str(path)
    rules.regulation.cache_clear()
    rules.forget_calendar()


@pytest.fixture
def example(settings: Any) -> Iterator[Path]:
    """The example regulation in force for one test (and the shipped one again after it)."""
    _switch(settings, EXAMPLE)
    yield EXAMPLE
    settings.REGULATION_FILE = ""
    rules.regulation.cache_clear()
    rules.forget_calendar()


def _text(key: str, **values: object) -> str:
    return str(getattr(load_regulation(EXAMPLE).answers, key).ru.format(**values))


def test_r21_the_example_shares_no_id_hour_zone_or_contact_with_1c_crm() -> None:
    crm, other = parse_regulation(SHIPPED.read_text("utf-8")), load_regulation(EXAMPLE)
    assert not set(crm.level_ids) & set(other.level_ids)
    assert not {c.id for c in crm.scope_categories} & {c.id for c in other.scope_categories}
    assert not {k.id for k in crm.contracts} & {k.id for k in other.contracts}
    hours = other.working_hours
    assert (hours.start, hours.end, hours.time_zone) == (
        dt.time(10),
        dt.time(19),
        "Asia/Yekaterinburg",
    )
    assert other.contacts.support_email != crm.contacts.support_email
    assert not other.has_channel("connect")


@pytest.mark.django_db
def test_r21_the_whole_story_runs_through_the_api_on_the_example_line(example: Path) -> None:
    """Intake → accept → answer → resolve → rate, with the example's texts, level and
    deadlines in 10:00-19:00 Yekaterinburg time (R7, R8, R9, R13)."""
    with time_machine.travel(yekt(2026, 11, 24, 13, 0), tick=False) as clock:
        load_demo(today=dt.date(2026, 11, 24))
        assert set(Contract.objects.values_list("kind", flat=True)) == {"subscription"}
        client, consultant = api_for("client"), api_for("consultant1")
        filed = client.post("/tickets", VALID_TICKET)
        assert filed.status_code == 201, filed.content.decode()
        number = filed.json()["number"]
        ticket = client.get(f"/tickets/{number}").json()
        assert ticket["level"] == "normal"
        assert _text("receipt", number=number) in [m["body"] for m in ticket["messages"]]
        reaction, resolution = ticket["sla"]["reaction"], ticket["sla"]["resolution"]
        assert (reaction["target_minutes"], resolution["target_minutes"]) == (240, 960)
        # R9 on this line's hours: 13:00 + 4 h = 17:00; 16 h = Tue 6 h + Wed 9 h + Thu 1 h.
        assert reaction["due_at"] == "2026-11-24T17:00:00+05:00"
        assert resolution["due_at"] == "2026-11-26T11:00:00+05:00"

        clock.move_to(yekt(2026, 11, 24, 14, 30))
        accepted = consultant.post(f"/tickets/{number}/accept", {}).json()
        assert accepted["sla"]["reaction"]["state"] == "met"
        assert accepted["sla"]["reaction"]["elapsed_minutes"] == 90
        assert accepted["messages"][-1]["body"] == _text(
            "acceptance",
            number=number,
            level="Обычный вопрос",
            resolution_due="26.11.2026 11:00 ЕКБ",
        )

        clock.move_to(yekt(2026, 11, 24, 18, 30))
        consultant.post(f"/tickets/{number}/answer", {"text": "Сбросьте фильтр отчёта."})
        resolved = consultant.post(f"/tickets/{number}/resolve", {}).json()
        assert resolved["status"] == "client_evaluation"
        assert resolved["messages"][-1]["body"] == _text("evaluation_request", number=number)
        assert resolved["sla"]["resolution"]["elapsed_minutes"] == 330  # 13:00-18:30

        closed = client.post(
            f"/tickets/{number}/evaluate", {"accepted": True, "rating": 5, "comment": "Спасибо"}
        ).json()
        assert closed["status"] == "closed" and closed["rating"] == 5


@pytest.mark.django_db
def test_r9_r21_a_ticket_before_the_example_lines_day_starts_at_10_yekaterinburg(
    example: Path,
) -> None:
    with time_machine.travel(yekt(2026, 11, 24, 9, 30), tick=False):
        load_demo(today=dt.date(2026, 11, 24))
        ticket = api_for("client").post("/tickets", VALID_TICKET).json()
        assert ticket["reaction_due_at"] == "2026-11-24T14:00:00+05:00"


@pytest.mark.django_db
def test_r2_r21_the_refusal_speaks_the_example_files_words(example: Path) -> None:
    with time_machine.travel(yekt(2026, 11, 24, 13, 0), tick=False):
        load_demo(today=dt.date(2026, 11, 24))
        vector: Api = api_for("client2")
        filed = vector.post(
            "/tickets",
            {**VALID_TICKET, "registration_number": "800654321", "organisation": "АО «Вектор»"},
        )
        assert filed.status_code == 201, filed.content.decode()
        number = filed.json()["number"]
        ticket = Ticket.objects.get(number=number)
        assert ticket.status == "refused"
        refusal = ticket.messages.filter(purpose=Message.Purpose.REFUSAL).get()
        assert refusal.body == _text(
            "refusal_no_contract", number=number, missing="действующая подписка на сопровождение"
        )
        assert "1С:ИТС" not in refusal.body


@pytest.mark.django_db
def test_r6_r21_a_channel_the_example_does_not_list_is_refused_at_intake(example: Path) -> None:
    from supportline.tickets.actions.registration import ticket_register
    from supportline.tickets.intake import IntakeData

    with time_machine.travel(yekt(2026, 11, 24, 13, 0), tick=False):
        load_demo(today=dt.date(2026, 11, 24))
        data = {k: v for k, v in VALID_TICKET.items()}
        with pytest.raises(IntakeError) as refused:
            ticket_register(actor=None, channel="connect", data=IntakeData(**data))
        assert "нет в регламенте" in refused.value.errors["channel"]
        assert Ticket.objects.count() == 0


def test_r6_r21_a_switched_on_channel_the_file_does_not_list_stops_the_start(
    example: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from supportline.connect import apps, config

    monkeypatch.setattr(config, "enabled", lambda: True)
    [error] = apps.check_connect_channel()
    assert error.id == "connect.E001"
    assert "USE_CONNECT" in error.msg and "'connect'" in error.msg and str(EXAMPLE) in error.msg


def test_r9_r21_an_unknown_calendar_key_is_a_start_up_error_naming_the_key_and_file(
    settings: Any, tmp_path: Path
) -> None:
    from supportline.core.checks import check_regulation

    broken = tmp_path / "kz-line.toml"
    broken.write_text(
        EXAMPLE.read_text("utf-8").replace('calendar = "ru"', 'calendar = "kz"'), "utf-8"
    )
    with pytest.raises(RegulationError) as error:
        load_regulation(broken)
    assert error.value.path == "working_time.calendar"
    assert "'kz'" in str(error.value) and str(broken) in str(error.value)
    _switch(settings, broken)
    try:
        [problem] = check_regulation()
        assert problem.id == "core.E001"
        assert "working_time.calendar" in problem.msg and str(broken) in problem.msg
    finally:
        settings.REGULATION_FILE = ""
        rules.regulation.cache_clear()
        rules.forget_calendar()


@pytest.mark.django_db(transaction=True)
def test_r21_api_scenario_script_on_the_example_line(example: Path, live_server: Any) -> None:
    """scripts/api_scenario.py, the scripted API story, against a live server on the example."""
    load_demo()
    spec = importlib.util.spec_from_file_location("api_scenario", SCRIPT)
    assert spec is not None and spec.loader is not None
    scenario = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scenario)
    _, client = ApiToken.issue(User.objects.get(username="client"))
    _, consultant = ApiToken.issue(User.objects.get(username="consultant1"))
    out = io.StringIO()
    number = scenario.run(live_server.url, client, consultant, out=out)
    ticket = Ticket.objects.get(number=number)
    assert ticket.status == "closed" and ticket.rating == 5 and ticket.level == "normal"
    assert "/240 мин" in out.getvalue()  # the example's normal level: 4 working hours


@pytest.mark.django_db
def test_r2_r21_import_contracts_reads_the_example_files_contract_kinds(
    example: Path, tmp_path: Path
) -> None:
    from supportline.registry.importer import RawRow, import_contracts
    from supportline.registry.models import Product

    Product.objects.create(name="Склад-Онлайн")
    base = {
        "registration_number": "SO-100",
        "registration_kind": "основная поставка",
        "organisation": "ООО «Ромашка»",
        "inn": "7705123452",
        "product": "Склад-Онлайн",
        "valid_from": "01.01.2026",
        "valid_to": "31.12.2026",
    }
    report = import_contracts(rows_source=[RawRow(2, {**base, "contract_kind": "Подписка"})])
    assert report.ok, [str(e) for e in report.errors]
    assert Contract.objects.get().kind == "subscription"
    refused = import_contracts(rows_source=[RawRow(2, {**base, "contract_kind": "1С:ИТС"})])
    assert not refused.ok
    assert "допустимо: Подписка на сопровождение" in str(refused.errors[0])


def test_r21_a_file_without_the_optional_texts_gets_neutral_ones() -> None:
    text = EXAMPLE.read_text("utf-8")
    kept = "\n".join(
        line
        for line in text.splitlines()
        if not line.startswith(("ask_missing", "auto_close =", "release_", "fixed_in_release"))
    )
    regulation = parse_regulation(kept)
    ask = regulation.answers.ask_missing.ru.format(number="N-1", missing="версия — пусто")
    assert "N-1" in ask and "версия — пусто" in ask
    for neutral in (ask, regulation.answers.release_planned.ru, regulation.answers.auto_close.ru):
        assert "1С" not in neutral and "регламент" not in neutral


def test_r21_a_lifecycle_text_with_an_unknown_placeholder_names_its_key() -> None:
    text = EXAMPLE.read_text("utf-8").replace(
        "Запрос {number} закрыт: оценки не было {days}", "Запрос {number} закрыт {when}"
    )
    with pytest.raises(RegulationError) as error:
        parse_regulation(text)
    assert error.value.path == "answers.auto_close.ru" and "{when}" in error.value.problem


def test_r21_the_1c_crm_file_keeps_the_lifecycle_texts_word_for_word() -> None:
    """The 1C:CRM texts moved from code to the file unchanged (R1, R2, R13, R15, R17)."""
    answers = parse_regulation(SHIPPED.read_text("utf-8")).answers
    assert answers.ask_missing.ru.format(number="CRM-1", missing="X") == (
        "Здравствуйте! Для работы с обращением № CRM-1 не хватает данных (регламент, п. 1): X. "
        "Пожалуйста, пришлите их ответом на это сообщение в виде строк «Рег. номер: …», "
        "«Организация: …», «Конфигурация: …», «Версия: …»."
    )
    assert answers.contracts_in_general.ru == (
        "действующие договоры 1С:ИТС и «1С:КП Отраслевой» на дату обращения"
    )
    assert answers.auto_close.ru.format(number="CRM-1", days=3) == (
        "Обращение закрыто автоматически: оценка не получена в течение 3 рабочих дней."
    )
    planned = answers.planned_date_note.ru.format(date="15.01.2027")
    assert answers.fixed_in_release.ru.format(
        number="CRM-1", version="3.0.37", planned=planned, configuration="1С:CRM ПРОФ"
    ) == ("Исправлено в релизе 3.0.37 (плановая дата 15.01.2027) конфигурации «1С:CRM ПРОФ».")


@pytest.mark.django_db
def test_r21_the_demo_tickets_load_on_the_example_line(example: Path) -> None:
    from supportline.core.demo_tickets import load_demo_tickets

    with time_machine.travel(yekt(2026, 11, 24, 13, 0), tick=False):
        load_demo(today=dt.date(2026, 11, 24))
        assert load_demo_tickets(now=yekt(2026, 11, 24, 13, 0)) > 0
    levels = set(Ticket.objects.values_list("level", flat=True))
    assert levels <= {"urgent", "normal", "roadmap"} and "urgent" in levels
    assert Ticket.objects.filter(status="redirected", category="custom_integration").exists()


def test_r19_r21_mail_goes_out_from_the_example_lines_address(example: Path, settings: Any) -> None:
    from supportline.mail import config

    settings.DEFAULT_FROM_EMAIL = ""
    assert config.from_address() == "help@sklad-online.example"
    assert config.message_id_domain() == "sklad-online.example"
    settings.DEFAULT_FROM_EMAIL = "robot@deploy.example"  # a deployment may still set its own
    assert config.from_address() == "robot@deploy.example"


def test_r9_r21_sla_explain_counts_in_the_example_lines_hours_and_zone() -> None:
    """`supportline sla explain --regulation FILE` uses that file's hours and zone (10-19 YEKT)."""
    import json

    from supportline.sla.cli import explain_main

    ticket = {
        "level": "normal",
        "now": "2026-11-24T12:00:00+05:00",
        "events": [{"at": "2026-11-24T09:00:00+05:00", "type": "registered"}],
    }
    out, err = io.StringIO(), io.StringIO()
    code = explain_main(
        ["--regulation", str(EXAMPLE), "-"], io.StringIO(json.dumps(ticket)), out, err
    )
    assert code == 0, err.getvalue()
    reaction = json.loads(out.getvalue())["reaction"]
    # The day starts at 10:00 Yekaterinburg time: 2 h used by 12:00, due 14:00 (+05:00).
    assert reaction["elapsed_minutes"] == 120 and reaction["target_minutes"] == 240
    assert reaction["due_at"] == "2026-11-24T14:00:00+05:00"


@pytest.mark.django_db
def test_r14_r21_the_desk_names_the_example_lines_hours_zone_and_out_of_turn_level(
    example: Path,
) -> None:
    from django.test import Client

    with time_machine.travel(yekt(2026, 11, 24, 13, 0), tick=False):
        load_demo(today=dt.date(2026, 11, 24))
        desk = Client()
        desk.force_login(User.objects.get(username="consultant1"))
        queue = desk.get("/desk/").content.decode()
        assert "«вне очереди» (Срочно)" in queue and "10:00–19:00 ЕКБ" in queue
        assert "МСК" not in queue
        phone = desk.get("/desk/phone/").content.decode()
        assert "Время звонка (ЕКБ)" in phone and "МСК" not in phone


@pytest.mark.django_db
def test_r21_the_admin_offers_the_example_files_contract_kinds_and_levels(example: Path) -> None:
    from django.test import Client

    load_demo(today=dt.date(2026, 11, 24))
    admin = User.objects.create_superuser("root", "root@example.test", "x")
    browser = Client()
    browser.force_login(admin)
    contract = Contract.objects.first()
    assert contract is not None
    page = browser.get(f"/admin/registry/contract/{contract.pk}/change/").content.decode()
    assert 'value="subscription"' in page and "Подписка на сопровождение" in page
    assert "kp_otraslevoy" not in page
    # The level select offers the file's tariffs, not 1C:ITS's ПРОФ / ТЕХНО.
    assert 'value="extended"' in page and "Расширенный" in page
    assert 'value="techno"' not in page and "ТЕХНО" not in page
    listing = browser.get("/admin/registry/contract/").content.decode()
    assert "Базовый" in listing and "ПРОФ" not in listing  # the level filter
    assert browser.get("/admin/tickets/ticket/").status_code == 200


@pytest.mark.django_db
def test_r6_r21_a_line_without_the_api_channel_refuses_api_tickets_in_russian(
    settings: Any, tmp_path: Path
) -> None:
    text = EXAMPLE.read_text("utf-8")
    head, api_and_rest = text.split('[[channels]]\nid = "api"', 1)
    rest = api_and_rest.split("\n\n", 1)[1]
    no_api = tmp_path / "no-api.toml"
    no_api.write_text(head + rest, "utf-8")
    _switch(settings, no_api)
    try:
        assert not rules.regulation().has_channel("api")
        with time_machine.travel(yekt(2026, 11, 24, 13, 0), tick=False):
            load_demo(today=dt.date(2026, 11, 24))
            refused = api_for("client").post("/tickets", VALID_TICKET)
        assert refused.status_code == 422
        assert refused.json()["errors"]["channel"] == (
            "Линия не принимает обращения по каналу «REST API»: его нет в регламенте линии"
        )
        assert Ticket.objects.count() == 0
    finally:
        settings.REGULATION_FILE = ""
        rules.regulation.cache_clear()
        rules.forget_calendar()


@pytest.mark.django_db
def test_r1_r7_r21_a_mail_without_data_is_asked_in_the_example_files_words(
    example: Path, settings: Any
) -> None:
    from supportline.jobs.core import discover
    from tests.mail.conftest import MX, deliver, eml

    discover()
    settings.MAIL_AUTHSERV_ID = [MX]
    settings.MAIL_TRUST_FROM = False

    arrived = dt.datetime(2026, 11, 24, 10, 1, tzinfo=ZoneInfo("Europe/Moscow"))  # 12:01 YEKT
    with time_machine.travel(arrived, tick=False):
        load_demo(today=arrived.date())
        mail = deliver(eml("no-r1-data-thunderbird.eml"))
        ticket = mail.ticket
        assert ticket is not None, (mail.state, mail.error)
        assert ticket.status == "waiting_client"
        receipt = ticket.messages.get(purpose=Message.Purpose.RECEIPT)
        assert receipt.body == _text("receipt", number=ticket.number)
        question = ticket.messages.get(purpose=Message.Purpose.QUESTION)
        assert question.body.startswith(
            f"Добрый день! Для запроса {ticket.number} нам не хватает: "
        )
        assert question.body.endswith("Ответьте, пожалуйста, на это письмо.")
        assert "регламент, п. 1" not in question.body  # the 1C:CRM wording is that file's


@pytest.mark.django_db
def test_r3_r21_an_out_of_scope_question_goes_to_the_example_files_target(example: Path) -> None:
    """R3 on the example line: the redirect goes to the file's own target (no franchisee in
    code), with the category's client text, and the number carries the file's prefix."""
    from supportline.desk.selectors.ticket import _describe_data
    from supportline.tickets.models import EventType

    with time_machine.travel(yekt(2026, 11, 24, 13, 0), tick=False):
        load_demo(today=dt.date(2026, 11, 24))
        filed = api_for("client").post(
            "/tickets", {**VALID_TICKET, "category": "custom_integration"}
        )
        assert filed.status_code == 201, filed.content.decode()
        number = filed.json()["number"]
    assert number.startswith("SKL-")
    ticket = Ticket.objects.get(number=number)
    assert ticket.status == "redirected"
    event = ticket.events.get(type=EventType.REDIRECTED)
    assert event.data["to"] == "integrator"
    answer = load_regulation(EXAMPLE).scope_category("custom_integration").answer
    assert answer is not None
    assert answer.ru.format(number=number) in [m.body for m in ticket.messages.all()]
    # The desk's history names the target by the file's name for it.
    assert _describe_data(event, {}).endswith("→ Автор доработки или интеграции")


@pytest.mark.django_db
def test_r21_the_openapi_description_names_the_line_of_the_file_in_force(
    example: Path, client: Any
) -> None:
    description = client.get("/api/openapi.json").json()["info"]["description"]
    assert "Линия поддержки «Склад-Онлайн»" in description and "1С:CRM" not in description
    from django.utils import translation

    with translation.override("ru"):  # the request switches to English; not the next test
        english = client.get("/api/openapi.json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert "(Sklad-Online support line)" in english["info"]["description"]


@pytest.mark.django_db
def test_r18_r21_the_contract_level_column_and_levels_are_the_example_files(
    example: Path, tmp_path: Path
) -> None:
    """The registry's level column is a property of the contract kind in the file: on this
    line «Тариф» with Базовый / Расширенный, and the 1C:CRM «Уровень ИТС» means nothing."""
    from supportline.registry.importer import RawRow, import_contracts
    from supportline.registry.models import Product

    Product.objects.create(name="Склад-Онлайн")
    sheet = tmp_path / "registry.csv"
    sheet.write_text(
        "Регистрационный номер;Организация;ИНН;Продукт;Вид договора;Действует с;"
        "Действует по;Тариф\n"
        "SO-100;ООО «Ромашка»;7705123452;Склад-Онлайн;Подписка;01.01.2026;31.12.2026;плюс\n",
        encoding="utf-8",
    )
    report = import_contracts(rows_source=sheet)
    assert report.ok, [str(e) for e in report.errors]
    assert Contract.objects.get().its_level == "extended"
    base = {
        "registration_number": "SO-101",
        "organisation": "ООО «Ромашка»",
        "inn": "7705123452",
        "product": "Склад-Онлайн",
        "contract_kind": "Подписка",
        "valid_from": "01.01.2026",
        "valid_to": "31.12.2026",
    }
    refused = import_contracts(rows_source=[RawRow(2, {**base, "its_level": "ПРОФ"})])
    assert [str(e) for e in refused.errors] == [
        "Строка 2, «Тариф»: неизвестный тариф «ПРОФ»; допустимо: Базовый, Расширенный"
    ]
    kind = rules.regulation().contract_kind("subscription")
    assert kind.level_column == "Тариф"
    assert [lv.id for lv in kind.levels] == ["basic", "extended"]


@pytest.mark.django_db
def test_r17_r19_r21_each_kind_of_ticket_is_numbered_with_the_example_files_prefix(
    example: Path,
) -> None:
    from supportline.tickets.actions.registration import number_prefix
    from supportline.tickets.models import Kind
    from tests.api.test_idempotency import UPDATE_ACCESS

    assert [number_prefix(k) for k in (Kind.CONSULTATION, Kind.UPDATE_ACCESS)] == ["SKL", "SKLU"]
    assert number_prefix(Kind.OFFER_REQUEST) == "SKLR"
    with time_machine.travel(yekt(2026, 11, 24, 13, 0), tick=False):
        load_demo(today=dt.date(2026, 11, 24))
        filed = api_for("client").post("/update-access", UPDATE_ACCESS)
        assert filed.status_code == 201, filed.content.decode()
        assert filed.json()["number"].startswith("SKLU-")


@pytest.mark.parametrize(
    ("line", "key", "says"),
    [
        ('update_access_prefix = "SKL"', "update_access_prefix", "уже занят ключом ticket_prefix"),
        ('offer_request_prefix = "SKLU"', "offer_request_prefix", "уже занят"),
        ('offer_request_prefix = "r-1"', "offer_request_prefix", "заглавных латинских букв"),
    ],
)
def test_r21_the_kinds_prefixes_are_distinct_capital_latin(line: str, key: str, says: str) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    name = line.split(" = ")[0]
    text = re.sub(rf"^{name} = .*$", line, text, count=1, flags=re.M)
    with pytest.raises(RegulationError) as failure:
        parse_regulation(text)
    assert f"line.{key}" in str(failure.value) and says in str(failure.value)
