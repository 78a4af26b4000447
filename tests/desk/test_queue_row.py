"""Issue 15: the queue's rows are written in Python (`{% queue_row %}`), and say exactly what
the row template said — tests/desk/queue_row_reference.html, the former
`desk/_queue_row.html` — for rows in every state, in both languages, with the bulk tick and the
unread badge or without them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.template import engines
from django.template.loader import render_to_string
from django.utils import timezone, translation

from supportline.accounts.models import User
from supportline.core import rules
from supportline.desk.selectors.common import queue_row
from supportline.tickets.models import Exemption, SlaState, Status, Ticket
from tests.desk.conftest import Desk

REFERENCE = Path(__file__).with_name("queue_row_reference.html").read_text()


def _tickets(desk: Desk) -> list[Ticket]:
    made = [desk.ticket() for _ in range(6)]
    made.append(desk.ticket(channel="phone"))
    made.append(desk.ticket(subject='Тема с <script>alert("x")</script> & кавычками \''))
    first, second, third, fourth, fifth, sixth, *_ = made
    named = User.objects.get(username="consultant1")
    nameless = User.objects.get(username="consultant2")
    User.objects.filter(pk=nameless.pk).update(first_name="", last_name="")
    now = timezone.now()
    Ticket.objects.filter(pk=first.pk).update(assignee=named, out_of_turn=True)
    Ticket.objects.filter(pk=second.pk).update(
        assignee=nameless, missing_fields=["version"], exemption=Exemption.PENDING
    )
    Ticket.objects.filter(pk=third.pk).update(
        status=Status.CLIENT_EVALUATION, evaluation_started_at=now
    )
    Ticket.objects.filter(pk=fourth.pk).update(
        reaction_state=SlaState.MET, resolution_state=SlaState.PAUSED
    )
    Ticket.objects.filter(pk=fifth.pk).update(
        reaction_state=SlaState.BREACHED, resolution_due_at=now - dt.timedelta(days=3)
    )
    Ticket.objects.filter(pk=sixth.pk).update(reaction_due_at=None, resolution_due_at=None)
    return list(Ticket.objects.select_related("assignee", "organisation").order_by("id"))


@pytest.mark.parametrize("language", ["ru", "en"])
def test_a_row_is_what_the_row_template_wrote(desk: Desk, language: str) -> None:
    tickets = _tickets(desk)
    now, cal = timezone.now(), rules.calendar()
    reference = engines["django"].from_string(REFERENCE)
    tag = engines["django"].from_string("{% load desk_tags %}{% queue_row row %}")
    unread = frozenset({tickets[0].pk, tickets[3].pk})
    compared = 0
    with translation.override(language):
        for ticket in tickets:
            row = queue_row(ticket, now, cal)
            for can_take in (True, False):
                for seen in (unread, frozenset()):
                    context = {"row": row, "t": ticket, "can_take": can_take, "unread": seen}
                    assert tag.render(context) == reference.render(context), ticket.number
                    compared += 1
    assert compared == 4 * len(tickets)


def test_the_queue_page_and_more_render_rows_with_the_tag(desk: Desk) -> None:
    _tickets(desk)
    page = desk.consultant.get("/desk/").content.decode()
    assert (
        page.count('class="bulk-pick"')
        == Ticket.objects.exclude(status=Status.CLIENT_EVALUATION).count()
    )
    assert "&lt;script&gt;" in page and "<script>alert" not in page


def test_rows_template_renders_without_can_take_or_unread(desk: Desk) -> None:
    """The rows' template alone (htmx «more»), with a context that lacks the optional keys."""
    tickets = _tickets(desk)
    now, cal = timezone.now(), rules.calendar()

    class Page:
        rows = [queue_row(t, now, cal) for t in tickets]
        next_cursor = None
        truncated = False

    text = render_to_string("desk/_queue_rows.html", {"page": Page(), "more": True})
    assert text.count("<tr class=") == len(tickets)
    assert 'class="bulk-pick"' not in text


def test_iso_is_the_date_filters_c() -> None:
    from django.template.defaultfilters import date as date_filter
    from django.utils.timezone import localtime

    from supportline.desk.templatetags.desk_tags import iso

    for moment in (
        dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 1, 23, 59, 59, 123456, tzinfo=dt.UTC),
    ):
        assert iso(moment) == date_filter(localtime(moment), "c")
