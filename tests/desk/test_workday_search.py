"""Issue 14 §2: one search box over every ticket the user may see — number, subject, message
text, organisation, INN, registration number, contact — with Russian morphology (PostgreSQL
`russian` full text on PostgreSQL, Snowball stems on SQLite: the suite runs both); every status
reachable by filter; sort by column; views; keyset pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client

from supportline.desk.selectors import search as search_selector
from supportline.tickets.actions.escalation import ticket_redirect, ticket_refuse, ticket_transfer
from supportline.tickets.actions.lifecycle import (
    ticket_answer,
    ticket_ask,
    ticket_evaluate,
    ticket_resolve,
)
from supportline.tickets.models import SavedView, Status, Ticket, TicketSearch
from tests.desk.conftest import Desk, html, msk


def found(desk: Desk, viewer: object = None, **params: str) -> str:
    response = (viewer or desk.consultant).get("/desk/search/", params)  # type: ignore[attr-defined]
    assert response.status_code == 200
    return html(response)


def closed(desk: Desk, **fields: str) -> Ticket:
    ticket = desk.ticket(**fields)
    ticket_answer(ticket=ticket, actor=desk.consultant.user, text="Проверьте настройки печати")
    ticket_resolve(ticket=ticket, actor=desk.consultant.user)
    ticket_evaluate(ticket=ticket, actor=desk.client.user, accepted=True, rating=5)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    return ticket


def test_a_closed_ticket_is_found_by_a_word_of_its_message_in_another_form(desk: Desk) -> None:
    ticket = closed(
        desk, subject="Вопрос по документам", body="Добрый день! Не печатаются счета на оплату."
    )
    other = desk.ticket(subject="Вопрос по документам", body="Не открывается отчёт")
    for query in ("печать счёт", "счетов", "Печатается счет", "оплаты"):
        page = found(desk, q=query)
        assert ticket.number in page, query
        assert other.number not in page, query
    assert ticket.number not in found(desk, q="печать накладных")


@pytest.mark.parametrize(
    "query",
    ["7705123452", "800123456", "Ромашка", "buh@romashka.ru", "Мария", "+7 495 123-45-67"],
)
def test_found_by_inn_registration_organisation_and_contact(desk: Desk, query: str) -> None:
    ticket = desk.ticket(
        contact_email="buh@romashka.ru",
        contact_name="Мария Бухгалтер",
        contact_phone="+7 495 123-45-67",
    )
    assert ticket.number in found(desk, q=query)


def test_found_by_number_whole_or_by_its_digits(desk: Desk) -> None:
    ticket = desk.ticket()
    assert ticket.number is not None
    page = found(desk, q=ticket.number)
    assert f'href="/desk/tickets/{ticket.number}/"' in page
    digits = ticket.number.rsplit("-", 1)[1].lstrip("0")
    assert f'href="/desk/tickets/{ticket.number}/"' in found(desk, q=digits)


def test_the_search_sees_only_what_the_user_may_see(desk: Desk) -> None:
    plain = desk.ticket(subject="Уникальная воронка")
    moved = ticket_transfer(
        ticket=desk.ticket(subject="Уникальная воронка методики"),
        actor=desk.consultant.user,
        to="methodologist",
        kind="wish",
        reason="Методика",
    )
    page = found(desk, desk.methodologist, q="уникальной воронки")
    assert moved.number in page and plain.number not in page
    for outsider in (desk.client, desk.client_b, desk.partner):
        assert outsider.get("/desk/search/", {"q": "воронка"}).status_code == 403
    assert Client().get("/desk/search/").status_code == 302


def test_every_status_is_reachable_by_filter(desk: Desk) -> None:
    done = closed(desk)
    refused = ticket_refuse(ticket=desk.ticket(), actor=desk.consultant.user, reason="нет ИТС")
    redirected = ticket_redirect(
        ticket=desk.ticket(), actor=desk.consultant.user, category="pc_setup"
    )
    evaluating = desk.ticket()
    ticket_answer(ticket=evaluating, actor=desk.consultant.user, text="Ответ")
    evaluating = ticket_resolve(ticket=evaluating, actor=desk.consultant.user)
    for ticket, status in (
        (done, Status.CLOSED),
        (refused, Status.REFUSED),
        (redirected, Status.REDIRECTED),
        (evaluating, Status.CLIENT_EVALUATION),
    ):
        page = found(desk, status=status)
        assert ticket.number in page, status
        others = {done, refused, redirected, evaluating} - {ticket}
        assert not any(f'"/desk/tickets/{o.number}/"' in page for o in others), status
    assert done.number not in found(desk, status="open")


def test_sort_by_column_both_ways(desk: Desk) -> None:
    a = desk.ticket(subject="Аааа первая тема")
    b = desk.ticket(subject="Яяяя последняя тема")
    up = found(desk, q="тема", sort="subject", dir="asc")
    down = found(desk, q="тема", sort="subject", dir="desc")
    assert up.index(a.number) < up.index(b.number)
    assert down.index(b.number) < down.index(a.number)
    assert "sort=subject&amp;dir=desc" in up  # the heading sorts the other way next


def test_keyset_pages_cover_every_row_once(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_selector, "PAGE_SIZE", 2)
    made = [desk.ticket(subject=f"Постраничный вопрос {i}").number for i in range(5)]
    seen: list[str] = []
    params = {"q": "постраничный", "sort": "registered", "dir": "asc"}
    for _page in range(5):
        page = search_selector.search_page(
            desk.consultant.user, search_selector.SearchParams(**{**params_to(params)}), _now()
        )
        seen += [t.number or "" for t in page.tickets]
        if not page.next_cursor:
            break
        params["after"] = page.next_cursor
    assert seen == made
    # Over HTTP the next page is a link carrying the cursor; a forged cursor starts over.
    first = found(desk, q="постраничный", sort="registered", dir="asc")
    assert 'id="next-page"' in first
    assert made[0] in found(desk, q="постраничный", sort="registered", dir="asc", after="forged")


def params_to(params: dict[str, str]) -> dict[str, object]:
    return {
        "q": params["q"],
        "sort": params["sort"],
        "desc": params["dir"] != "asc",
        "after": params.get("after", ""),
        "before": params.get("before", ""),
    }


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_previous_pages_go_back_by_keyset_to_the_first(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, direction: str
) -> None:
    monkeypatch.setattr(search_selector, "PAGE_SIZE", 2)
    made = [desk.ticket(subject=f"Постраничный вопрос {i}").number for i in range(5)]
    if direction == "desc":
        made.reverse()
    params = {"q": "постраничный", "sort": "registered", "dir": direction}

    def page_of(**cursor: str) -> search_selector.SearchPage:
        args = search_selector.SearchParams(**params_to({**params, **cursor}))
        return search_selector.search_page(desk.consultant.user, args, _now())

    forward = [page_of()]
    while forward[-1].next_cursor:
        forward.append(page_of(after=forward[-1].next_cursor))
    assert [[t.number for t in p.tickets] for p in forward] == [made[:2], made[2:4], made[4:]]
    assert not forward[0].prev_cursor and forward[0].first_page
    # Back from the last page: the same pages in reverse, each with the way on again.
    back = [forward[-1]]
    while back[-1].prev_cursor:
        back.append(page_of(before=back[-1].prev_cursor))
    assert [[t.number for t in p.tickets] for p in back] == [made[4:], made[2:4], made[:2]]
    assert back[-1].first_page and not back[-1].prev_cursor
    assert all(p.next_cursor for p in back[1:])
    # Over HTTP: the second page links back; a forged «before» starts over.
    second = found(desk, **params, after=forward[0].next_cursor)
    assert 'id="prev-page"' in second and "before=" in second
    first = found(desk, **params)
    assert 'id="prev-page"' not in first
    assert made[0] in found(desk, **params, before="forged")


def _now() -> dt.datetime:
    from django.utils import timezone

    return timezone.now()


def test_builtin_views_mine_stale_and_breached(desk: Desk, clock: time_machine.Coordinates) -> None:
    mine = desk.ticket(subject="Мой открытый")
    ticket_answer(ticket=mine, actor=desk.consultant.user, text="Работаю")
    theirs = desk.ticket(subject="Чужой открытый")
    ticket_answer(ticket=theirs, actor=desk.consultant2.user, text="Работаю")
    waiting = desk.ticket(subject="Ждёт клиента")
    ticket_ask(ticket=waiting, actor=desk.consultant.user, text="Пришлите снимок экрана")
    late = desk.ticket(subject="Просроченный", at=msk(2026, 11, 24, 9, 0))
    page = found(desk, status="open", who="mine")
    assert mine.number in page and theirs.number not in page
    assert waiting.number not in found(desk, status="waiting_client", stale="1")
    clock.move_to(msk(2026, 11, 30, 12, 0))  # six days later; every open clock is past due
    page = found(desk, status="waiting_client", stale="1")
    assert waiting.number in page and mine.number not in page
    breached = found(desk, status="open", breached="1")
    assert late.number in breached
    links = found(desk)
    for key in ("mine", "stale", "breached"):
        assert f'id="view-{key}"' in links


def test_a_consultant_saves_and_deletes_their_own_view(desk: Desk) -> None:
    response = desk.consultant.post(
        "/desk/views/", {"name": "Счета Ромашки", "query": "q=счёт&status=closed&after=x&evil=1"}
    )
    assert response.status_code == 302
    view = SavedView.objects.get()
    assert view.user == desk.consultant.user
    assert view.query == "q=%D1%81%D1%87%D1%91%D1%82&status=closed"  # only search parameters
    assert "Счета Ромашки" in found(desk)
    assert "Счета Ромашки" not in found(desk, desk.consultant2)
    # Another consultant cannot delete it; its owner can.
    assert desk.consultant2.post(f"/desk/views/{view.pk}/delete/").status_code == 404
    assert desk.client.post(f"/desk/views/{view.pk}/delete/").status_code == 403
    assert desk.consultant.post(f"/desk/views/{view.pk}/delete/").status_code == 302
    assert not SavedView.objects.exists()


@pytest.mark.parametrize(
    "query", ["'; DROP TABLE x; --", "a & | ! :* ( )", "<script>", "\\", "ё" * 300, "не и в"]
)
def test_hostile_or_empty_queries_are_answered_not_500(desk: Desk, query: str) -> None:
    response = desk.consultant.get("/desk/search/", {"q": query, "sort": "nope", "dir": "x"})
    assert response.status_code == 200
    assert "<script>" not in html(response).split("</header>", 1)[1].replace("&lt;script&gt;", "")


def test_the_search_row_follows_the_ticket(desk: Desk) -> None:
    ticket = desk.ticket(subject="Первоначальная тема")
    row = TicketSearch.objects.get(ticket=ticket)
    assert "первоначальная" in row.document
    ticket_answer(ticket=ticket, actor=desk.consultant.user, text="Обновите платформу")
    assert "платформу" in TicketSearch.objects.get(ticket=ticket).document
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT vector::text FROM tickets_ticketsearch WHERE ticket_id = %s", [ticket.pk]
            )
            (vector,) = cursor.fetchone()
            assert "'платформ'" in vector  # the russian configuration's stem
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'tickets_ticketsearch_vector_gin'"
            )
            (index,) = cursor.fetchone()
            assert "gin" in index.lower()


def test_search_page_query_count_does_not_grow_with_rows(
    desk: Desk, django_assert_max_num_queries: Any
) -> None:
    for i in range(3):
        desk.ticket(subject=f"Счётный вопрос {i}")
    desk.consultant.get("/desk/search/", {"q": "счётный"})  # warm the calendar and sessions
    # Session, user, the page of rows (with assignee and organisation), the saved views.
    with django_assert_max_num_queries(6):
        few = desk.consultant.get("/desk/search/", {"q": "счётный"})
    for i in range(10):
        desk.ticket(subject=f"Счётный вопрос ещё {i}")
    with django_assert_max_num_queries(6):
        many = desk.consultant.get("/desk/search/", {"q": "счётный"})
    assert html(few).count('href="/desk/tickets/') < html(many).count('href="/desk/tickets/')


def test_migration_builds_the_search_rows_of_existing_tickets(desk: Desk) -> None:
    """0014 gives every ticket that existed before it a search row (and, on PostgreSQL, its
    vector and the GIN index)."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("supportline.tickets.migrations.0014_desk_day")
    ticket = desk.ticket(body="Не печатаются счета")
    others = [desk.ticket(subject=f"Вопрос {i}") for i in range(3)]
    TicketSearch.objects.all().delete()
    if connection.vendor == "postgresql":  # the deletion's deferred checks, before DDL
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    class Editor:
        connection = connection

        def execute(self, sql: str, params: Any = ()) -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql, params or None)

    migration.BATCH = 2  # several batches, the last one short
    migration.search_index(apps, Editor())
    assert TicketSearch.objects.filter(ticket=ticket).exists()
    assert TicketSearch.objects.count() == 4
    assert others[-1].number in found(desk, q="вопрос")
    assert ticket.number in found(desk, q="печать счёт")


