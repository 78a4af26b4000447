"""R13 on the e-mail channel: the evaluation mail carries one-click rating links (signed, one
ticket, one rating, no sign-in, expiring with the evaluation period); a reply that is only a
rating accepts; any other reply during evaluation rejects with its text as the reason and the
assignee is told.

Mail in: real .eml files through the mail services; mail out: Django's locmem outbox.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail as outbox
from django.test import Client

from supportline.accounts.models import User
from supportline.mail import outbound
from supportline.tickets.actions.lifecycle import (
    ticket_accept,
    ticket_evaluate,
    ticket_resolve,
    tickets_auto_close,
)
from supportline.tickets.models import EventType, Message, Notification, Status, Ticket
from tests.mail.conftest import deliver, drain, eml
from tests.mail.test_process import as_in_corpus

pytestmark = pytest.mark.django_db

MSK = ZoneInfo("Europe/Moscow")
ARRIVED = dt.datetime(2026, 11, 24, 10, 2, tzinfo=MSK)  # Tue
RESOLVED = dt.datetime(2026, 11, 25, 11, 0, tzinfo=MSK)  # Wed
# The regulation closes a ticket left in evaluation after 3 working days: Mon 30.11 18:00.
DEADLINE = dt.datetime(2026, 11, 30, 18, 0, tzinfo=MSK)
LINK = re.compile(r"https?://\S+/rate/(\S+?)/")


@pytest.fixture
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(ARRIVED, tick=False) as traveller:
        yield traveller


def consultant() -> User:
    return User.objects.get(username="consultant1")


def in_evaluation(clock: time_machine.Coordinates) -> Ticket:
    """A mail ticket (CRM-000001, as the corpus replies expect), accepted and answered."""
    ticket = as_in_corpus(deliver(eml("plain-utf8-new-ticket.eml")).ticket)
    ticket_accept(ticket=ticket, actor=consultant())
    drain()
    outbox.outbox.clear()  # the receipt and the acceptance
    clock.move_to(RESOLVED)
    ticket_resolve(
        ticket=ticket, actor=consultant(), text="Перезапустите сеанс и переформируйте отчёт."
    )
    drain()
    ticket.refresh_from_db()
    assert ticket.status == Status.CLIENT_EVALUATION
    return ticket


def reply_to_evaluation(ticket: Ticket, name: str) -> bytes:
    """A corpus reply, threaded to the evaluation mail by its Message-ID."""
    evaluation = ticket.messages.filter(purpose=Message.Purpose.EVALUATION).latest("id")
    return eml(name).replace(
        b"<msg-3.CRM-000001.0123456789ab@example.ru>",
        outbound.message_id_for(evaluation).encode(),
    )


def links(text: str) -> dict[int, str]:
    """Rating → the link's path, from the text of the evaluation mail."""
    found = {}
    for line in text.splitlines():
        match = LINK.search(line)
        if match:
            found[int(line.split("—")[0].strip())] = f"/rate/{match.group(1)}/"
    return found


def test_r13_an_email_reply_not_helped_rejects_and_the_ticket_does_not_auto_close(
    demo: None, clock: time_machine.Coordinates
) -> None:
    """The issue's probe: the client's «Не помогло» used to be ignored, and the ticket closed
    by itself three working days later as if the answer had been accepted."""
    ticket = in_evaluation(clock)
    clock.move_to(dt.datetime(2026, 11, 25, 12, 10, tzinfo=MSK))
    mail = deliver(reply_to_evaluation(ticket, "evaluation-reply-rejected-outlook.eml"))
    assert mail.ticket == ticket and mail.state == "processed"
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS  # back with its consultant
    assert ticket.resolution_state == "running"  # from the time it had used (R13)
    evaluated = ticket.events.get(type=EventType.EVALUATED)
    reason = "Не помогло: после перезапуска отчёт по-прежнему выдаёт «Деление на 0»."
    assert evaluated.data["accepted"] is False
    assert evaluated.data["comment"].startswith(reason)
    assert evaluated.data["via"] == "email"
    assert ticket.events.filter(type=EventType.REOPENED).count() == 1
    assert ticket.rating is None
    # The assignee is told, with the reason.
    (notice,) = Notification.objects.filter(ticket=ticket)
    assert notice.user == consultant() and reason in notice.text
    # Days later nothing closes it: it is in work again, not in evaluation.
    clock.move_to(DEADLINE + dt.timedelta(days=2))
    assert tickets_auto_close() == []
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS and ticket.closed_at is None


