"""Issue 14 §6–§10 in Debian's Chromium: merging a duplicate, notifications and the presence
warning, bulk actions, the desk at phone width (390 px), the keyboard shortcuts with their help
overlay, and the focus order."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from supportline.accounts.models import User
from supportline.core.demo import load_demo
from supportline.tickets.actions.lifecycle import ticket_accept, ticket_ask, ticket_client_reply
from supportline.tickets.actions.registration import ticket_register
from supportline.tickets.intake import IntakeData
from supportline.tickets.models import Status, Ticket
from tests.browser.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

VALID = {
    "registration_number": "800123456",
    "organisation": "ООО «Ромашка»",
    "configuration": "1С:CRM ПРОФ, редакция 3.0",
    "version": "3.0.36.12",
    "subject": "Не формируется отчёт по воронке продаж",
    "body": "При формировании отчёта «Воронка продаж» программа выдаёт ошибку.",
}


def sign_in(browser: Browser, base: str, username: str, password: str, width: int = 1280) -> Page:
    context = browser.new_context(locale="ru-RU", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()
    return page


def ticket(channel: str = "portal", **fields: str) -> Ticket:
    actor = User.objects.get(username="consultant1" if channel != "portal" else "client")
    return ticket_register(actor=actor, channel=channel, data=IntakeData(**{**VALID, **fields}))


def test_merge_a_phone_duplicate_into_the_mail_ticket(browser: Browser, live_server: Any) -> None:
    load_demo()
    kept = ticket("email", subject="Воронка продаж: ошибка отчёта")
    duplicate = ticket("phone", subject="Звонок: воронка продаж")
    base = live_server.url
    page = sign_in(browser, base, "consultant1", "consultant-demo")
    page.goto(f"{base}/desk/tickets/{duplicate.number}/")
    page.locator("#act-merge summary").click()
    page.get_by_label("Номер обращения, которое остаётся").fill(kept.number)
    page.get_by_role("button", name="Объединить и закрыть этот дубль").click()
    page.wait_for_url(f"**/desk/tickets/{kept.number}/")
    expect(page.locator("#merged-duplicates")).to_contain_text(duplicate.number)
    expect(page.get_by_text(f"объединено с {kept.number}", exact=False).first).to_be_visible()
    shot(page, "desk-merged")
    page.goto(f"{base}/desk/tickets/{duplicate.number}/")
    expect(page.locator("#merged-into")).to_contain_text(kept.number)
    assert Ticket.objects.get(pk=duplicate.pk).status == Status.CLOSED


def test_an_action_form_loads_when_opened_and_works_without_javascript(
    browser: Browser, live_server: Any
) -> None:
    """Issue 15: the ticket page writes the everyday forms; the others load on opening."""
    load_demo()
    filed = ticket()
    base = live_server.url
    page = sign_in(browser, base, "consultant1", "consultant-demo")
    page.goto(f"{base}/desk/tickets/{filed.number}/")
    level = page.locator("#act-level")
    expect(level.locator("form")).to_have_count(0)  # not in the first HTML
    level.locator("summary").click()
    form = level.locator(f'form[action="/desk/tickets/{filed.number}/do/level/"]')
    expect(form).to_be_visible()
    assert page.url.endswith(f"/desk/tickets/{filed.number}/")  # loaded in place (htmx)
    form.get_by_label("Новый уровень").select_option(label="Оперативная поддержка")
    form.locator('[name="level-reason"]').fill("Остановлена работа отдела")
    form.get_by_role("button", name="Изменить уровень поддержки").click()
    page.wait_for_url(f"**/desk/tickets/{filed.number}/")
    expect(page.get_by_text("Уровень поддержки изменён").first).to_be_visible()
    assert Ticket.objects.get(pk=filed.pk).level == "operational"

    # Without JavaScript the opened <details> holds a link to the form's own page.
    context = browser.new_context(locale="ru-RU", java_script_enabled=False)
    context.add_cookies(page.context.cookies())
    plain = context.new_page()
    plain.goto(f"{base}/desk/tickets/{filed.number}/")
    plain.locator("#act-assign summary").click()
    plain.locator("#act-assign").get_by_role("link", name="Открыть форму").click()
    plain.wait_for_url(f"**/desk/tickets/{filed.number}/act/assign/")
    expect(plain.get_by_role("heading", name="Назначить исполнителя")).to_be_visible()
    second = User.objects.get(username="consultant2")
    plain.get_by_label("Исполнитель").select_option(value=str(second.pk))
    plain.get_by_role("button", name="Назначить исполнителя").click()
    plain.wait_for_url(f"**/desk/tickets/{filed.number}/")
    assert Ticket.objects.get(pk=filed.pk).assignee == second
    context.close()


def test_notifications_unread_marker_and_the_presence_warning(
    browser: Browser, live_server: Any
) -> None:
    load_demo()
    t = ticket()
    c1 = User.objects.get(username="consultant1")
    ticket_accept(ticket=t, actor=c1)
    ticket_ask(ticket=t, actor=c1, text="Какая версия платформы?")
    ticket_client_reply(ticket=t, actor=User.objects.get(username="client"), text="8.3.25")
    base = live_server.url
    first = sign_in(browser, base, "consultant1", "consultant-demo")
    first.goto(f"{base}/desk/")
    expect(first.locator(".nbadge")).to_have_text("1", timeout=10_000)
    row = first.locator("tr", has=first.locator(f"#q-{t.number}"))
    expect(row.locator(".badge.unread")).to_be_visible()
    first.goto(f"{base}/desk/tickets/{t.number}/")
    # A colleague opens the same ticket and starts answering: the first one is warned.
    second = sign_in(browser, base, "consultant2", "consultant-demo")
    second.goto(f"{base}/desk/tickets/{t.number}/")
    expect(second.locator("#presence")).to_contain_text("открыто также у", timeout=10_000)
    second.locator("#act-answer summary").click()
    expect(first.locator("#presence .answering")).to_contain_text(
        "сейчас отвечает на это обращение", timeout=25_000
    )
    shot(first, "desk-presence-warning")
    # Seen: the marker is gone from the queue.
    first.goto(f"{base}/desk/")
    expect(first.locator(f"#q-{t.number}")).to_be_visible()
    expect(first.locator(".badge.unread")).to_have_count(0)


def test_bulk_level_change_reports_per_ticket(browser: Browser, live_server: Any) -> None:
    load_demo()
    a, b = ticket(), ticket()
    base = live_server.url
    page = sign_in(browser, base, "consultant1", "consultant-demo")
    page.goto(f"{base}/desk/")
    page.get_by_label(f"Отметить {a.number}").check()
    page.get_by_label(f"Отметить {b.number}").check()
    page.locator("#bulk summary").click()
    expect(page.locator("#bulk-count")).to_have_text("(2)")
    page.locator("#bulk-form").get_by_label("Действие").select_option("level")
    page.locator("#bulk-form").get_by_label("Новый уровень").select_option("operational")
    page.locator("#bulk-form").get_by_label("Причина (одна для всех)").fill("Критическая ошибка")
    page.get_by_role("button", name="Выполнить").click()
    expect(page.locator("#bulk-summary")).to_contain_text("выполнено — 2, не выполнено — 0")
    assert {t.level for t in Ticket.objects.filter(pk__in=[a.pk, b.pk])} == {"operational"}


WIDE = """
[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > 391 && getComputedStyle(e).position !== 'fixed')
  .slice(0, 5)
  .map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))
