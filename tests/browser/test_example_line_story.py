"""R21 any line: the main browser story (tests/browser/test_story.py) run unchanged on the second
regulation shipped as an example (regulation/examples/sklad-online.toml: other levels, contract,
texts, 10:00-19:00 Yekaterinburg time) — and the client reads that file's words on the portal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

import supportline.regulation
from supportline.core import rules
from supportline.regulation import load_regulation
from supportline.tickets.models import Message, Ticket
from tests.browser import test_story
from tests.browser.conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

EXAMPLE = Path(supportline.regulation.__file__).parent / "examples" / "sklad-online.toml"


@pytest.fixture
def example(settings: Any) -> Iterator[Path]:
    settings.REGULATION_FILE = str(EXAMPLE)
    rules.regulation.cache_clear()
    rules.forget_calendar()
    yield EXAMPLE
    settings.REGULATION_FILE = ""
    rules.regulation.cache_clear()
    rules.forget_calendar()


def test_r21_client_and_consultant_story_on_the_example_line(
    example: Path, browser: Browser, live_server: Any
) -> None:
    test_story.test_client_and_consultant_story(browser, live_server)

    ticket = Ticket.objects.get()
    assert ticket.level == "normal"
    answers = load_regulation(EXAMPLE).answers
    receipt = ticket.messages.get(purpose=Message.Purpose.RECEIPT)
    assert receipt.body == answers.receipt.ru.format(number=ticket.number)
    acceptance = ticket.messages.get(purpose=Message.Purpose.ACCEPTANCE)
    assert acceptance.body.startswith(f"Добрый день! Запрос {ticket.number} взят в работу")
    assert acceptance.body.endswith(" ЕКБ.")  # the zone label of the example's zone

    client = test_story.sign_in(browser, live_server.url, "client", "client-demo")
    client.goto(f"{live_server.url}/portal/tickets/{ticket.number}/")
    expect(
        client.get_by_text("Мы работаем с 10:00 до 19:00 по Екатеринбургу").first
    ).to_be_visible()
    shot(client, "example-line-portal-ticket")
    line_page = client.context.new_page()
    line_page.goto(f"{live_server.url}/")
    expect(line_page.get_by_text("Линия поддержки «Склад-Онлайн»").first).to_be_visible()
    expect(line_page.get_by_text("10:00").first).to_be_visible()
    shot(line_page, "example-line-page")
