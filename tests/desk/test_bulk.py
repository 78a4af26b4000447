"""Issue 14 §8: bulk actions on the queue — assign, transfer, change level with one reason;
each ticket through the same single-ticket action and access rule, failures per ticket."""

from __future__ import annotations

import re

from django.test import Client

from supportline.tickets.actions.lifecycle import ticket_resolve
from supportline.tickets.models import EventType, Status, Ticket
from tests.desk.conftest import Desk, html


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)


def test_bulk_assign_with_one_reason(desk: Desk) -> None:
    a, b = desk.ticket(), desk.ticket()
    response = desk.supervisor.post(
        "/desk/queue/bulk/",
        {
            "tickets": [a.number, b.number],
            "action": "assign",
            "assignee": desk.consultant2.user.pk,
            "reason": "Отпуск консультанта",
        },
    )
    assert response.status_code == 200
    page = html(response)
    assert "выполнено — 2, не выполнено — 0" in page
    for t in (a, b):
        assert fresh(t).assignee == desk.consultant2.user
        assert t.events.filter(type=EventType.ASSIGNED, data__reason="Отпуск консультанта").exists()


def test_r10_bulk_level_change_reports_each_failure(desk: Desk) -> None:
    ok = desk.ticket()
    done = desk.ticket(channel="email", registration_number="800654321", organisation="АО «Вектор»")
    assert fresh(done).status == Status.REFUSED
    response = desk.consultant.post(
        "/desk/queue/bulk/",
        {
            "tickets": [ok.number, done.number, "CRM-999999"],
            "action": "level",
            "level": "operational",
            "reason": "Критическая ошибка подтверждена",
        },
    )
    page = html(response)
    assert "выполнено — 1, не выполнено — 2" in page
    assert fresh(ok).level == "operational"
    assert "уровень не меняется" in page  # the single-ticket action's own words
    assert "обращение не найдено" in page
    assert fresh(done).level == "standard"


def test_r15_bulk_transfer_uses_the_transfer_action(desk: Desk) -> None:
    a = desk.ticket()
    b = desk.ticket()
    ticket_resolve(ticket=b, actor=desk.consultant.user, text="Ответ")  # in evaluation
    page = html(
        desk.consultant.post(
            "/desk/queue/bulk/",
            {
                "tickets": [a.number, b.number],
                "action": "transfer",
                "to": "methodologist",
                "kind": "wish",
                "reason": "Нужна методика",
            },
        )
    )
    assert fresh(a).status == Status.TRANSFERRED and fresh(a).level == "development_request"
    assert fresh(b).status == Status.CLIENT_EVALUATION
    assert "выполнено — 1, не выполнено — 1" in page


def test_bulk_form_errors_are_russian_and_change_nothing(desk: Desk) -> None:
    a = desk.ticket()
    response = desk.consultant.post("/desk/queue/bulk/", {"action": "assign"})
    assert response.status_code == 400
    assert "Отметьте в очереди хотя бы одно обращение" in html(response)
    response = desk.consultant.post("/desk/queue/bulk/", {"tickets": [a.number], "action": "level"})
    assert response.status_code == 400
    assert "Обязательное поле для этого действия" in html(response)
    assert fresh(a).level == "standard"
    response = desk.consultant.post(
        "/desk/queue/bulk/", {"tickets": [f"CRM-{i}" for i in range(101)], "action": "assign"}
    )
    assert response.status_code == 400


def test_queue_offers_checkboxes_and_the_bulk_form_to_the_line_only(desk: Desk) -> None:
    desk.ticket()
    page = html(desk.consultant.get("/desk/"))
    assert 'id="bulk-form"' in page and 'class="bulk-pick"' in page
    page = html(desk.methodologist.get("/desk/"))
    assert 'id="bulk-form"' not in page and "bulk-pick" not in page


def test_access_matrix_of_bulk(desk: Desk) -> None:
    a = desk.ticket()
    data = {"tickets": [a.number], "action": "level", "level": "operational", "reason": "x"}
    for outsider in (desk.client, desk.partner, desk.client_b, desk.methodologist, desk.developer):
        assert outsider.post("/desk/queue/bulk/", data).status_code == 403
    assert desk.consultant.get("/desk/queue/bulk/").status_code == 405
    assert Client().post("/desk/queue/bulk/", data).status_code == 302
    assert fresh(a).level == "standard"
    csrf = Client(enforce_csrf_checks=True)
    csrf.force_login(desk.consultant.user)
    assert csrf.post("/desk/queue/bulk/", data).status_code == 403
    assert fresh(a).level == "standard"


def test_the_assignee_list_is_the_lines_active_people_and_only_they_are_accepted(
    desk: Desk,
) -> None:
    """The bulk form's and the assign form's list (a statement compiled once, issue 15):
    active consultants, supervisors, methodologists and developers; never a client or a
    deactivated colleague, neither listed nor accepted when posted."""
    from supportline.accounts.models import User

    gone = desk.consultant2.user
    User.objects.filter(pk=gone.pk).update(is_active=False)
    page = html(desk.supervisor.get("/desk/"))
    bulk = page.split('id="bulk-form"', 1)[1].split("</form>", 1)[0]
    listed = set(re.findall(r'<option value="(\d+)"', bulk.split('name="assignee"', 1)[1]))
    expected = {
        str(pk)
        for pk in User.objects.filter(
            is_active=True, role__in=["consultant", "supervisor", "methodologist", "developer"]
        ).values_list("pk", flat=True)
    }
    assert listed == expected and str(desk.consultant.user.pk) in listed
    assert str(gone.pk) not in listed and str(desk.client.user.pk) not in listed
    ticket = desk.ticket()
    for refused in (gone, desk.client.user):
        response = desk.supervisor.post(
            "/desk/queue/bulk/",
            {"tickets": [ticket.number], "action": "assign", "assignee": refused.pk},
        )
        assert fresh(ticket).assignee is None, response.status_code
