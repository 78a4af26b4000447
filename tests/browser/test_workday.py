"""The consultant's working day in Debian's Chromium (issue 14 §1, §2, §4, §5): a client's file
is opened on the desk (an image previewed inline, downloaded by its link); a closed ticket is
found by a word of its message in another form (Russian morphology); an internal note stays
with the line; a reply template is inserted into the answer box (htmx)."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from supportline.accounts.models import User
from supportline.core.demo import load_demo
from supportline.tickets.actions.lifecycle import ticket_answer, ticket_evaluate, ticket_resolve
from supportline.tickets.actions.registration import ticket_register
from supportline.tickets.intake import IntakeData
from supportline.tickets.models import Channel, Status, Ticket
from tests.browser.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# A real 1×1 PNG: the preview must decode it.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
VALID = {
    "registration_number": "800123456",
    "organisation": "ООО «Ромашка»",
    "configuration": "1С:CRM ПРОФ, редакция 3.0",
    "version": "3.0.36.12",
}


def sign_in(browser: Browser, base: str, username: str, password: str) -> Page:
    context = browser.new_context(
        locale="ru-RU", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill(password)
    page.get_by_role("button", name="Войти").click()
    page.wait_for_load_state()
    return page


def test_a_clients_file_opens_on_the_desk(
    browser: Browser, live_server: Any, tmp_path: Path
) -> None:
    load_demo()
    base = live_server.url
    screenshot = tmp_path / "ошибка-печати.png"
    screenshot.write_bytes(PNG)

    client = sign_in(browser, base, "client", "client-demo")
    client.goto(f"{base}/portal/new/")
    client.locator("#id_subject").fill("Не печатается счёт")
    client.locator("#id_body").fill("При печати счёта программа выдаёт ошибку, снимок приложен.")
    client.locator("#id_registration_number").fill(VALID["registration_number"])
    client.locator("#id_organisation").fill(VALID["organisation"])
    client.locator("#id_configuration").select_option(label=VALID["configuration"])
    client.locator("#id_version").fill(VALID["version"])
    client.locator("#id_uploads").set_input_files(str(screenshot))
    client.get_by_role("button", name="Отправить обращение").click()
    client.wait_for_url("**/portal/tickets/CRM-*/")
    number = client.url.rstrip("/").rsplit("/", 1)[-1]
    expect(client.get_by_role("link", name="ошибка-печати.png")).to_be_visible()

    consultant = sign_in(browser, base, "consultant1", "consultant-demo")
    consultant.goto(f"{base}/desk/tickets/{number}/")
    preview = consultant.locator("img.preview")
    expect(preview).to_be_visible()
    consultant.wait_for_function(
        "() => { const i = document.querySelector('img.preview'); "
        "return i && i.complete && i.naturalWidth === 1; }"
    )
    shot(consultant, "desk-ticket-attachment-preview")
    with consultant.expect_download() as download:
        consultant.get_by_role("link", name="ошибка-печати.png").click()
    saved = tmp_path / "got.png"
    download.value.save_as(str(saved))
    assert saved.read_bytes() == PNG
    assert download.value.suggested_filename == "ошибка-печати.png"


def test_a_closed_ticket_is_found_by_a_word_of_its_message(
    browser: Browser, live_server: Any
) -> None:
    load_demo()
    base = live_server.url
    client_user = User.objects.get(username="client")
    consultant_user = User.objects.get(username="consultant1")
    ticket = ticket_register(
        actor=client_user,
        channel=Channel.PORTAL,
        data=IntakeData(
            **VALID, subject="Вопрос по документам", body="Добрый день! Не печатаются счета."
        ),
    )
    ticket_answer(ticket=ticket, actor=consultant_user, text="Проверьте макет печатной формы")
    ticket_resolve(ticket=ticket, actor=consultant_user)
    ticket_evaluate(ticket=ticket, actor=client_user, accepted=True, rating=5)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.CLOSED

    consultant = sign_in(browser, base, "consultant1", "consultant-demo")
    consultant.goto(f"{base}/desk/")
    box = consultant.get_by_role("searchbox", name="Поиск обращений")
    box.fill("печать счёт")
    box.press("Enter")
    consultant.wait_for_url("**/desk/search/?q=*")
    results = consultant.locator("#search-results")
    expect(results.get_by_role("link", name=ticket.number or "")).to_be_visible()
    expect(results.get_by_text("Закрыто")).to_be_visible()
    shot(consultant, "desk-search-closed-ticket")
    # The closed status is reachable by the filter too.
    consultant.locator("#id_status").select_option(label="Закрыто")
    consultant.get_by_role("button", name="Найти").last.click()
    expect(
        consultant.locator("#search-results").get_by_role("link", name=ticket.number or "")
    ).to_be_visible()


def test_an_internal_note_stays_with_the_line_and_a_template_fills_the_answer(
    browser: Browser, live_server: Any
) -> None:
    load_demo()
    base = live_server.url
    ticket = ticket_register(
        actor=User.objects.get(username="client"),
        channel=Channel.PORTAL,
        data=IntakeData(**VALID, subject="Не формируется отчёт", body="Отчёт пустой."),
    )
    consultant = sign_in(browser, base, "consultant1", "consultant-demo")
    consultant.goto(f"{base}/desk/tickets/{ticket.number}/")
    consultant.locator("#id_note-text").fill("Для методолога: клиент путает базы @methodologist")
    consultant.get_by_role("button", name="Добавить заметку").click()
    consultant.wait_for_load_state()
    expect(consultant.locator(".internal-note")).to_contain_text("клиент путает базы")

    # The answer box takes a regulation template (htmx), filled in for the ticket.
    answer = consultant.locator("#act-answer")
    answer.locator("summary").click()
    consultant.locator("#id_answer-text").fill("Добрый день.")
    consultant.locator("#answer-template").select_option(label="Обновиться до актуального релиза")
    expect(consultant.locator("#id_answer-text")).to_have_value(
        re.compile(r"Добрый день\.\n\nЗдравствуйте! .*3\.0\.36\.12", re.S)
    )
    shot(consultant, "desk-note-and-template")

    client = sign_in(browser, base, "client", "client-demo")
    client.goto(f"{base}/portal/tickets/{ticket.number}/")
    expect(client.get_by_text("Отчёт пустой.")).to_be_visible()
    assert "путает базы" not in client.content()
    assert "Внутренние заметки" not in client.content()