def test_an_open_builtin_view_is_marked_current(desk: Desk) -> None:
    from supportline.desk.selectors.search import BUILTIN_VIEWS

    for view in BUILTIN_VIEWS:
        page = html(desk.consultant.get(f"/desk/search/?{view.query}"))
        assert f'id="view-{view.key}" aria-current="page"' in page, view.key


def test_reindex_command_follows_a_renamed_organisation(desk: Desk) -> None:
    from io import StringIO

    from django.core.management import call_command

    from supportline.registry.models import Organisation

    ticket = desk.ticket()
    org = Organisation.objects.get(pk=ticket.organisation_id)
    org.name = "ООО «Лютик»"
    org.save()
    assert ticket.number not in found(desk, q="Лютик")
    out = StringIO()
    call_command("reindex_search", stdout=out)
    assert "Поисковый индекс перестроен" in out.getvalue()
    assert ticket.number in found(desk, q="лютика")


def test_stale_view_counts_working_days_of_the_line_calendar(
    desk: Desk, clock: time_machine.Coordinates
) -> None:
    """«Ждут клиента больше 3 дней» counts working days: a weekend or a holiday in between
    does not make a ticket stale."""
    clock.move_to(msk(2026, 11, 26, 12, 0))  # Thursday
    weekend = desk.ticket(subject="Через выходные")
    ticket_ask(ticket=weekend, actor=desk.consultant.user, text="Пришлите снимок экрана")
    clock.move_to(msk(2026, 11, 30, 13, 0))  # Monday: four calendar days, two working ones
    assert weekend.number not in found(desk, status="waiting_client", stale="1")
    clock.move_to(msk(2026, 12, 1, 13, 0))  # Tuesday: Thursday, Friday, Monday have passed
    assert weekend.number in found(desk, status="waiting_client", stale="1")


def test_stale_view_skips_a_holiday(desk: Desk, clock: time_machine.Coordinates) -> None:
    clock.move_to(msk(2026, 11, 2, 12, 0))  # Monday; Wednesday 4 November is a holiday
    ticket = desk.ticket(subject="Через праздник")
    ticket_ask(ticket=ticket, actor=desk.consultant.user, text="Пришлите выгрузку")
    clock.move_to(msk(2026, 11, 5, 13, 0))  # Thursday: Tuesday and Thursday worked, not three
    assert ticket.number not in found(desk, status="waiting_client", stale="1")
    clock.move_to(msk(2026, 11, 6, 13, 0))  # Friday: Tuesday, Thursday, Friday
    assert ticket.number in found(desk, status="waiting_client", stale="1")
