"""Browser-side safety headers (issue 12 §8): a Content-Security-Policy that the pages keep to
(no inline script, no on…= handlers, no style= attributes), no-store on private answers, and
secure cookies behind HTTPS."""

from __future__ import annotations

import os
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.test import Client

from supportline.accounts.models import User
from supportline.api.models import ApiToken
from supportline.core.demo import load_demo
from supportline.core.security_headers import DOCS_CDN_POLICY, POLICY
from supportline.mail.models import InboundMail
from supportline.tickets.actions.registration import ticket_register
from supportline.tickets.intake import IntakeData
from supportline.tickets.models import Channel, Ticket

pytestmark = pytest.mark.django_db

# JSON data blocks are not run: CSP does not apply to them.
DATA_SCRIPTS = {"application/json", "application/ld+json"}


class InlineFinder(HTMLParser):
    """What a strict CSP would block in a page: inline script bodies, on…= handlers, style=
    attributes and <style> elements, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._script: str | None = None
        self._body = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name == "style":
                self.found.append(f"<{tag} style={value!r}>")
            if name in {"href", "src", "action", "formaction"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "style":
            self.found.append("<style> element")
        if tag == "script":
            kind = (dict(attrs).get("type") or "").strip().lower()
            self._script = kind
            self._body = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            if self._body.strip() and self._script not in DATA_SCRIPTS:
                self.found.append(f"inline <script>: {self._body.strip()[:60]!r}")
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._body += data


def blocked_by_csp(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    finder.close()
    return finder.found


@pytest.fixture
def line(db: None) -> dict[str, object]:
    load_demo()
    client = User.objects.get(username="client")
    ticket = ticket_register(
        actor=client,
        channel=Channel.PORTAL,
        data=IntakeData(
            registration_number="800123456",
            organisation="ООО «Ромашка»",
            configuration="1С:CRM ПРОФ, редакция 3.0",
            version="3.0.36.12",
            subject="Не формируется отчёт",
            body="Ошибка «Деление на 0»",
        ),
    )
    mail = InboundMail.objects.create(
        mailbox="line",
        message_id="<m1@example.ru>",
        sender="a@example.ru",
        raw=b"From: a@example.ru\r\n\r\nhello",
        received_at=ticket.registered_at,
        state=InboundMail.State.QUARANTINED,
        error="тест",
    )
    return {"ticket": ticket, "mail": mail}


def signed_in(username: str) -> Client:
    browser = Client()
    browser.force_login(User.objects.get(username=username))
    return browser


def pages(line: dict[str, object]) -> list[tuple[str | None, str]]:
    ticket = line["ticket"]
    assert isinstance(ticket, Ticket)
    mail = line["mail"]
    assert isinstance(mail, InboundMail)
    number = ticket.number
    return [
        (None, "/"),
        (None, "/accounts/login/"),
        (None, "/accounts/password_reset/"),
        (None, "/admin/login/"),
        (None, "/api/docs"),
        ("client", "/"),
        ("client", "/portal/"),
        ("client", "/portal/new/"),
        ("client", f"/portal/tickets/{number}/"),
        ("client", "/portal/update-access/"),
        ("client", "/portal/complaints/"),
        ("client", "/portal/kb/"),
        ("client", "/notifications/"),
        ("client", "/accounts/profile/"),
        ("client", "/accounts/password_change/"),
        ("consultant1", "/desk/"),
        ("consultant1", f"/desk/tickets/{number}/"),
        ("consultant1", "/desk/phone/"),
        ("consultant1", "/desk/escalations/"),
        ("developer", "/desk/releases/"),
        ("supervisor", "/desk/board/"),
        ("supervisor", "/desk/complaints/"),
        ("supervisor", "/desk/registries/"),
        ("supervisor", "/desk/calendar/"),
        ("admin", "/admin/"),
        ("admin", "/admin/mail/inboundmail/"),
        ("admin", f"/admin/mail/inboundmail/{mail.pk}/change/"),
        ("admin", "/admin/api/apitoken/"),
        ("admin", "/admin/accounts/user/"),
    ]


def test_every_main_page_carries_the_policy_and_nothing_it_would_block(
    line: dict[str, object],
) -> None:
    problems: dict[str, list[str]] = {}
    for who, url in pages(line):
        browser = signed_in(who) if who else Client()
        response = browser.get(url)
        assert response.status_code == 200, (who, url, response.status_code)
        policy = response["Content-Security-Policy"]
        if url == "/api/docs" and not apps.is_installed("ninja"):
            # The one documented exception: ninja's CDN template (see security_headers).
            assert policy == DOCS_CDN_POLICY
            continue
        assert policy == POLICY, url
        found = blocked_by_csp(response.content.decode())
        if found:
            problems[f"{who or 'anonymous'} {url}"] = found
    assert problems == {}


def test_the_policy_is_the_strict_one(client: Client) -> None:
    policy = client.get("/")["Content-Security-Policy"]
    assert [p.strip() for p in policy.split(";")] == [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
    ]


def test_the_finder_sees_what_csp_blocks() -> None:
    """The page check itself: each thing a strict policy blocks is reported."""
    assert blocked_by_csp("<script>alert(1)</script>") != []
    assert blocked_by_csp('<button onclick="x()">') != []
    assert blocked_by_csp('<p style="color: red">') != []
    assert blocked_by_csp("<style>p {}</style>") != []
    assert blocked_by_csp('<a href="javascript:x()">') != []
    assert blocked_by_csp('<script src="/static/a.js"></script>') == []
    assert blocked_by_csp('<script type="application/json">{"a": 1}</script>') == []


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("client", "/portal/"),
        ("client", "/"),
        ("consultant1", "/desk/"),
        ("admin", "/admin/"),
        (None, "/accounts/login/"),
        ("client", "/notifications/"),
    ],
)
def test_private_pages_are_not_stored_by_browsers_or_proxies(
    line: dict[str, object], who: str | None, url: str
) -> None:
    browser = signed_in(who) if who else Client()
    cache_control = browser.get(url)["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control


def test_api_answers_with_personal_data_are_not_stored(line: dict[str, object]) -> None:
    _, raw = ApiToken.issue(User.objects.get(username="client"))
    response = Client().get("/api/v1/tickets", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_the_public_line_page_may_be_cached_for_anonymous_visitors(client: Client) -> None:
    assert "no-store" not in client.get("/").get("Cache-Control", "")


def _settings_in_a_fresh_process(env: dict[str, str]) -> str:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECURE_COOKIES", "SECURE_SSL_REDIRECT", "DJANGO_SETTINGS_MODULE"}
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import supportline.settings as s; "
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)",
        ],
        env={**base, "SUPPORTLINE_TESTING": "1", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_cookies_are_secure_once_plain_http_is_redirected_to_https() -> None:
    assert _settings_in_a_fresh_process({}) == "False False"
    assert _settings_in_a_fresh_process({"SECURE_SSL_REDIRECT": "1"}) == "True True"
    assert _settings_in_a_fresh_process({"SECURE_COOKIES": "1"}) == "True True"
    # Empty, as in .env.example: follows SECURE_SSL_REDIRECT.
    assert (
        _settings_in_a_fresh_process({"SECURE_SSL_REDIRECT": "1", "SECURE_COOKIES": ""})
        == "True True"
    )
    # An explicit SECURE_COOKIES=0 wins (e.g. HTTPS ends at a proxy on another host… rare).
    assert (
        _settings_in_a_fresh_process({"SECURE_SSL_REDIRECT": "1", "SECURE_COOKIES": "0"})
        == "False False"
    )
