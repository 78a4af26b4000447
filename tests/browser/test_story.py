"""The whole story in a real browser (issue 6 §4): a client files a ticket with a missing field
and corrects it, a consultant takes it and asks a question, the client answers, the consultant
resolves, the client rates it — and a client of another organisation cannot open it by URL.

R1 (field errors), R7 (acceptance), R12 (pause and resume), R13 (evaluation), R14 (take next).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from supportline.core.demo import load_demo
from supportline.tickets.models import Status, Ticket
from tests.browser.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def sign_in(browser: Browser, base: str, username: str, password: str) -> Page:
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()
    return page


def desk_action(page: Page, action: str, **fields: str) -> None:
    details = page.locator(f"#act-{action}")
    if details.get_attribute("open") is None:
        details.locator("summary").click()  # a form not written up front loads now (htmx)
    form = details.locator(f'form[action$="/do/{action}/"]')
    for name, value in fields.items():
        form.locator(f'[name="{action}-{name}"]').fill(value)
    form.locator('button[type="submit"]').click()
    page.wait_for_load_state()


def test_client_and_consultant_story(browser: Browser, live_server: Any) -> None:
    load_demo()
    base = live_server.url

    # The client files a ticket, forgetting the version; the form answers in Russian.
    client = sign_in(browser, base, "client", "client-demo")
    client.goto(f"{base}/portal/new/")
    shot(client, "portal-new-ticket")
    client.locator("#id_subject").fill("Не формируется отчёт по воронке продаж")
    client.locator("#id_body").fill("При формировании отчёта")
    # R5: typing the question offers matching knowledge-base articles (htmx, live).
    client.locator("#id_body").press_sequentially(" «Воронка продаж» появляется ошибка.", delay=20)
    suggestions = client.locator("#kb-suggestions")
    expect(suggestions.get_by_text("Не формируется отчёт «Воронка продаж»")).to_be_visible(
        timeout=10_000
    )
    shot(client, "portal-new-ticket-suggestions")
    client.locator("#id_registration_number").fill("800123456")
    client.locator("#id_organisation").fill("ООО «Ромашка»")
    client.locator("#id_configuration").select_option(label="1С:CRM ПРОФ, редакция 3.0")
    client.locator("#id_version").fill("")
    client.get_by_role("button", name="Отправить обращение").click()
    expect(
        client.get_by_text("Укажите версию (релиз) программы", exact=False).first
    ).to_be_visible()
    shot(client, "portal-new-ticket-errors")
    assert Ticket.objects.count() == 0
    client.locator("#id_version").fill("3.0.36.12")
    client.get_by_role("button", name="Отправить обращение").click()
    client.wait_for_url("**/portal/tickets/*-*/")
    number = client.url.rstrip("/").rsplit("/", 1)[-1]
    expect(client.get_by_text(number).first).to_be_visible()
    shot(client, "portal-ticket-registered")

    # A consultant takes the next ticket from the queue and asks a question (R14, R12).
    consultant = sign_in(browser, base, "consultant1", "consultant-demo")
    consultant.goto(f"{base}/desk/")
    expect(consultant.get_by_text(number).first).to_be_visible()
    shot(consultant, "desk-queue")
    consultant.get_by_role("button", name="Взять следующее").click()
    consultant.wait_for_load_state()
    consultant.goto(f"{base}/desk/tickets/{number}/")
    desk_action(consultant, "accept")
    desk_action(consultant, "ask", text="Пришлите, пожалуйста, снимок экрана с ошибкой.")
    shot(consultant, "desk-ticket-waiting")
    assert Ticket.objects.get(number=number).status == Status.WAITING_CLIENT

    # The client answers; the clock resumes.
    client.goto(f"{base}/portal/tickets/{number}/")
    expect(client.get_by_text("Пришлите, пожалуйста, снимок экрана").first).to_be_visible()
    client.get_by_label("Ваш ответ").fill("Ошибка: «Поле объекта не обнаружено (Воронка)».")
    client.get_by_role("button", name="Отправить", exact=True).click()
    client.wait_for_load_state()
    assert Ticket.objects.get(number=number).status == Status.IN_PROGRESS

    # The consultant resolves: the ticket goes to client evaluation.
    consultant.goto(f"{base}/desk/tickets/{number}/")
    desk_action(consultant, "resolve", text="Обновите отчёт: Настройки → Сбросить вариант отчёта.")
    assert Ticket.objects.get(number=number).status == Status.CLIENT_EVALUATION
    shot(consultant, "desk-ticket-resolved")

    # The client rates the answer 5 and the ticket is closed (R13).
    client.goto(f"{base}/portal/tickets/{number}/")
    client.get_by_label("5 — отлично").check()
    client.get_by_role("button", name="Принять ответ и закрыть обращение").click()
    client.wait_for_load_state()
    ticket = Ticket.objects.get(number=number)
    assert ticket.status == Status.CLOSED and ticket.rating == 5
    shot(client, "portal-ticket-closed")

    # A client of another organisation cannot open it by URL.
    outsider = sign_in(browser, base, "client2", "client-demo")
    response = outsider.goto(f"{base}/portal/tickets/{number}/")
    assert response is not None and response.status == 404
    assert "Воронка" not in outsider.content()


def test_line_page_and_sla_board_render(browser: Browser, live_server: Any) -> None:
    from django.utils import timezone

    from supportline.core.demo_tickets import load_demo_tickets

    load_demo()
    load_demo_tickets(now=timezone.now())
    base = live_server.url
    page = browser.new_context(locale="ru-RU").new_page()
    page.goto(f"{base}/")
    expect(page.get_by_text("09:00").first).to_be_visible()
    # Keyboard first: Tab lands on the skip link to the content, Enter moves there.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    shot(page, "line-page")
    supervisor = sign_in(browser, base, "supervisor", "supervisor-demo")
    supervisor.goto(f"{base}/desk/board/")
    expect(supervisor.get_by_text("нарушен", exact=False).first).to_be_visible()
    shot(supervisor, "desk-sla-board")
    phone = browser.new_context(
        locale="ru-RU", viewport={"width": 390, "height": 844}, is_mobile=True
    ).new_page()
    phone.goto(f"{base}/accounts/login/")
    phone.get_by_label("Имя пользователя").fill("client")
    phone.get_by_label("Пароль").fill("client-demo")
    phone.get_by_role("button", name="Войти").click()
    phone.wait_for_url("**/portal/")
    shot(phone, "portal-my-tickets-phone")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the portal fits a phone screen without horizontal scrolling"


def test_r14_queue_filters_refresh_the_table_without_a_reload(
    browser: Browser, live_server: Any
) -> None:
    """The desk's filter form swaps the queue table in place (htmx), keyboard-usable."""
    from supportline.accounts.models import User
    from supportline.tickets.actions.escalation import ticket_change_level
    from supportline.tickets.actions.registration import ticket_register
    from supportline.tickets.intake import IntakeData

    load_demo()
    client = User.objects.get(username="client")
    data = {
        "registration_number": "800123456",
        "organisation": "ООО «Ромашка»",
        "configuration": "1С:CRM ПРОФ, редакция 3.0",
        "version": "3.0.36.12",
    }
    plain = ticket_register(
        actor=client,
        channel="portal",
        data=IntakeData(subject="Обычный вопрос", body="Текст", **data),
    )
    urgent = ticket_register(
        actor=client,
        channel="portal",
        data=IntakeData(subject="Срочная ошибка", body="Текст", **data),
    )
    ticket_change_level(
        ticket=urgent,
        actor=User.objects.get(username="consultant1"),
        level="operational",
        reason="Критично",
    )
    page = sign_in(browser, live_server.url, "consultant1", "consultant-demo")
    page.goto(f"{live_server.url}/desk/")
    rows = page.locator("#queue-rows")
    expect(rows.get_by_text(plain.number or "")).to_be_visible()
    page.evaluate("window.__marker = 'same page'")
    page.locator('#queue-filters select[name="level"]').select_option("operational")
    expect(rows.get_by_text(plain.number or "")).to_have_count(0)
    expect(rows.get_by_text(urgent.number or "")).to_be_visible()
    assert page.evaluate("window.__marker") == "same page"  # swapped in place, not reloaded
    shot(page, "desk-queue-filtered")
