"""A consultant's day on the desk in Debian's Chromium, end to end (issue 14, the walk-through):
queue → take next → answer with a template and a file → note with an @mention → find a closed
ticket → merge a duplicate → the organisation page. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from supportline.accounts.models import User
from supportline.core.demo import load_demo
from supportline.tickets.actions.lifecycle import ticket_answer, ticket_evaluate, ticket_resolve
from supportline.tickets.models import Message, Notification, Status, Ticket
from tests.browser.conftest import shot
from tests.browser.test_hdesk import ticket
from tests.browser.test_workday import PNG, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_a_consultants_day(browser: Browser, live_server: Any, tmp_path: Path) -> None:
    load_demo()
    base = live_server.url
    consultant_user = User.objects.get(username="consultant1")
    client_user = User.objects.get(username="client")
    old = ticket(subject="Счета не печатаются", body="Добрый день! Не печатаются счета.")
    ticket_answer(ticket=old, actor=consultant_user, text="Проверьте макет печатной формы")
    ticket_resolve(ticket=old, actor=consultant_user)
    ticket_evaluate(ticket=old, actor=client_user, accepted=True, rating=5)
    assert Ticket.objects.get(pk=old.pk).status == Status.CLOSED
    mail = ticket("email", subject="Воронка продаж: ошибка отчёта")
    phone = ticket("phone", subject="Звонок: воронка продаж")

    page = sign_in(browser, base, "consultant1", "consultant-demo")
    # 1. The queue, then take the next ticket.
    page.goto(f"{base}/desk/")
    shot(page, "day-1-queue")
    page.locator("#take-next button").click()
    page.wait_for_url("**/desk/tickets/CRM-*/")
    number = page.url.rstrip("/").rsplit("/", 1)[-1]
    shot(page, "day-2-taken")

    # 2. Answer with a template and a file.
    shotfile = tmp_path / "инструкция.png"
    shotfile.write_bytes(PNG)
    page.locator("#act-answer summary").click()
    page.locator("#answer-template").select_option(label="Обновиться до актуального релиза")
    expect(page.locator("#id_answer-text")).to_have_value(re.compile("Здравствуйте"))
    page.locator("#id_answer-uploads").set_input_files(str(shotfile))
    page.locator("#act-answer button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.get_by_role("link", name="инструкция.png").first).to_be_visible()
    shot(page, "day-3-answered")
    answered = Ticket.objects.get(number=number)
    assert Message.objects.filter(ticket=answered, attachments__name="инструкция.png").exists()

    # 3. A note for the methodologist.
    page.locator("#id_note-text").fill("Посмотрите настройки обмена @methodologist")
    page.get_by_role("button", name="Добавить заметку").click()
    page.wait_for_load_state()
    expect(page.locator(".internal-note")).to_contain_text("настройки обмена")
    methodologist = User.objects.get(username="methodologist")
    assert Notification.objects.filter(user=methodologist).exists()

    # 4. Find the closed ticket by a word of its message.
    box = page.get_by_role("searchbox", name="Поиск обращений")
    box.fill("печать счетов")
    box.press("Enter")
    page.wait_for_url("**/desk/search/?q=*")
    expect(
        page.locator("#search-results").get_by_role("link", name=old.number or "")
    ).to_be_visible()
    shot(page, "day-4-search")

    # 5. Merge the phone duplicate into the mail ticket.
    page.goto(f"{base}/desk/tickets/{phone.number}/")
    page.locator("#act-merge summary").click()
    page.get_by_label("Номер обращения, которое остаётся").fill(mail.number or "")
    page.get_by_role("button", name="Объединить и закрыть этот дубль").click()
    page.wait_for_url(f"**/desk/tickets/{mail.number}/")
    expect(page.locator("#merged-duplicates")).to_contain_text(phone.number or "")
    shot(page, "day-5-merged")

    # 6. The organisation page from the ticket.
    page.locator("#organisation-link").click()
    page.wait_for_url("**/desk/organisations/*/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ромашка")
    expect(page.get_by_role("link", name=old.number or "").first).to_be_visible()
    shot(page, "day-6-organisation")
