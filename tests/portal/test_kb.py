"""Self-service first (R5): the knowledge base, searched with Russian morphology on SQLite
(our stemmer) and on PostgreSQL (`config="russian"`) — the same tests on both."""

from __future__ import annotations

from django.db import connection

from supportline.portal.kb import (
    SEED_ARTICLES,
    search_answered_tickets,
    search_articles,
    seed_articles,
)
from supportline.portal.models import Article
from supportline.tickets.actions.lifecycle import ticket_evaluate, ticket_resolve
from supportline.tickets.models import Ticket
from tests.portal.conftest import Portal


def _closed(portal: Portal, subject: str, rating: int | None = 5) -> Ticket:
    ticket = portal.ticket(subject=subject)
    ticket_resolve(ticket=ticket, actor=portal.consultant.user, text="Ответ линии")
    if rating is not None:
        ticket_evaluate(ticket=ticket, actor=portal.client.user, accepted=True, rating=rating)
    return ticket


def test_seed_articles_is_idempotent(portal: Portal) -> None:
    first = seed_articles()
    again = seed_articles()
    assert len(first) == len(SEED_ARTICLES) >= 4
    assert [a.pk for a in first] == [a.pk for a in again]
    assert Article.objects.count() == len(SEED_ARTICLES)


def test_r5_search_matches_other_forms_of_the_words(portal: Portal) -> None:
    seed_articles()
    # «отчёты» / «воронку» in the question; «отчёт» / «Воронка» in the article.
    found = search_articles("Почему пустые отчёты по воронку?")
    assert found, connection.vendor
    assert found[0].title == "Не формируется отчёт «Воронка продаж»"
    # ё and е are the same letter to the search.
    assert search_articles("лицензии не обнаружено")[0].title.startswith("Ошибка «Не обнаружена")
    assert search_articles("учетную запись почты")[0].title.startswith("Настройка учётной записи")


def test_r5_title_matches_rank_first(portal: Portal) -> None:
    seed_articles()
    found = search_articles("обновить конфигурацию")
    assert found[0].title == "Как обновить конфигурацию 1С:CRM до актуального релиза"


def test_r5_search_ignores_stop_words_and_unpublished_articles(portal: Portal) -> None:
    seed_articles()
    assert search_articles("и в на по не") == []
    assert search_articles("") == []
    Article.objects.filter(title__startswith="Права доступа").update(published=False)
    assert all(not a.title.startswith("Права доступа") for a in search_articles("права доступа"))


def test_r5_answered_tickets_of_the_same_organisation_only(portal: Portal) -> None:
    answered = _closed(portal, "Отчёт по воронке продаж пустой")
    _closed(portal, "Воронка продаж без этапов", rating=None)  # in evaluation: not answered
    portal.ticket(subject="Отчёты по воронке не строятся")  # still open
    found = search_answered_tickets(portal.client.user, "не формируется отчет воронка")
    assert [t.number for t in found] == [answered.number]
    assert search_answered_tickets(portal.client_b.user, "отчет воронка") == []


def test_r5_typed_question_offers_matching_articles(portal: Portal) -> None:
    seed_articles()
    answered = _closed(portal, "Отчёт по воронке продаж пустой")
    response = portal.client.browser.get(
        "/portal/kb/suggest/",
        {"subject": "Не формируются отчёты", "body": "Воронка продаж пустая"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # a fragment for htmx
    assert "Статьи базы знаний" in html
    assert "Не формируется отчёт «Воронка продаж»" in html
    assert "Решённые обращения вашей организации" in html
    assert answered.number in html and "оценка 5 из 5" in html
    # The outsider gets the articles, never another organisation's tickets.
    other = portal.client_b.browser.get("/portal/kb/suggest/", {"subject": "отчёт воронка"})
    assert answered.number not in other.content.decode()


def test_r5_nothing_found_and_too_short_questions(portal: Portal) -> None:
    seed_articles()
    nothing = portal.client.browser.get("/portal/kb/suggest/", {"subject": "телепортация"})
    assert "Подходящих статей не нашлось" in nothing.content.decode()
    short = portal.client.browser.get("/portal/kb/suggest/", {"subject": "от"})
    assert short.content.decode().strip() == ""


def test_r5_knowledge_base_page_and_article(portal: Portal) -> None:
    articles = seed_articles()
    listing = portal.client.browser.get("/portal/kb/").content.decode()
    assert all(a.title in listing for a in articles)
    found = portal.client.browser.get("/portal/kb/", {"q": "лицензия"}).content.decode()
    assert "Найдено по запросу «лицензия»" in found
    assert "Не обнаружена лицензия" in found
    page = portal.client.browser.get(f"/portal/kb/{articles[0].pk}/")
    assert page.status_code == 200
    assert "Обновлено" in page.content.decode() and "МСК" in page.content.decode()
    Article.objects.filter(pk=articles[0].pk).update(published=False)
    assert portal.client.browser.get(f"/portal/kb/{articles[0].pk}/").status_code == 404


def test_article_is_registered_in_the_admin() -> None:
    from django.contrib import admin

    assert admin.site.is_registered(Article)
