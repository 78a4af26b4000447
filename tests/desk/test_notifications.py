"""Issue 14 §7: the line's notifications — client reply, rejection in evaluation (R13), new
complaint (R20), assignment, SLA warning (R11) — in-app, by mail on request (through the
outbox, in the cause's transaction), unread markers in the queue, and the warning that a
colleague is answering the same ticket (presence in the shared cache)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from django.core.cache import cache
from django.test import Client

from supportline.jobs.core import discover, run_due
from supportline.jobs.models import Job
from supportline.tickets.actions.complaints import complaint_file
from supportline.tickets.actions.escalation import ticket_assign
from supportline.tickets.actions.lifecycle import (
    ticket_accept,
    ticket_ask,
    ticket_client_reply,
    ticket_evaluate,
    ticket_resolve,
)
from supportline.tickets.actions.sla import tickets_sla_scan
from supportline.tickets.models import Notification
from supportline.tickets.notify import notify
from tests.desk.conftest import NOW, Desk, html


def kinds(user: Any) -> set[str]:
    return set(Notification.objects.filter(user=user).values_list("kind", flat=True))


def test_client_reply_notifies_the_assignee_once_per_ticket_unread_again(desk: Desk) -> None:
    ticket = desk.ticket()
    ticket_ask(ticket=ticket, actor=desk.consultant.user, text="Какая версия платформы?")
    ticket_client_reply(ticket=ticket, actor=desk.client.user, text="8.3.25")
    notice = Notification.objects.get(user=desk.consultant.user, kind="client_replied")
    assert "8.3.25" in notice.text and ticket.number in notice.text
    Notification.objects.filter(pk=notice.pk).update(read_at=NOW)
    ticket_client_reply(ticket=ticket, actor=desk.client.user, text="И ещё скриншот")
    notice.refresh_from_db()
    assert notice.read_at is None and "скриншот" in notice.text
    assert Notification.objects.filter(kind="client_replied").count() == 1


def test_r13_rejection_r20_complaint_and_assignment_notify(desk: Desk) -> None:
    ticket = desk.ticket()
    ticket_resolve(ticket=ticket, actor=desk.consultant.user, text="Обновите релиз")
    ticket_evaluate(ticket=ticket, actor=desk.client.user, accepted=False, comment="Не помогло")
    assert any(k.startswith("rejected:") for k in kinds(desk.consultant.user))
    complaint = complaint_file(actor=desk.client.user, subject="Долго", text="Три дня")
    assert f"complaint:{complaint.number}" in kinds(desk.supervisor.user)
    page = html(desk.supervisor.get("/notifications/"))
    assert f'href="/desk/complaints/{complaint.number}/"' in page
    other = desk.ticket()
    ticket_assign(ticket=other, actor=desk.supervisor.user, assignee=desk.consultant2.user)
    assert "assigned" in kinds(desk.consultant2.user)
    # Taking a ticket oneself is no news.
    ticket_assign(ticket=desk.ticket(), actor=desk.consultant.user, assignee=desk.consultant.user)
    assert Notification.objects.filter(user=desk.consultant.user, kind="assigned").count() == 0


def test_r11_sla_warning_notifies_the_assignee_and_a_breach_the_supervisors(
    desk: Desk, clock: time_machine.Coordinates
) -> None:
    ticket = desk.ticket()
    ticket_accept(ticket=ticket, actor=desk.consultant.user)
    # Standard: 24 working hours to resolve; 19 h in (Thursday 11:00) is past the 75 % mark.
    tickets_sla_scan(now=NOW + dt.timedelta(days=2, hours=1))
    assert "sla_warning_resolution" in kinds(desk.consultant.user)
    tickets_sla_scan(now=NOW + dt.timedelta(days=7))
    assert "sla_breach_resolution" in kinds(desk.supervisor.user)


def test_mentions_and_merges_notify_through_the_same_helper(desk: Desk) -> None:
    from supportline.tickets.actions.merge import ticket_merge
    from supportline.tickets.notify import notify_mentioned

    ticket = desk.ticket()
    ticket_accept(ticket=ticket, actor=desk.consultant.user)
    made = notify_mentioned(
        [desk.consultant2.user, desk.consultant.user, desk.client.user],
        ticket=ticket,
        by=desk.consultant.user,
        key="note-1",
        text="@consultant2 посмотри, пожалуйста",
        now=NOW,
    )
    assert made == 1 and "mention:note-1" in kinds(desk.consultant2.user)
    duplicate = desk.ticket(channel="phone")
    ticket_merge(ticket=duplicate, into=ticket, actor=desk.supervisor.user)
    assert f"merged_in:{duplicate.number}" in kinds(desk.consultant.user)


def test_by_mail_only_when_chosen_through_the_outbox(desk: Desk, mailoutbox: Any) -> None:
    user = desk.consultant.user
    ticket = desk.ticket()
    ticket_accept(ticket=ticket, actor=user)
    notify([user], ticket=ticket, kind="probe", text="Без почты", now=NOW)
    assert not Job.objects.filter(kind="mail.send_notification").exists()
    # The profile's setting.
    response = desk.consultant.post(
        "/accounts/profile/", {"time_zone": "Europe/Moscow", "notify_by_mail": "on"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.notify_by_mail and user.email
    ticket_ask(ticket=ticket, actor=user, text="Уточните версию")
    ticket_client_reply(ticket=ticket, actor=desk.client.user, text="3.0.36.12")
    assert Job.objects.filter(kind="mail.send_notification").count() == 1
    discover()
    mailoutbox.clear()
    run_due(worker="test", now=NOW + dt.timedelta(seconds=1))
    mails = [m for m in mailoutbox if m.to == [user.email]]
    assert len(mails) == 1
    assert ticket.number in mails[0].subject and "3.0.36.12" in mails[0].body
    assert f"/desk/tickets/{ticket.number}/" in mails[0].body
    assert mails[0].extra_headers["Auto-Submitted"] == "auto-generated"


def test_unread_marker_in_the_queue_goes_when_the_ticket_is_seen(desk: Desk) -> None:
    ticket = desk.ticket()
    ticket_ask(ticket=ticket, actor=desk.consultant.user, text="Вопрос")
    ticket_client_reply(ticket=ticket, actor=desk.client.user, text="Ответ")
    rows = html(desk.consultant.get("/desk/queue/rows/"))
    assert 'class="badge unread"' in rows
    assert 'class="badge unread"' not in html(desk.consultant2.get("/desk/queue/rows/"))
    # The ticket page's presence poll marks what the consultant has now seen.
    assert desk.consultant.post(f"/desk/tickets/{ticket.number}/presence/").status_code == 200
    assert 'class="badge unread"' not in html(desk.consultant.get("/desk/queue/rows/"))


def test_a_colleague_answering_the_same_ticket_is_warned(desk: Desk) -> None:
    cache.clear()
    ticket = desk.ticket()
    path = f"/desk/tickets/{ticket.number}/presence/"
    assert html(desk.consultant.post(path)).strip() == ""
    answer = html(desk.consultant2.post(path, {"answering": "1"}))
    assert "открыто также у" in answer  # consultant1 has it open
    warned = html(desk.consultant.post(path))
    assert "сейчас отвечает на это обращение" in warned
    name = desk.consultant2.user.get_full_name() or desk.consultant2.user.username
    assert name in warned
    page = html(desk.consultant.get(f"/desk/tickets/{ticket.number}/"))
    assert f'hx-post="{path}"' in page and 'id="presence-answering"' in page


def test_access_matrix_of_presence(desk: Desk) -> None:
    ticket = desk.ticket()
    path = f"/desk/tickets/{ticket.number}/presence/"
    for outsider in (desk.client, desk.partner, desk.client_b):
        assert outsider.post(path).status_code == 403
    assert desk.methodologist.post(path).status_code == 404  # not transferred to it
    assert desk.consultant.get(path).status_code == 405
    assert Client().post(path).status_code == 302
    for who in (desk.consultant, desk.supervisor, desk.admin):
        assert who.post(path).status_code == 200


def test_simultaneous_presence_polls_never_overwrite_each_other(
    desk: Desk, monkeypatch: Any
) -> None:
    """Each poll writes its own key only: two polls at the same instant cannot drop one
    another's record (the entry was one shared dict, read, changed and written back)."""
    from supportline.desk.views import presence

    cache.clear()
    ticket = desk.ticket()
    written: list[str] = []
    real_set = cache.set

    def spy(key: str, *args: Any, **kwargs: Any) -> Any:
        written.append(key)
        return real_set(key, *args, **kwargs)

    monkeypatch.setattr(cache, "set", spy)
    one, two = desk.consultant.user, desk.consultant2.user
    presence.record(ticket.pk, one.pk, "Первый", answering=False)
    others = presence.record(ticket.pk, two.pk, "Второй", answering=True)
    assert written == [presence._key(ticket.pk, one.pk), presence._key(ticket.pk, two.pk)]
    assert [o["name"] for o in others] == ["Первый"]
    # Another's stale record (its last poll more than STALE seconds ago) no longer counts.
    real_set(presence._key(ticket.pk, one.pk), {"name": "Первый", "answering": False, "at": 0})
    assert presence.record(ticket.pk, two.pk, "Второй", answering=False) == []
