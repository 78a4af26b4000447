"""Issue 14 §4: internal notes of the line — the hand-off to a methodologist or developer —
never reach the client (portal, mail, API), move no clock; an @mention notifies a colleague."""

from __future__ import annotations

import datetime as dt

from django.core import mail
from django.test import Client
from django.utils import timezone

from supportline.jobs.core import discover, run_due
from supportline.tickets.actions.escalation import ticket_transfer
from supportline.tickets.models import InternalNote, Notification, Ticket, TicketEvent
from tests.desk.conftest import Desk, html

SECRET = "Внутреннее: клиент путает базы, @methodologist посмотрите методику"


def _note(desk: Desk, ticket: Ticket, text: str = SECRET) -> object:
    return desk.consultant.post(f"/desk/tickets/{ticket.number}/notes/", {"note-text": text})


def test_consultant_writes_a_note_shown_on_the_desk(desk: Desk) -> None:
    ticket = desk.ticket()
    response = _note(desk, ticket)
    assert response.status_code == 302  # type: ignore[attr-defined]
    note = InternalNote.objects.get()
    assert note.author == desk.consultant.user and note.body == SECRET
    page = html(desk.consultant2.get(f"/desk/tickets/{ticket.number}/"))
    assert "клиент путает базы" in page and "клиент их не видит" in page


def test_note_moves_no_clock_and_writes_no_event_or_message(desk: Desk) -> None:
    ticket = desk.ticket()
    events, messages = TicketEvent.objects.count(), ticket.messages.count()
    _note(desk, ticket)
    assert TicketEvent.objects.count() == events
    assert ticket.messages.count() == messages
    fresh = Ticket.objects.get(pk=ticket.pk)
    assert fresh.status == ticket.status and fresh.reaction_due_at == ticket.reaction_due_at


def test_client_never_sees_a_note_on_the_portal_or_in_mail(desk: Desk) -> None:
    ticket = desk.ticket(contact_email="buh@romashka.ru")
    _note(desk, ticket)
    discover()
    run_due(worker="test", now=timezone.now() + dt.timedelta(seconds=1))
    assert mail.outbox, "the receipt is mailed; the note is not"
    assert all("путает базы" not in m.body for m in mail.outbox)
    page = html(desk.client.get(f"/portal/tickets/{ticket.number}/"))
    assert "путает базы" not in page and "Внутренн" not in page


def test_mention_notifies_the_colleague_once_per_note(desk: Desk) -> None:
    ticket = desk.ticket()
    ticket_transfer(
        ticket=ticket,
        actor=desk.consultant.user,
        to="methodologist",
        kind="wish",
        reason="Методика",
    )
    _note(desk, ticket)
    notice = Notification.objects.get(user=desk.methodologist.user)
    assert ticket.number in notice.text and "упоминает вас" in notice.text
    assert notice.ticket_id == ticket.pk
    # A second note with a mention is a second notice; the author is never notified.
    _note(desk, ticket, "@methodologist ещё вопрос, и @consultant1 сам себе")
    assert Notification.objects.filter(user=desk.methodologist.user).count() == 2
    assert not Notification.objects.filter(user=desk.consultant.user, kind__startswith="mention")
    page = html(desk.methodologist.get("/notifications/"))
    assert "упоминает вас" in page


def test_a_client_cannot_be_mentioned(desk: Desk) -> None:
    ticket = desk.ticket()
    _note(desk, ticket, "@client посмотрите")
    assert not Notification.objects.filter(user=desk.client.user).exists()


def test_methodologist_answers_in_a_note_on_a_ticket_transferred_to_them(desk: Desk) -> None:
    ticket = desk.ticket()
    assert (
        desk.methodologist.post(
            f"/desk/tickets/{ticket.number}/notes/", {"note-text": "чужое"}
        ).status_code
        == 404
    )  # type: ignore[attr-defined]
    ticket_transfer(
        ticket=ticket,
        actor=desk.consultant.user,
        to="methodologist",
        kind="wish",
        reason="Методика",
    )
    response = desk.methodologist.post(
        f"/desk/tickets/{ticket.number}/notes/",
        {"note-text": "Методика: настройте этапы @consultant1"},
    )
    assert response.status_code == 302  # type: ignore[attr-defined]
    assert Notification.objects.filter(
        user=desk.consultant.user, kind__startswith="mention"
    ).exists()


def test_access_matrix_notes_endpoint(desk: Desk) -> None:
    ticket = desk.ticket()
    url = f"/desk/tickets/{ticket.number}/notes/"
    for outsider in (desk.client, desk.client_b, desk.partner):
        assert outsider.post(url, {"note-text": "x"}).status_code == 403
    assert desk.developer.post(url, {"note-text": "x"}).status_code == 404
    assert Client().post(url, {"note-text": "x"}).status_code == 302
    assert desk.consultant.get(url).status_code == 405
    assert InternalNote.objects.count() == 0
    assert _note(desk, ticket, "   ").status_code == 302  # type: ignore[attr-defined]
    assert InternalNote.objects.count() == 0
