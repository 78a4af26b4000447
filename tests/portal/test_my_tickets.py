"""My tickets: a client sees its organisation's, a partner its own; SLA state in words."""

from __future__ import annotations

import html
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from supportline.tickets.actions.lifecycle import ticket_ask, ticket_evaluate, ticket_resolve
from tests.portal.conftest import Portal, msk


def test_client_sees_its_organisations_tickets_with_all_columns(portal: Portal) -> None:
    ticket = portal.ticket()
    html = portal.client.browser.get("/portal/").content.decode()
    assert ticket.number in html
    assert "Не формируется отчёт по воронке продаж" in html
    assert "Зарегистрировано" in html  # status label
    assert "Стандартная поддержка" in html  # level name from the regulation
    assert "24.11.2026 10:00 МСК" in html  # Moscow time with the zone named
    assert 'class="badge badge-on_track"' in html and "в срок" in html


def test_outsider_and_partner_see_none_of_it(portal: Portal) -> None:
    ticket = portal.ticket()
    assert ticket.number not in portal.client_b.browser.get("/portal/").content.decode()
    assert ticket.number not in portal.partner.browser.get("/portal/").content.decode()


def test_partner_sees_what_it_filed(portal: Portal) -> None:
    own = portal.ticket(portal.partner, partner_code="12-345-678")
    html = portal.partner.browser.get("/portal/").content.decode()
    assert own.number in html
    # The client organisation sees the partner's ticket about its program too.
    assert own.number in portal.client.browser.get("/portal/").content.decode()


def test_r11_sla_state_is_told_in_words_not_colour_alone(
    portal: Portal, clock: time_machine.Coordinates
) -> None:
    ticket = portal.ticket()
    clock.move_to(msk(2026, 11, 24, 15, 30))
    assert "badge-on_track" in portal.client.browser.get("/portal/").content.decode()
    # 8 working hours of reaction from 10:00; at 16:30 6h30 are used (≥ 75 %): at risk.
    clock.move_to(msk(2026, 11, 24, 16, 30))
    html = portal.client.browser.get("/portal/").content.decode()
    assert "badge-at_risk" in html and "срок под угрозой" in html
    clock.move_to(msk(2026, 11, 25, 9, 30))
    html = portal.client.browser.get("/portal/").content.decode()
    assert "badge-breached" in html and "срок нарушен" in html
    consultant = portal.consultant.user
    ticket_ask(ticket=ticket, actor=consultant, text="Пришлите снимок экрана")
    html = portal.client.browser.get("/portal/").content.decode()
    # Reaction breached (worst of the two clocks wins), resolution paused.
    assert "badge-breached" in html


def test_r12_waiting_for_the_client_shows_paused(portal: Portal) -> None:
    ticket = portal.ticket()
    ticket_ask(ticket=ticket, actor=portal.consultant.user, text="Какая версия платформы?")
    html = portal.client.browser.get("/portal/").content.decode()
    assert "Ожидает ответа клиента" in html
    assert "badge-paused" in html and "пауза: ждём вашего ответа" in html


def test_filter_open_and_closed(portal: Portal) -> None:
    open_ticket = portal.ticket(subject="Открытый вопрос")
    closed = portal.ticket(subject="Закрытый вопрос")
    consultant = portal.consultant.user
    ticket_resolve(ticket=closed, actor=consultant, text="Ответ")
    ticket_evaluate(ticket=closed, actor=portal.client.user, accepted=True, rating=5)
    browser = portal.client.browser
    opened = browser.get("/portal/?state=open").content.decode()
    assert open_ticket.number in opened and closed.number not in opened
    finished = browser.get("/portal/?state=closed").content.decode()
    assert closed.number in finished and open_ticket.number not in finished
    assert "badge-met" in finished and "срок соблюдён" in finished
    everything = browser.get("/portal/?state=bogus").content.decode()
    assert open_ticket.number in everything and closed.number in everything


def test_list_is_paged_by_keyset_both_ways(portal: Portal) -> None:
    numbers = [portal.ticket(subject=f"Вопрос {i}").number for i in range(23)]
    browser = portal.client.browser
    first = browser.get("/portal/").content.decode()
    assert numbers[-1] in first and numbers[0] not in first  # newest first
    assert 'id="prev-page"' not in first
    following = re.search(r'href="\?(after=[^"]+)" rel="next"', first)
    assert following
    second = browser.get("/portal/?" + html.unescape(following.group(1))).content.decode()
    assert numbers[0] in second and numbers[-1] not in second
    assert 'id="next-page"' not in second
    back = re.search(r'href="\?(before=[^"]+)" rel="prev"', second)
    assert back
    again = browser.get("/portal/?" + html.unescape(back.group(1))).content.decode()
    assert [n for n in numbers if n in again] == numbers[3:]
    assert 'id="prev-page"' not in again and 'id="next-page"' in again


def test_the_filter_is_kept_across_pages(portal: Portal) -> None:
    for i in range(21):
        portal.ticket(subject=f"Вопрос {i}")
    first = portal.client.browser.get("/portal/?state=open").content.decode()
    assert 'href="?state=open&amp;after=' in first


@pytest.mark.parametrize("param", ["after", "before"])
@pytest.mark.parametrize(
    "cursor", ["forged", "bnwxfDIwMjYtMTEtMjRUMTA6MDA6MDArMDA6MDB8MA", "ё" * 200]
)
def test_a_bad_cursor_is_told_in_words_not_500(portal: Portal, param: str, cursor: str) -> None:
    ticket = portal.ticket()
    response = portal.client.browser.get("/portal/", {param: cursor})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Ссылка на страницу списка устарела или повреждена" in page
    assert ticket.number in page  # the first page is shown


def _queries(portal: Portal) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = portal.client.browser.get("/portal/")
    assert response.status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow_with_the_tickets(portal: Portal) -> None:
    """STYLE §7: pinned — session, user, one page of tickets (no COUNT), on any page."""
    portal.ticket()
    few = _queries(portal)
    for i in range(45):
        portal.ticket(subject=f"Вопрос {i}")
    assert _queries(portal) == few == 3
    first = portal.client.browser.get("/portal/").content.decode()
    following = re.search(r'href="\?(after=[^"]+)" rel="next"', first)
    assert following
    with CaptureQueriesContext(connection) as queries:
        portal.client.browser.get("/portal/?" + html.unescape(following.group(1)))
    assert len(queries) == 3
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)


def test_empty_list_invites_a_question(portal: Portal) -> None:
    html = portal.client.browser.get("/portal/").content.decode()
    assert "Обращений пока нет." in html
    assert 'href="/"' in html  # R19: the line's page is linked from the portal
