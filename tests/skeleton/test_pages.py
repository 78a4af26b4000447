"""The demo answers: the line's public page (R19), the admin, the OpenAPI document, health."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_r19_line_page_shows_hours_channels_and_offers_in_russian(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ru">' in html
    assert "09:00" in html and "18:00" in html
    assert "по времени линии (МСК, Europe/Moscow)" in html  # R21: the zone of the file
    for channel in ("Электронная почта", "Телефон", "1С-Коннект", "Веб-портал"):
        assert channel in html
    assert "Обучающие курсы" in html
    assert "Оперативная поддержка" in html


def test_line_page_in_english_when_asked(client: Client) -> None:
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert '<html lang="en">' in response.content.decode()


def test_admin_login_page_answers(client: Client) -> None:
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "csrfmiddlewaretoken" in response.content.decode()


def test_openapi_document_is_served(client: Client) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/health" in doc["paths"]


def test_health_reports_database(client: Client) -> None:
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] in {"sqlite", "postgresql"}


def test_stylesheet_is_found_by_staticfiles() -> None:
    from django.contrib.staticfiles import finders

    assert finders.find("supportline/site.css")


def test_r19_r21_line_page_reads_the_regulation_file(
    client: Client, settings: object, tmp_path: object
) -> None:
    """Another vendor's regulation changes what the page says, without code (R21)."""
    from pathlib import Path

    import supportline.regulation
    from supportline.core import rules

    text = (
        (Path(supportline.regulation.__file__).parent / "1c-crm.toml")
        .read_text(encoding="utf-8")
        .replace("Линия консультации по продуктам линейки 1С:CRM", "Линия поддержки «Пример»")
    )
    other = Path(str(tmp_path)) / "other.toml"
    other.write_text(text, encoding="utf-8")
    settings.REGULATION_FILE = str(other)  # type: ignore[attr-defined]
    rules.regulation.cache_clear()
    try:
        assert "Линия поддержки «Пример»" in client.get("/").content.decode()
    finally:
        rules.regulation.cache_clear()


def test_r19_line_page_shows_the_moscow_time_and_whether_the_line_works(client: Client) -> None:
    import datetime as dt

    import time_machine

    # Wednesday 25.11.2026 07:30 UTC = 10:30 Moscow time, a working day.
    with time_machine.travel(dt.datetime(2026, 11, 25, 7, 30, tzinfo=dt.UTC), tick=False):
        html = client.get("/").content.decode()
    assert "25.11.2026 10:30 МСК" in html
    assert "линия работает" in html
    # Sunday evening: off.
    with time_machine.travel(dt.datetime(2026, 11, 29, 16, 0, tzinfo=dt.UTC), tick=False):
        assert "нерабочее время" in client.get("/").content.decode()
