"""Issue 15: the ticket page's long lists — the conversation, the history, a clock's intervals —
are written by tags, and say exactly what the page's loops said (the conversation's loop is
tests/desk/ticket_messages_reference.html; the other two are short enough to keep here)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.template import engines
from django.utils import timezone, translation

from supportline.desk.selectors.ticket import ticket_page
from supportline.tickets.actions.lifecycle import ticket_accept, ticket_ask, ticket_client_reply
from supportline.tickets.models import Attachment, Channel, Message, Ticket
from tests.desk.conftest import Desk

MESSAGES = Path(__file__).with_name("ticket_messages_reference.html").read_text()
TIMELINE = """{% load i18n supportline %}{% for row in page.timeline %}
      <li><time datetime="{{ row.event.at|date:'c' }}">{{ row.event.at|msk }}</time> — <strong>{{ row.label }}</strong> · {{ row.author }}{% if row.detail %}<br><span class="note">{{ row.detail }}</span>{% endif %}</li>
    {% endfor %}"""
INTERVALS = """{% load i18n supportline %}{% for i in c.intervals %}
          <tr class="iv-{{ i.kind }}"><td>{{ i.label }}</td><td>{{ i.start|msk }}</td><td>{% if i.current %}{% translate "сейчас" %}{% else %}{{ i.end|msk }}{% endif %}</td><td>{{ i.minutes|minutes_hm }}</td></tr>
        {% endfor %}"""


def _tickets(desk: Desk) -> list[Ticket]:
    portal = desk.ticket()
    ticket_accept(ticket=portal, actor=desk.consultant.user)
    ticket_ask(ticket=portal, actor=desk.consultant.user, text="Пришлите <снимок> & версию\nи ещё")
    ticket_client_reply(ticket=portal, actor=desk.client.user, text="Вот снимок")
    reply = Message.objects.filter(ticket=portal).order_by("-id").first()
    assert reply is not None
    for name in ("снимок.png", "отчёт.pdf"):
        Attachment.objects.create(
            message=reply, file=ContentFile(b"x", name=name), name=name, size=1, content_type=""
        )
    phone = desk.ticket(channel="phone", contact_name='Анна "<Петрова>"')
    mail = desk.ticket(channel="email")
    Message.objects.filter(ticket=mail, author_kind="client").update(
        author=None, channel=Channel.EMAIL
    )
    return [portal, phone, mail]


def _page(ticket: Ticket, desk: Desk, unverified: str = "") -> object:
    page = ticket_page(Ticket.objects.get(pk=ticket.pk), timezone.now())
    for m in page.messages:
        if m.author is None and unverified:
            m.unverified_sender = unverified  # type: ignore[attr-defined]
    return page


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_lists_are_what_the_loops_wrote(desk: Desk, language: str) -> None:
    engine = engines["django"]
    tag = {
        "messages": engine.from_string(
            "{% load desk_tags %}{% message_items page.messages ticket %}"
        ),
        "timeline": engine.from_string("{% load desk_tags %}{% timeline_rows page.timeline %}"),
        "intervals": engine.from_string("{% load desk_tags %}{% interval_rows c.intervals %}"),
    }
    loop = {
        "messages": engine.from_string(MESSAGES.rstrip("\n")),
        "timeline": engine.from_string(TIMELINE),
        "intervals": engine.from_string(INTERVALS),
    }
    seen: set[str] = set()
    with translation.override(language):
        for ticket in _tickets(desk):
            for unverified in ("", "DKIM <fail> & SPF"):
                page = _page(ticket, desk, unverified)
                ours = ""
                context = {"page": page, "ticket": page.ticket}  # type: ignore[attr-defined]
                for name in ("messages", "timeline"):
                    rendered = tag[name].render(context)
                    assert rendered == loop[name].render(context), name
                    ours = rendered if name == "messages" else ours
                seen |= {"files"} if "снимок.png" in ours else set()
                seen |= {"unverified"} if "DKIM &lt;fail&gt;" in ours else set()
                seen |= {"contact"} if "Анна &quot;&lt;Петрова&gt;&quot;" in ours else set()
                for c in page.sla.clocks:  # type: ignore[attr-defined]
                    clock = {"c": c}
                    assert tag["intervals"].render(clock) == loop["intervals"].render(clock)
    assert seen == {"files", "unverified", "contact"}