def test_r13_an_email_reply_that_is_only_a_rating_accepts_and_closes(
    demo: None, clock: time_machine.Coordinates
) -> None:
    ticket = in_evaluation(clock)
    clock.move_to(dt.datetime(2026, 11, 25, 12, 20, tzinfo=MSK))
    deliver(reply_to_evaluation(ticket, "evaluation-reply-rating-gmail.eml"))
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert (ticket.rating, ticket.rating_comment) == (4, "спасибо")
    evaluated = ticket.events.get(type=EventType.EVALUATED)
    assert (evaluated.data["accepted"], evaluated.data["via"]) == (True, "email")
    assert not Notification.objects.filter(ticket=ticket).exists()
    # The desk shows the rating and its comment (R13).
    desk = Client()
    desk.force_login(consultant())
    page = desk.get(f"/desk/tickets/{ticket.number}/").content.decode()
    head = page[page.index('id="evaluation"') :][:600]
    assert "Оценка клиента" in head and "4 из 5" in head and "«спасибо»" in head
    assert "ответом на письмо" in head


def test_r13_the_evaluation_mail_carries_five_signed_rating_links(
    demo: None, clock: time_machine.Coordinates
) -> None:
    ticket = in_evaluation(clock)
    (letter,) = outbox.outbox
    assert letter.subject.startswith("[CRM-000001] Ответ дан, оцените его")
    found = links(str(letter.body))
    assert sorted(found) == [1, 2, 3, 4, 5]
    assert len(set(found.values())) == 5
    html = str(letter.alternatives[0][0])  # type: ignore[index]
    assert all(path in html for path in found.values())
    assert "вход на портал не нужен" in letter.body
    # The links are for this ticket's current evaluation, signed: nothing in them to guess.
    assert all(str(ticket.pk) in path for path in found.values())


def test_r13_a_rating_link_asks_on_get_and_rates_on_post_without_sign_in(
    demo: None, clock: time_machine.Coordinates
) -> None:
    ticket = in_evaluation(clock)
    found = links(str(outbox.outbox[0].body))
    browser = Client(enforce_csrf_checks=True)  # nobody signed in
    clock.move_to(dt.datetime(2026, 11, 26, 9, 30, tzinfo=MSK))
    page = browser.get(found[5])
    assert page.status_code == 200
    html = page.content.decode()
    assert "Оценка ответа по обращению CRM-000001" in html and "5 из 5" in html
    assert "Подтвердить оценку" in html and 'name="csrfmiddlewaretoken"' in html
    assert 'name="comment"' in html and "30.11.2026 18:00 МСК" in html  # valid until
    # GET changes nothing (mail scanners open links).
    ticket.refresh_from_db()
    assert ticket.status == Status.CLIENT_EVALUATION
    assert not ticket.events.filter(type=EventType.EVALUATED).exists()
    # A POST without the CSRF token is refused.
    assert Client(enforce_csrf_checks=True).post(found[5], {}).status_code == 403

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert token is not None
    done = browser.post(
        found[5], {"csrfmiddlewaretoken": token.group(1), "comment": "Всё заработало"}
    )
    assert done.status_code == 200
    assert "Спасибо за оценку" in done.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert (ticket.rating, ticket.rating_comment) == (5, "Всё заработало")
    evaluated = ticket.events.get(type=EventType.EVALUATED)
    assert evaluated.author is None and evaluated.data["via"] == "link"
    assert evaluated.data["rating"] == 5

    # Used: the same link, or another rating of the same mail, is refused with a clear page.
    again = browser.post(found[5], {"csrfmiddlewaretoken": token.group(1)})
    assert again.status_code == 409 and "Ответ уже оценён" in again.content.decode()
    other = browser.get(found[1])
    assert other.status_code == 409 and "ссылка больше не действует" in other.content.decode()
    assert ticket.events.filter(type=EventType.EVALUATED).count() == 1


def test_r13_a_forged_or_altered_rating_link_is_refused(
    demo: None, clock: time_machine.Coordinates
) -> None:
    ticket = in_evaluation(clock)
    path = links(str(outbox.outbox[0].body))[1]
    token = path.removeprefix("/rate/").removesuffix("/")
    value, signature = token.split(":", 1)
    ticket_id, _rating, evaluation = value.split(".")
    browser = Client()
    for forged in (
        f"{ticket_id}.5.{evaluation}:{signature}",  # another rating under the same signature
        f"{int(ticket_id) + 1}.1.{evaluation}:{signature}",  # another ticket
        f"{value}:{signature[:-2]}xx",
        "garbage",
        f"{ticket_id}.1.{evaluation}",
    ):
        response = browser.get(f"/rate/{forged}/")
        assert response.status_code == 400, forged
        assert "Ссылка недействительна" in response.content.decode()
        assert browser.post(f"/rate/{forged}/").status_code == 400
    ticket.refresh_from_db()
    assert ticket.status == Status.CLIENT_EVALUATION


