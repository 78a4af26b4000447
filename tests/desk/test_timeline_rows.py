"""Issue 14 §9: every row of the ticket's history (R16) says something — what changed, the
message it recorded, or what it did to the clocks."""

from __future__ import annotations

import re

from supportline.tickets.actions.lifecycle import (
    ticket_accept,
    ticket_ask,
    ticket_client_reply,
    ticket_evaluate,
    ticket_resolve,
)
from tests.desk.conftest import Desk, html

ROW = re.compile(r'<ol class="timeline">(.*?)</ol>', re.S)
ITEM = re.compile(r"<li>(.*?)</li>", re.S)


def test_no_history_row_is_empty(desk: Desk) -> None:
    t = desk.ticket()
    ticket_accept(ticket=t, actor=desk.consultant.user)
    ticket_ask(ticket=t, actor=desk.consultant.user, text="Какая версия платформы?")
    ticket_client_reply(ticket=t, actor=desk.client.user, text="8.3.25")
    ticket_resolve(ticket=t, actor=desk.consultant.user, text="Обновите платформу")
    ticket_evaluate(ticket=t, actor=desk.client.user, accepted=False, comment="Не помогло")
    page = html(desk.consultant.get(f"/desk/tickets/{t.number}/"))
    timeline = ROW.search(page)
    assert timeline
    rows = ITEM.findall(timeline.group(1))
    assert len(rows) >= 10
    for row in rows:
        assert 'class="note"' in row, row  # a detail line under every row
    text = timeline.group(1)
    assert "«Какая версия платформы?»" in text and "«8.3.25»" in text
    assert "срок решения на паузе до ответа клиента" in text
    assert "срок решения снова идёт" in text
    assert "срок реакции выполнен" in text
