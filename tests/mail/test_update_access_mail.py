"""R17 by e-mail, the regulation's own route: a letter whose labelled lines carry the INN,
the main delivery's registration number, configuration, version and previous login becomes an
update-access request; the data are checked against the registry; a grant records registry
configurations (R18)."""

from __future__ import annotations

from django.core import mail as outbox

from supportline.accounts.models import User
from supportline.mail.models import InboundMail
from supportline.registry.models import Configuration
from supportline.tickets.actions.update_access import update_access_decide
from supportline.tickets.models import Kind, Message, Status, Ticket
from tests.mail.conftest import deliver, eml

# R2: what a sender who is not the holder is told (the 1C:CRM file's contracts_in_general).
CONTRACTS_IN_GENERAL = "действующие договоры 1С:ИТС и «1С:КП Отраслевой» на дату обращения"

State = InboundMail.State


def request(**replace: str) -> bytes:
    raw = eml("update-access-request.eml")
    for old, new in replace.items():
        raw = raw.replace(old.encode(), new.encode())
    return raw


def test_r17_mail_with_the_labelled_data_becomes_an_update_access_request(demo: None) -> None:
    mail = deliver(eml("update-access-request.eml"))
    assert mail.state == State.PROCESSED, mail.error
    ticket = mail.ticket
    assert ticket is not None
    assert ticket.kind == Kind.UPDATE_ACCESS and ticket.number.startswith("UPD-")
    assert ticket.channel == "email" and ticket.level == "operational"
    assert ticket.status == Status.REGISTERED
    # Configuration and version as the registry knows them.
    assert ticket.configuration == Configuration.objects.get(name="1С:CRM ПРОФ, редакция 3.0")
    assert ticket.version == "3.0.36.12"
    assert ticket.registration is not None and ticket.registration.number == "800123456"
    details = ticket.update_access
    assert (details.inn, details.previous_login) == ("7705123452", "romashka-old")
    assert "Общество с ограниченной ответственностью «Ромашка»" in details.organisation_full_name
    assert ticket.organisation_mismatch is False
    first = ticket.messages.order_by("id").first()
    assert first is not None and first.external_id == mail.message_id
    assert "ИНН: 7705123452" in first.body  # the letter itself is the request
    assert ticket.contact_email == "it@romashka.example.ru"


def test_r17_r18_mail_request_is_granted_with_registry_configurations(demo: None) -> None:
    ticket = deliver(eml("update-access-request.eml")).ticket
    assert ticket is not None
    consultant = User.objects.get(username="consultant1")
    granted = update_access_decide(
        ticket=ticket,
        actor=consultant,
        login="romashka-2026",
        configurations=["1с:crm корп, редакция 3.0", "1С:CRM ПРОФ, редакция 3.0"],
    )
    assert granted.status == Status.CLIENT_EVALUATION
    covered = set(granted.update_access.configurations.values_list("name", flat=True))
    assert covered == {"1С:CRM КОРП, редакция 3.0", "1С:CRM ПРОФ, редакция 3.0"}


def test_r17_inn_of_another_organisation_is_refused_with_a_russian_reply(demo: None) -> None:
    # 5018012341 is a valid INN — Vector's, not that of the holder of 800123456.
    mail = deliver(request(**{"ИНН: 7705123452": "ИНН: 5018012341"}))
    assert mail.state == State.PROCESSED, mail.error
    ticket = mail.ticket
    assert ticket is not None and ticket.kind == Kind.UPDATE_ACCESS
    assert ticket.status == Status.REFUSED
    reply = ticket.messages.filter(purpose=Message.Purpose.REFUSAL).get()
    assert "ИНН 5018012341 не совпадает с ИНН организации" in reply.body
    assert "«ИНН: …»" in reply.body  # says how to write the request again
    assert ticket.reaction_state == "met"
    sent = [m for m in outbox.outbox if "не совпадает с ИНН" in m.body]
    assert len(sent) == 1 and sent[0].to == ["it@romashka.example.ru"]


def test_r17_configuration_and_version_must_come_from_the_registry(demo: None) -> None:
    ticket = deliver(
        request(**{"Версия: 3.0.36.12": "Версия: 3.0.30.1", "редакция 3.0\n": "редакция 9\n"})
    ).ticket
    assert ticket is not None and ticket.status == Status.REFUSED
    reply = ticket.messages.filter(purpose=Message.Purpose.REFUSAL).get().body
    assert "Конфигурация «1С:CRM ПРОФ, редакция 9» не найдена среди конфигураций продукта" in reply
    version_only = deliver(
        request(
            **{
                "Версия: 3.0.36.12": "Версия: 3.0.30.1",
                "<upd-2b7e91c4@": "<upd-2@",
            }
        )
    ).ticket
    assert version_only is not None and version_only.status == Status.REFUSED
    body = version_only.messages.filter(purpose=Message.Purpose.REFUSAL).get().body
    assert "Версия 3.0.30.1 не является релизом конфигурации" in body


def test_r17_a_consultation_that_mentions_an_inn_stays_a_consultation(demo: None) -> None:
    raw = eml("plain-utf8-new-ticket.eml").replace(
        "Организация: ООО «Ромашка»".encode(),
        "Организация: ООО «Ромашка», ИНН: 7705123452".encode(),
    )
    ticket = deliver(raw).ticket
    assert ticket is not None and ticket.kind == Kind.CONSULTATION
    assert Ticket.objects.filter(kind=Kind.UPDATE_ACCESS).count() == 0


def test_r18_a_stranger_mailing_for_another_organisation_is_not_told_which_contract_lapsed(
    demo: None,
) -> None:
    vector = request(
        **{
            "ИНН: 7705123452": "ИНН: 5018012341",
            "поставки: 800123456": "поставки: 800654321",
            "Общество с ограниченной ответственностью «Ромашка»": "Акционерное общество «Вектор»",
        }
    )
    stranger = deliver(vector.replace(b"it@romashka.example.ru", b"someone@elsewhere.example.com"))
    own = deliver(
        vector.replace(b"it@romashka.example.ru", b"crm@vector.example.ru").replace(
            b"<upd-2b7e91c4@", b"<upd-own@"
        )
    )
    consultant = User.objects.get(username="consultant1")
    for mail, told in ((stranger, False), (own, True)):
        assert mail.ticket is not None and mail.ticket.status == Status.REGISTERED, mail.error
        refused = update_access_decide(ticket=mail.ticket, actor=consultant, login="vector")
        assert refused.status == Status.REFUSED
        body = refused.messages.filter(purpose=Message.Purpose.REFUSAL).get().body
        assert ("договор 1С:КП Отраслевой" in body) is told
        assert (CONTRACTS_IN_GENERAL in body) is not told
