"""Every portal page answers for the roles that use it, in Russian, phone-ready."""

from __future__ import annotations

import pytest

from supportline.portal.kb import seed_articles
from tests.portal.conftest import Portal

PAGES = [
    "/portal/",
    "/portal/?state=open",
    "/portal/new/",
    "/portal/update-access/",
    "/portal/complaints/",
    "/portal/kb/",
    "/portal/kb/?q=отчёт",
]


@pytest.mark.parametrize("who", ["client", "partner"])
@pytest.mark.parametrize("url", PAGES)
def test_every_page_answers_for_its_role(portal: Portal, who: str, url: str) -> None:
    seed_articles()
    persona = getattr(portal, who)
    response = persona.browser.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert "/static/supportline/portal.css" in html
    assert 'aria-label="Разделы портала"' in html
    # R19: the line's page (hours, channels) is one click away.
    assert '<a href="/">О линии: часы работы и контакты</a>' in html


@pytest.mark.parametrize("who", ["client", "partner"])
def test_ticket_and_article_pages_answer_for_their_role(portal: Portal, who: str) -> None:
    persona = getattr(portal, who)
    fields = {"partner_code": "12-345-678"} if who == "partner" else {}
    ticket = portal.ticket(persona, **fields)
    assert persona.browser.get(f"/portal/tickets/{ticket.number}/").status_code == 200
    article = seed_articles()[0]
    assert persona.browser.get(f"/portal/kb/{article.pk}/").status_code == 200


def test_line_page_still_answers_for_everyone(portal: Portal) -> None:
    assert portal.anonymous.get("/").status_code == 200
    assert portal.client.browser.get("/").status_code == 200


def test_current_page_is_marked_in_the_portal_menu(portal: Portal) -> None:
    html = portal.client.browser.get("/portal/complaints/").content.decode()
    assert '<a href="/portal/complaints/" aria-current="page">' in html


def test_portal_stylesheet_is_found_by_staticfiles() -> None:
    from django.contrib.staticfiles import finders

    assert finders.find("supportline/portal.css")
