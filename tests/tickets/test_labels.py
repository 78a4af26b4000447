"""R1 data written as labelled lines, shared by e-mail, 1C-Connect and the answer box."""

from __future__ import annotations

import pytest

from supportline.tickets.labels import intake_labels, is_label_line


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Рег. номер: 800123456", {"registration_number": "800123456"}),
        ("Регистрационный номер программы — 800 123 456", {"registration_number": "800123456"}),
        ("регномер: NFR-880011", {"registration_number": "NFR-880011"}),
        ("Код партнёра: 12-345-678", {"partner_code": "12-345-678"}),
        ("Конфигурация: 1С:CRM ПРОФ, редакция 3.0", {"configuration": "1С:CRM ПРОФ, редакция 3.0"}),
        ("Версия: релиз 3.0.36.12 от мая", {"version": "3.0.36.12"}),
        (
            "Рег. номер: 800123456, версия: 3.0.36.12; организация: ООО «Ромашка»",
            {
                "registration_number": "800123456",
                "version": "3.0.36.12",
                "organisation": "ООО «Ромашка»",
            },
        ),
        ("> Рег. номер: 1\nКомпания - АО «Вектор»", {"organisation": "АО «Вектор»"}),
        ("Номер 800123456, помогите", {}),
    ],
)
def test_r1_labelled_lines(text: str, expected: dict[str, str]) -> None:
    assert intake_labels(text) == expected


def test_first_value_wins_and_label_lines_are_recognised() -> None:
    assert intake_labels("Версия: 3.0.1.1\nВерсия: 3.0.2.2") == {"version": "3.0.1.1"}
    assert is_label_line("Организация: ООО «Ромашка»")
    assert not is_label_line("Не формируется отчёт")


def test_r1_client_answer_completes_missing_data_through_the_portal(db: None) -> None:
    """A ticket registered by phone without a version: the client's answer with «Версия: …»
    fills it in and triage runs (R1, R12)."""
    from supportline.accounts.models import User
    from supportline.core.demo import load_demo
    from supportline.tickets.actions.lifecycle import ticket_client_reply
    from supportline.tickets.actions.registration import ticket_register
    from supportline.tickets.intake import IntakeData

    load_demo()
    consultant = User.objects.get(username="consultant1")
    ticket = ticket_register(
        actor=consultant,
        channel="email",
        data=IntakeData(
            subject="Звонок",
            body="Не формируется отчёт",
            registration_number="800123456",
            organisation="ООО «Ромашка»",
            configuration="1С:CRM ПРОФ, редакция 3.0",
        ),
    )
    assert ticket.status == "waiting_client" and ticket.missing_fields == ["version"]
    client = User.objects.get(username="client")
    ticket = ticket_client_reply(ticket=ticket, actor=client, text="Добрый день!\nВерсия: 3.0.35.4")
    # Complete now; 3.0.35.4 is not the current release → R4 answer, client evaluation.
    assert ticket.missing_fields == [] and ticket.version == "3.0.35.4"
    assert ticket.status == "client_evaluation"
    assert ticket.events.filter(type="data_changed").exists()


def test_r1_client_cannot_move_its_ticket_to_another_organisation_by_answering(db: None) -> None:
    """Labelled lines are checked with the client's own rules (second reading)."""
    from supportline.accounts.models import User
    from supportline.core.demo import load_demo
    from supportline.tickets.actions.lifecycle import ticket_client_reply
    from supportline.tickets.actions.registration import ticket_register
    from supportline.tickets.intake import IntakeData

    load_demo()
    ticket = ticket_register(
        actor=User.objects.get(username="consultant1"),
        channel="email",
        data=IntakeData(subject="Звонок", body="Вопрос", organisation="ООО «Ромашка»"),
    )
    client = User.objects.get(username="client")
    ticket.organisation = client.organisation
    ticket.save()
    ticket = ticket_client_reply(
        ticket=ticket, actor=client, text="Рег. номер: 800654321\nКод партнёра: 12-345-678"
    )
    assert ticket.registration_number == ""
    assert ticket.partner is None
    assert ticket.organisation == client.organisation
    assert "registration_number" in ticket.missing_fields


