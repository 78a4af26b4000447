"""R2 on the desk: the queue marks «exemption to confirm», the ticket page says why and offers
confirm / reclassify instead of serving; R17 grants recorded as registry rows are shown."""

from __future__ import annotations

from supportline.tickets.actions.registration import ticket_register
from supportline.tickets.intake import IntakeData
from supportline.tickets.models import Exemption, Status, Ticket
from tests.desk.conftest import VALID, Desk, html


def vector_licensing(desk: Desk) -> Ticket:
    return ticket_register(
        actor=desk.client_b.user,
        channel="portal",
        data=IntakeData(
            **{
                **VALID,
                "registration_number": "800654321",
                "organisation": "АО «Вектор»",
                "category": "licensing",
                "subject": "Не видит ключ защиты",
            }
        ),
    )


def act(desk: Desk, ticket: Ticket, action: str, **fields: str) -> object:
    data = {f"{action}-{name}": value for name, value in fields.items()}
    return desk.consultant.post(f"/desk/tickets/{ticket.number}/do/{action}/", data)


def test_r2_queue_row_and_ticket_page_show_the_exemption_to_confirm(desk: Desk) -> None:
    ticket = vector_licensing(desk)
    plain = desk.ticket()
    queue = html(desk.consultant.get("/desk/"))
    row = queue.split(f'id="q-{ticket.number}"')[1].split("</tr>")[0]
    assert "исключение: подтвердить" in row
    other = queue.split(f'id="q-{plain.number}"')[1].split("</tr>")[0]
    assert "исключение: подтвердить" not in other
    page = html(desk.consultant.get(f"/desk/tickets/{ticket.number}/"))
    assert 'id="exemption-badge"' in page and 'id="exemption-note"' in page
    assert "Разъяснения по лицензированию ПП" in page
    # Serving is not offered until the line decides; the two decisions are.
    assert 'id="act-confirm_exemption"' in page and 'id="act-reclassify"' in page
    for serving in ("accept", "answer", "resolve", "transfer"):
        assert f'id="act-{serving}"' not in page, serving


def test_r2_desk_confirm_then_accept(desk: Desk) -> None:
    ticket = vector_licensing(desk)
    response = act(desk, ticket, "confirm_exemption")
    assert response.status_code == 302  # type: ignore[attr-defined]
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.exemption == Exemption.CONFIRMED
    page = html(desk.consultant.get(f"/desk/tickets/{ticket.number}/"))
    assert 'id="act-accept"' in page and 'id="act-confirm_exemption"' not in page
    assert "Исключение по договорам подтверждено" in page  # the timeline


def test_r2_desk_reclassify_refuses_with_the_r2_answer(desk: Desk) -> None:
    ticket = vector_licensing(desk)
    response = act(
        desk, ticket, "reclassify", category="standard_functionality", reason="о работе отчёта"
    )
    assert response.status_code == 302  # type: ignore[attr-defined]
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.status == Status.REFUSED
    assert stored.category == "standard_functionality"
    last = stored.messages.order_by("-id").first()
    assert last is not None and "договор 1С:КП Отраслевой" in last.body
    # A contract-exempt category is not among the choices of a reclassification.
    again = vector_licensing(desk)
    bad = act(desk, again, "reclassify", category="licensing")
    assert bad.status_code == 400  # type: ignore[attr-defined]
    assert Ticket.objects.get(pk=again.pk).exemption == Exemption.PENDING


def test_r2_methodologist_is_not_offered_the_exemption_decision(desk: Desk) -> None:
    ticket = vector_licensing(desk)
    page = desk.methodologist.get(f"/desk/tickets/{ticket.number}/")
    assert page.status_code == 404  # not transferred to them: not theirs to see