def test_r13_a_rating_link_expires_when_the_evaluation_period_ends(
    demo: None, clock: time_machine.Coordinates
) -> None:
    ticket = in_evaluation(clock)
    path = links(str(outbox.outbox[0].body))[4]
    browser = Client()
    clock.move_to(DEADLINE)
    assert browser.get(path).status_code == 200  # the last minute of the period
    clock.move_to(DEADLINE + dt.timedelta(minutes=1))  # before the automatic close has run
    expired = browser.get(path)
    assert expired.status_code == 410
    assert "Срок оценки истёк" in expired.content.decode()
    assert browser.post(path, {"comment": "поздно"}).status_code == 410
    ticket.refresh_from_db()
    assert ticket.status == Status.CLIENT_EVALUATION and ticket.rating is None


def test_r13_a_link_of_an_earlier_evaluation_does_not_rate_the_next_one(
    demo: None, clock: time_machine.Coordinates
) -> None:
    ticket = in_evaluation(clock)
    first = links(str(outbox.outbox[0].body))[5]
    client = User.objects.get(username="client")
    ticket.contact_email = client.email  # for the portal rejection below
    Ticket.objects.filter(pk=ticket.pk).update(organisation=client.organisation)
    ticket.refresh_from_db()
    ticket_evaluate(ticket=ticket, actor=client, accepted=False, comment="Не то")
    clock.move_to(dt.datetime(2026, 11, 25, 15, 0, tzinfo=MSK))
    outbox.outbox.clear()
    ticket_resolve(ticket=ticket, actor=consultant(), text="Теперь так.")
    drain()
    second = links(str(outbox.outbox[0].body))[5]
    assert second != first
    browser = Client()
    assert browser.get(first).status_code == 409
    assert browser.get(second).status_code == 200
    assert browser.post(second, {}).status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.rating == 5


def test_r13_resolving_without_a_text_still_mails_the_rating_links(
    demo: None, clock: time_machine.Coordinates
) -> None:
    from supportline.tickets.actions.lifecycle import ticket_answer

    ticket = as_in_corpus(deliver(eml("plain-utf8-new-ticket.eml")).ticket)
    ticket_answer(ticket=ticket, actor=consultant(), text="Переформируйте отчёт.")
    drain()
    outbox.outbox.clear()
    ticket_resolve(ticket=ticket, actor=consultant())
    drain()
    (letter,) = outbox.outbox
    assert "Ответ по обращению № CRM-000001 дан" in letter.body
    assert sorted(links(str(letter.body))) == [1, 2, 3, 4, 5]


def test_r13_the_rating_page_is_russian_first_and_english_on_request(
    demo: None, clock: time_machine.Coordinates
) -> None:
    in_evaluation(clock)
    path = links(str(outbox.outbox[0].body))[3]
    russian = Client().get(path).content.decode()
    assert '<html lang="ru">' in russian and "3 из 5 — удовлетворительно" in russian
    english = Client().get(path, headers={"accept-language": "en"}).content.decode()
    assert "Rating the answer to ticket CRM-000001" in english
    assert "3 out of 5 — satisfactory" in english and "Confirm the rating" in english
    forged = Client().get("/rate/nonsense/", headers={"accept-language": "en"})
    assert forged.status_code == 400 and "The link is not valid" in forged.content.decode()


def test_r13_a_rating_reply_to_a_ticket_already_rated_by_link_opens_no_new_ticket(
    demo: None, clock: time_machine.Coordinates
) -> None:
    ticket = in_evaluation(clock)
    assert Client().post(links(str(outbox.outbox[0].body))[5], {}).status_code == 200
    mail = deliver(reply_to_evaluation(ticket, "evaluation-reply-rating-gmail.eml"))
    assert mail.state == "ignored" and mail.ticket == ticket
    assert Ticket.objects.count() == 1
    ticket.refresh_from_db()
    assert ticket.rating == 5  # the first evaluation stands
    # Anything else to a closed ticket still opens a new one that says what it continues.
    other = deliver(reply_to_evaluation(ticket, "evaluation-reply-rejected-outlook.eml"))
    assert other.ticket is not None and other.ticket != ticket