def test_r13_a_reply_during_evaluation_with_labels_rejects_without_breaking_the_clock(
    db: None,
) -> None:
    from supportline.accounts.models import User
    from supportline.core.demo import load_demo
    from supportline.tickets.actions.lifecycle import ticket_client_reply
    from supportline.tickets.actions.registration import ticket_register
    from supportline.tickets.intake import IntakeData

    load_demo()
    client = User.objects.get(username="client")
    ticket = ticket_register(
        actor=client,
        channel="portal",
        data=IntakeData(
            subject="Отчёт",
            body="Не формируется",
            registration_number="800123456",
            organisation="ООО «Ромашка»",
            configuration="1С:CRM ПРОФ, редакция 3.0",
            version="3.0.35.4",  # not current: answered at once, in client evaluation (R4)
        ),
    )
    assert ticket.status == "client_evaluation"
    ticket.missing_fields = ["category"]  # even with something marked missing
    ticket.save()
    ticket = ticket_client_reply(ticket=ticket, actor=client, text="Версия: 3.0.36.12")
    # Not a rating: a rejection (R13); nobody of the line has reacted, so back to the queue.
    assert ticket.status == "registered"
    assert ticket.events.filter(type="reopened").count() == 1
    assert ticket.resolution_state == "running"


REQUEST = """Прошу предоставить доступ к обновлениям.
Полное наименование организации: Общество с ограниченной ответственностью «Ромашка»
ИНН: 7705 123 452
Регистрационный номер основной поставки: 800123456
Полное название конфигурации: 1С:CRM ПРОФ, редакция 3.0
Версия: 3.0.36.12
user: romashka-old (если нужно)
"""


def test_r17_update_access_labels_share_the_r1_parser() -> None:
    from supportline.tickets.labels import update_access_labels

    assert update_access_labels(REQUEST) == {
        "organisation_full_name": "Общество с ограниченной ответственностью «Ромашка»",
        "inn": "7705123452",
        "registration_number": "800123456",
        "configuration": "1С:CRM ПРОФ, редакция 3.0",
        "version": "3.0.36.12",
        "previous_login": "romashka-old",
    }
    # The R1 reading of the same text has only the R1 fields.
    assert intake_labels(REQUEST) == {
        "registration_number": "800123456",
        "configuration": "1С:CRM ПРОФ, редакция 3.0",
        "version": "3.0.36.12",
    }
    assert update_access_labels("ИНН: 7705123452\nПрежний логин: нет") == {"inn": "7705123452"}


@pytest.mark.parametrize(
    "subject,text,expected",
    [
        ("Запрос", REQUEST, True),
        ("Доступ к обновлениям", "ИНН: 7705123452\nРег. номер: 800123456", True),
        ("Вопрос", "Нужен доступ к сайту обновлений\nИНН: 7705123452", True),
        ("Вопрос", "ИНН: 7705123452\nЛогин: нет", True),
        # An INN alone is no request: a client may give it with a consultation.
        ("Отчёт не формируется", "Организация: ООО «Ромашка», ИНН: 7705123452", False),
        ("Доступ к обновлениям", "Рег. номер: 800123456", False),
        ("Вопрос", "> ИНН: 7705123452\n> Логин: x\nСпасибо", False),
    ],
)
def test_r17_how_a_letter_is_recognised_as_an_update_access_request(
    subject: str, text: str, expected: bool
) -> None:
    from supportline.tickets.labels import is_update_access_request

    assert is_update_access_request(subject, text) is expected


def test_r17_inn_written_with_the_kpp_and_requests_naming_the_update_site() -> None:
    from supportline.tickets.labels import is_update_access_request, update_access_labels

    assert update_access_labels("ИНН/КПП: 7705123452/770501001") == {"inn": "7705123452"}
    assert is_update_access_request("Прошу доступ на update.example.ru", "ИНН: 7705123452")
