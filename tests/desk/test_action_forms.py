"""Issue 15: the ticket page writes the everyday forms (answer, accept, resolve) and loads every
other action's form when its <details> opens — an htmx GET of /desk/tickets/<n>/act/<action>/,
the same URL a plain link opens as a page of its own without JavaScript. The URL checks what
the page and the action check: a ticket the user may see, an action offered to them."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from supportline.tickets.actions.escalation import ticket_transfer
from supportline.tickets.actions.lifecycle import ticket_accept
from supportline.tickets.models import Ticket
from tests.desk.conftest import Desk, Person, html

HTMX = {"HX-Request": "true"}
LAZY = re.compile(r'hx-get="/desk/tickets/[^/]+/act/([a-z_]+)/"')


def _lazy(who: Person, ticket: Ticket) -> list[str]:
    return LAZY.findall(html(who.get(f"/desk/tickets/{ticket.number}/")))


def _post_url(ticket: Ticket, action: str) -> str:
    if action in ("link", "merge"):
        return f"/desk/tickets/{ticket.number}/{action}/"
    return f"/desk/tickets/{ticket.number}/do/{action}/"


def test_the_page_writes_the_everyday_forms_and_loads_the_others_when_opened(desk: Desk) -> None:
    ticket = desk.ticket()
    page = html(desk.consultant.get(f"/desk/tickets/{ticket.number}/"))
    # A registered ticket: accepting it is the form written up front.
    assert f'<form method="post" action="/desk/tickets/{ticket.number}/do/accept/"' in page
    lazy = LAZY.findall(page)
    assert {"level", "redirect", "refuse", "assign", "link", "merge"} <= set(lazy)
    assert "accept" not in lazy
    for action in lazy:
        # Not written into the page: loaded into the body of its <details> when it opens.
        assert f'action="{_post_url(ticket, action)}"' not in page, action
        details = page.split(f'id="act-{action}"', 1)[1].split("</details>", 1)[0]
        assert 'hx-trigger="toggle once"' in details and 'hx-target="find .action-body"' in details
        # Without JavaScript, the body holds a plain link to the form's own page.
        assert f'<a href="/desk/tickets/{ticket.number}/act/{action}/">' in details


def test_every_loaded_form_posts_to_its_action_with_the_csrf_token(desk: Desk) -> None:
    ticket = desk.ticket()
    ticket_accept(ticket=ticket, actor=desk.consultant.user)
    lazy = _lazy(desk.consultant, ticket)
    assert {"ask", "level", "transfer", "redirect", "assign", "link", "merge"} <= set(lazy)
    for action in lazy:
        response = desk.consultant.get(f"/desk/tickets/{ticket.number}/act/{action}/", headers=HTMX)
        assert response.status_code == 200, action
        fragment = html(response)
        assert "<html" not in fragment and "<details" not in fragment, action
        assert f'<form method="post" action="{_post_url(ticket, action)}"' in fragment, action
        assert 'name="csrfmiddlewaretoken"' in fragment, action
        assert "HX-Request" in response["Vary"]
    transfer = html(
        desk.consultant.get(f"/desk/tickets/{ticket.number}/act/transfer/", headers=HTMX)
    )
    assert 'name="transfer-to"' in transfer and "Передать методологу" in transfer
    assign = html(desk.consultant.get(f"/desk/tickets/{ticket.number}/act/assign/", headers=HTMX))
    assert f'<option value="{desk.consultant2.user.pk}"' in assign


def test_without_htmx_the_form_is_a_page_of_its_own(desk: Desk) -> None:
    ticket = desk.ticket()
    response = desk.consultant.get(f"/desk/tickets/{ticket.number}/act/level/")
    assert response.status_code == 200
    page = html(response)
    assert "<html" in page and '<h1 id="action-title">Изменить уровень поддержки</h1>' in page
    assert f'<a href="/desk/tickets/{ticket.number}/">' in page  # back to the ticket
    assert f'<form method="post" action="/desk/tickets/{ticket.number}/do/level/"' in page
    # Posted from there, the action works as from the ticket page (PRG back to the ticket).
    response = desk.consultant.post(
        f"/desk/tickets/{ticket.number}/do/level/",
        {"level-level": "operational", "level-reason": "Критическая ошибка"},
    )
    assert response.status_code == 302
    assert Ticket.objects.get(pk=ticket.pk).level == "operational"


def test_a_refused_lazy_action_shows_its_form_with_the_error_on_the_page(desk: Desk) -> None:
    ticket = desk.ticket()
    response = desk.consultant.post(
        f"/desk/tickets/{ticket.number}/do/level/", {"level-level": "", "level-reason": ""}
    )
    assert response.status_code == 400
    page = html(response)
    assert '<details class="action" id="act-level" open>' in page
    assert f'action="/desk/tickets/{ticket.number}/do/level/"' in page  # the bound form
    assert 'aria-invalid="true"' in page


def test_the_form_url_is_for_staff_only(desk: Desk) -> None:
    ticket = desk.ticket()
    for outsider in (desk.client, desk.partner):
        for action in ("level", "link", "explode"):
            url = f"/desk/tickets/{ticket.number}/act/{action}/"
            assert outsider.get(url, headers=HTMX).status_code == 403, action
    assert desk.consultant.post(f"/desk/tickets/{ticket.number}/act/level/").status_code == 405


def test_a_ticket_the_user_may_not_see_is_404_and_an_unknown_action_too(desk: Desk) -> None:
    plain = desk.ticket()
    # A methodologist sees only the tickets transferred to methodologists.
    assert desk.methodologist.get(f"/desk/tickets/{plain.number}/act/level/").status_code == 404
    assert desk.consultant.get("/desk/tickets/CRM-999999/act/level/").status_code == 404
    assert desk.consultant.get(f"/desk/tickets/{plain.number}/act/explode/").status_code == 404


@pytest.mark.parametrize(
    "who,action",
    [
        ("consultant", "decide"),  # not an update-access request
        ("consultant", "resolve_release"),  # no development item with a release
        ("consultant", "confirm_exemption"),  # no exemption pending
        ("methodologist", "transfer"),  # only the line transfers
        ("methodologist", "assign"),
        ("methodologist", "merge"),
    ],
)
def test_an_action_the_page_does_not_offer_is_403(desk: Desk, who: str, action: str) -> None:
    ticket = ticket_transfer(
        ticket=desk.ticket(),
        actor=desk.consultant.user,
        to="methodologist",
        kind="wish",
        reason="Нужна методика",
    )
    person = getattr(desk, who)
    assert person.get(f"/desk/tickets/{ticket.number}/").status_code == 200
    assert f'id="act-{action}"' not in html(person.get(f"/desk/tickets/{ticket.number}/"))
    response = person.get(f"/desk/tickets/{ticket.number}/act/{action}/", headers=HTMX)
    assert response.status_code == 403


def test_a_closed_ticket_offers_no_form_to_load(desk: Desk) -> None:
    refused = desk.ticket(
        channel="email", registration_number="800654321", organisation="АО «Вектор»"
    )
    page = html(desk.consultant.get(f"/desk/tickets/{refused.number}/"))
    actions = page.split('id="actions-title"', 1)[1].split("</section>", 1)[0]
    assert "/act/" not in actions and "Обращение закрыто: действий нет." in actions
    for action in ("ask", "level", "assign", "merge"):
        url = f"/desk/tickets/{refused.number}/act/{action}/"
        assert desk.consultant.get(url, headers=HTMX).status_code == 403, action


def _item_queries(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if '"tickets_developmentitem"' in q["sql"]]


def test_the_development_item_is_read_only_for_a_ticket_that_has_one(desk: Desk) -> None:
    """The item with its release and the release's configuration: one query when there is an
    item, none without (its joins were planned for every page)."""
    plain = desk.ticket()
    with CaptureQueriesContext(connection) as without:
        desk.consultant.get(f"/desk/tickets/{plain.number}/")
    assert _item_queries(without) == []
    moved = ticket_transfer(
        ticket=desk.ticket(),
        actor=desk.consultant.user,
        to="development",
        kind="wish",
        reason="Нужна новая функция",
    )
    assert moved.development_item is not None
    with CaptureQueriesContext(connection) as with_item:
        page = html(desk.consultant.get(f"/desk/tickets/{moved.number}/"))
    assert "Задача разработки" in page and moved.development_item.title in page
    (query,) = _item_queries(with_item)
    assert '"registry_release"' in query and '"registry_configuration"' in query
