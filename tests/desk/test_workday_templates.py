"""Issue 14 §5: reply templates — the regulation's standard answers, shared ones (kept by
supervisors) and personal ones — filled in for the ticket and inserted into the answer box."""

from __future__ import annotations

from django.test import Client
from django.utils import timezone

from supportline.tickets.models import ReplyTemplate
from tests.desk.conftest import Desk, html

BODY = "Здравствуйте, {client}! По обращению № {номер} ответ будет до {deadline}. {неизвестно}"


def _fill(desk: Desk, who: object, number: str, key: str, typed: str = "") -> str:
    response = who.get(  # type: ignore[attr-defined]
        f"/desk/tickets/{number}/template/", {"template": key, "answer-text": typed}
    )
    assert response.status_code == 200
    return html(response)


def test_personal_template_is_filled_with_client_number_and_deadline(desk: Desk) -> None:
    ticket = desk.ticket(contact_name="Иван Петров")
    response = desk.consultant.post("/desk/templates/", {"title": "Срок", "body": BODY})
    assert response.status_code == 302
    template = ReplyTemplate.objects.get()
    assert template.owner == desk.consultant.user
    text = _fill(desk, desk.consultant, ticket.number, str(template.pk), typed="Добрый день.")
    assert 'id="id_answer-text"' in text
    assert "Добрый день." in text  # what was typed stays, the template follows
    assert "Здравствуйте, Иван Петров!" in text
    assert f"№ {ticket.number}" in text
    assert "МСК" in text  # the deadline with its zone named
    assert "{неизвестно}" in text  # an unknown placeholder stays as typed, nothing evaluated
    # A personal template is its owner's alone.
    assert ticket.number not in _fill(desk, desk.consultant2, ticket.number, str(template.pk))


def test_regulation_answers_are_offered_while_answering(desk: Desk) -> None:
    ticket = desk.ticket()
    page = html(desk.consultant.get(f"/desk/tickets/{ticket.number}/"))
    assert 'id="answer-template"' in page
    assert "Обновиться до актуального релиза" in page
    text = _fill(desk, desk.consultant, ticket.number, "reg:update_release")
    assert "3.0.36.12" in text and ticket.number in text


def test_shared_templates_are_kept_by_supervisors(desk: Desk) -> None:
    refused = desk.consultant.post(
        "/desk/templates/", {"title": "Общий", "body": "Текст", "shared": "on"}
    )
    assert refused.status_code == 403
    assert "Недостаточно прав" in html(refused)
    assert not ReplyTemplate.objects.exists()
    ok = desk.supervisor.post(
        "/desk/templates/", {"title": "Общий", "body": "Текст", "shared": "on"}
    )
    assert ok.status_code == 302
    shared = ReplyTemplate.objects.get()
    assert shared.owner is None
    ticket = desk.ticket()
    assert "Текст" in _fill(desk, desk.consultant2, ticket.number, str(shared.pk))
    # A consultant cannot delete a shared template; the supervisor can.
    desk.consultant.post(f"/desk/templates/{shared.pk}/delete/")
    assert ReplyTemplate.objects.exists()
    desk.supervisor.post(f"/desk/templates/{shared.pk}/delete/")
    assert not ReplyTemplate.objects.exists()


def test_access_matrix_template_endpoints(desk: Desk) -> None:
    ticket = desk.ticket()
    mine = ReplyTemplate.objects.create(
        title="Моё", body="x", owner=desk.consultant.user, created_at=ticket.registered_at
    )
    for outsider in (desk.client, desk.client_b, desk.partner):
        assert outsider.get("/desk/templates/").status_code == 403
        assert outsider.get(f"/desk/tickets/{ticket.number}/template/").status_code == 403
        assert outsider.post(f"/desk/templates/{mine.pk}/delete/").status_code == 403
    assert Client().get("/desk/templates/").status_code == 302
    # Another consultant's template is not found for deleting.
    assert desk.consultant2.post(f"/desk/templates/{mine.pk}/delete/").status_code == 404
    assert desk.developer.get(f"/desk/tickets/{ticket.number}/template/").status_code == 404
    for staff in (desk.consultant, desk.methodologist, desk.supervisor):
        assert staff.get("/desk/templates/").status_code == 200
    assert ReplyTemplate.objects.filter(pk=mine.pk).exists()


def test_a_template_is_changed_by_whoever_may_edit_it(desk: Desk) -> None:
    desk.consultant.post("/desk/templates/", {"title": "Старое", "body": "Старый текст"})
    mine = ReplyTemplate.objects.get()
    desk.consultant.post(
        f"/desk/templates/{mine.pk}/",
        {f"t{mine.pk}-title": "Новое", f"t{mine.pk}-body": "Новый текст"},
    )
    mine.refresh_from_db()
    assert (mine.title, mine.body, mine.owner) == ("Новое", "Новый текст", desk.consultant.user)
    # Someone else's personal template is not found; a shared one needs a supervisor.
    assert desk.consultant2.post(f"/desk/templates/{mine.pk}/", {}).status_code == 404
    desk.supervisor.post("/desk/templates/", {"title": "Общий", "body": "Текст", "shared": "on"})
    shared = ReplyTemplate.objects.get(owner=None)
    desk.consultant.post(
        f"/desk/templates/{shared.pk}/", {f"t{shared.pk}-title": "Взлом", f"t{shared.pk}-body": "x"}
    )
    shared.refresh_from_db()
    assert shared.title == "Общий"
    assert desk.client.post(f"/desk/templates/{shared.pk}/", {}).status_code == 403


def test_the_answer_box_lists_the_shared_and_the_users_own_templates_only(desk: Desk) -> None:
    """The ticket page's template list (a statement compiled once, issue 15) is
    `access.visible_templates`: shared ones and the user's own, never a colleague's."""
    for title, owner in (
        ("Общий шаблон", None),
        ("Шаблон первого", desk.consultant.user),
        ("Шаблон второго", desk.consultant2.user),
    ):
        ReplyTemplate.objects.create(title=title, body="-", owner=owner, created_at=timezone.now())
    ticket = desk.ticket()
    first = html(desk.consultant.get(f"/desk/tickets/{ticket.number}/"))
    second = html(desk.consultant2.get(f"/desk/tickets/{ticket.number}/"))
    assert "Общий шаблон" in first and "Общий шаблон" in second
    assert "Шаблон первого" in first and "Шаблон первого" not in second
    assert "Шаблон второго" in second and "Шаблон второго" not in first