"""


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 391, (page.url, width, page.evaluate(WIDE))


def test_the_desk_at_phone_width(browser: Browser, live_server: Any) -> None:
    from django.utils import timezone

    from supportline.core.demo_tickets import load_demo_tickets

    load_demo()
    load_demo_tickets(now=timezone.now())
    base = live_server.url
    page = sign_in(browser, base, "consultant1", "consultant-demo", width=390)
    for path in ["/desk/", "/desk/escalations/", "/desk/registries/", "/notifications/"]:
        page.goto(f"{base}{path}")
        _no_sideways_scroll(page)
    number = Ticket.objects.filter(resolution_state="breached").values_list("number", flat=True)[0]
    page.goto(f"{base}/desk/tickets/{number}/")
    _no_sideways_scroll(page)
    expect(page.get_by_text("просрочено на", exact=False).first).to_be_visible()
    # The actions are reachable and usable at this width.
    page.locator("#act-answer summary").click()
    expect(page.locator("#id_answer-text")).to_be_visible()
    box = page.locator("#id_answer-text").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 391
    shot(page, "desk-ticket-390")


def test_keyboard_shortcuts_help_overlay_and_focus_order(
    browser: Browser, live_server: Any
) -> None:
    load_demo()
    t = ticket()
    ticket_accept(ticket=t, actor=User.objects.get(username="consultant1"))
    other = ticket(subject="Следующее в очереди")
    base = live_server.url
    page = sign_in(browser, base, "consultant1", "consultant-demo")
    page.goto(f"{base}/desk/tickets/{t.number}/")
    # Focus order: the skip link first, then the header's links in reading order.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "brand"
    # "?" opens the help overlay, its close button takes the focus; Esc gives it back.
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("?")
    dialog = page.locator("#kbd-help")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("взять следующее обращение из очереди")
    assert page.evaluate("document.activeElement.dataset.close") == ""
    shot(page, "desk-keyboard-help")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    # "r" opens the answer form with the focus in its text; Tab goes on to its button.
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "id_answer-text"
    page.keyboard.type("Ответ")  # typing in the field triggers no shortcut
    assert page.locator("#act-answer").get_attribute("open") is not None
    # Tab goes on to the files of the answer, then to its button.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "file"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Ответить клиенту"
    # "e" opens the resolution form.
    page.locator("#ticket-title").click()
    page.keyboard.press("e")
    assert page.evaluate("document.activeElement.id") == "id_resolve-text"
    # "n" takes the next ticket, from any desk page.
    page.locator("#ticket-title").click()
    page.keyboard.press("n")
    page.wait_for_url(f"**/desk/tickets/{other.number}/")
    assert Ticket.objects.get(pk=other.pk).assignee is not None
    # "/" goes to the search (the queue's filters until the desk has a search box).
    page.goto(f"{base}/desk/")
    page.locator("h1").click()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.tagName") in {"INPUT", "SELECT"}


def test_the_supervisors_report_reads_on_a_desk_a_phone_and_paper(
    browser: Browser, live_server: Any
) -> None:
    """Issue 16 §2: the report's charts above their tables, which open on demand and for print;
    wide tables scroll inside their box, never the page (desk and phone widths)."""
    from django.utils import timezone

    from supportline.core.demo_tickets import load_demo_tickets

    load_demo()
    load_demo_tickets(now=timezone.now())
    base = live_server.url
    for width in (1280, 390):
        page = sign_in(browser, base, "supervisor", "supervisor-demo", width=width)
        page.goto(f"{base}/desk/reports/")
        expect(page.locator("h1")).to_contain_text("Отчёт линии")
        width_now = page.evaluate("document.documentElement.scrollWidth")
        assert width_now <= width + 1, (width, width_now, page.evaluate(WIDE))
        chart = page.locator("#t-per_day")
        expect(chart.locator("svg[role=img]")).to_be_visible()
        expect(chart.locator("table")).to_be_hidden()
        chart.get_by_text("Таблица к диаграмме").click()
        expect(chart.locator("table")).to_be_visible()
    # Printing opens every chart's table (desk.js on beforeprint).
    closed = page.locator("details.chart-data:not([open])")
    assert closed.count() > 0
    page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert closed.count() == 0
    shot(page, "desk-report-390")
