"""Error pages with DEBUG off (as the suite runs): Russian (English on request) in the site's
layout, `{"detail": …}` under /api/, never a traceback."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.db.utils import OperationalError
from django.test import Client

from supportline.accounts.models import Role, User
from supportline.core import errors

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.production.error_urls")]

SECRET = "hunter2"


def _in_layout(html: str) -> None:
    assert '<header class="top">' in html
    assert "supportline/site.css" in html
    assert '<a href="/">' in html  # the way back
    assert "Traceback" not in html and SECRET not in html and "RuntimeError" not in html


@pytest.fixture
def browser() -> Client:
    return Client(raise_request_exception=False)


def test_debug_is_off_in_these_tests() -> None:
    assert settings.DEBUG is False


@pytest.mark.parametrize(
    "path,status,russian,english",
    [
        ("/no-such-page/", 404, "Страница не найдена", "Page not found"),
        ("/forbidden/", 403, "Доступ запрещён", "Access denied"),
        ("/suspicious/", 400, "Некорректный запрос", "Bad request"),
        ("/boom/", 500, "Ошибка на сервере", "Server error"),
    ],
)
def test_error_pages_in_the_layout_russian_then_english(
    browser: Client, path: str, status: int, russian: str, english: str
) -> None:
    page = browser.get(path)
    assert page.status_code == status
    html = page.content.decode()
    _in_layout(html)
    assert f'<h1 id="error-title">{russian}</h1>' in html
    assert f"<title>{russian} — SupportLine</title>" in html
    assert f"Ошибка {status}" in html
    page = browser.get(path, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    _in_layout(html)
    assert f'<h1 id="error-title">{english}</h1>' in html
    assert f"Error {status}" in html
    assert not any(word in html for word in ("Ошибка", "Страница", "Доступ", "Некорректный"))


def test_a_signed_in_users_404_keeps_the_header(browser: Client) -> None:
    user = User.objects.create_user("olga", password="pw-123456!", role=Role.CONSULTANT)
    browser.force_login(user)
    html = browser.get("/desk/no-such-page/").content.decode()
    assert "Страница не найдена" in html
    assert "olga" in html and "Выйти" in html


def test_a_client_on_the_desk_gets_the_403_page(browser: Client) -> None:
    user = User.objects.create_user("svetlana", password="pw-123456!", role=Role.CLIENT)
    browser.force_login(user)
    page = browser.get("/desk/")
    assert page.status_code == 403
    assert "Доступ запрещён" in page.content.decode()


def test_a_foreign_host_gets_the_400_page(browser: Client) -> None:
    page = browser.get("/", HTTP_HOST="evil.example")
    assert page.status_code == 400
    _in_layout(page.content.decode())
    assert "Некорректный запрос" in page.content.decode()


def test_the_500_page_renders_when_the_session_and_database_fail(
    browser: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every request whose user is looked at fails (as when the database is down): the 500
    page, rendered without the request's context, still comes out in the layout."""

    def down(request: object) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr("django.contrib.auth.get_user", down)
    browser.cookies["sessionid"] = "x" * 32
    for path in ("/boom/", "/no-such-page/", "/portal/"):
        page = browser.get(path)
        assert page.status_code == 500, path
        html = page.content.decode()
        _in_layout(html)
        assert "Ошибка на сервере" in html
        assert "connection refused" not in html


def test_the_500_page_falls_back_to_plain_words(
    browser: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> str:
        raise ValueError("Missing staticfiles manifest entry")

    monkeypatch.setattr(errors, "render_to_string", broken)
    page = browser.get("/boom/")
    assert page.status_code == 500
    html = page.content.decode()
    assert "Ошибка на сервере" in html
    assert "manifest" not in html and "Traceback" not in html


@pytest.mark.parametrize(
    "path,status,russian,english",
    [
        ("/api/v1/no-such-endpoint", 404, "Не найдено", "Not found"),
        ("/api/no-such-thing/", 404, "Не найдено", "Not found"),
        ("/api/forbidden/", 403, "Доступ запрещён", "Access denied"),
        ("/api/suspicious/", 400, "Некорректный запрос", "Bad request"),
        (
            "/api/boom/",
            500,
            "Внутренняя ошибка сервера, она записана в журнал",
            "Internal server error; it has been logged",
        ),
    ],
)
def test_api_errors_are_json(
    browser: Client, path: str, status: int, russian: str, english: str
) -> None:
    answer = browser.get(path)
    assert answer.status_code == status
    assert answer["Content-Type"] == "application/json"
    assert json.loads(answer.content) == {"detail": russian}
    answer = browser.get(path, HTTP_ACCEPT_LANGUAGE="en")
    assert json.loads(answer.content) == {"detail": english}


def test_a_method_an_api_path_does_not_have_is_a_json_405(browser: Client) -> None:
    """django-ninja writes its 405 as plain text; under /api/ it is JSON like every error."""
    answer = browser.put("/api/v1/tickets")
    assert answer.status_code == 405
    assert answer["Content-Type"] == "application/json"
    assert set(answer["Allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    detail = json.loads(answer.content)["detail"]
    assert detail.startswith("Метод PUT здесь не поддерживается; допустимы: ")
    english = browser.delete("/api/v1/health", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 405
    assert json.loads(english.content)["detail"] == (
        "Method DELETE is not supported here; allowed: GET"
    )
    # Outside /api/ Django's own 405 stays as it is.
    assert browser.put("/accounts/logout/").status_code == 405


def test_an_exception_inside_a_ninja_endpoint_is_a_json_500(
    browser: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """django-ninja passes unexpected exceptions on to Django when DEBUG is off."""

    class Broken:
        def cursor(self) -> None:
            raise RuntimeError(f"password={SECRET}")

    monkeypatch.setattr("supportline.api.urls.connection", Broken())
    answer = browser.get("/api/v1/health")
    assert answer.status_code == 500
    assert answer["Content-Type"] == "application/json"
    assert json.loads(answer.content) == {
        "detail": "Внутренняя ошибка сервера, она записана в журнал"
    }


def test_csrf_failure_page_in_the_layout() -> None:
    browser = Client(enforce_csrf_checks=True)
    page = browser.post("/accounts/login/", {"username": "x", "password": "y"})
    assert page.status_code == 403
    html = page.content.decode()
    _in_layout(html)
    assert "Форма устарела" in html
    assert "CSRF" not in html.split("<main", 1)[1]  # Django's reason is for the log only
    page = browser.post("/accounts/login/", {}, HTTP_ACCEPT_LANGUAGE="en")
    assert "The form has expired" in page.content.decode()


def test_favicon() -> None:
    browser = Client()
    answer = browser.get("/favicon.ico")
    assert answer.status_code == 302
    assert answer["Location"] == "/static/supportline/favicon.svg"
    html = browser.get("/").content.decode()
    assert '<link rel="icon" href="/static/supportline/favicon.svg" type="image/svg+xml">' in html
