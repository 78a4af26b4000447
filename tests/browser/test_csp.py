"""The pages work under their Content-Security-Policy in a real browser (issue 12 §8): nothing
is refused — every script and style is a file of ours — and htmx still updates the pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from playwright.sync_api import Browser, Page, expect

from supportline.core.demo import load_demo
from tests.browser.test_story import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before the page's own scripts (through the DevTools protocol, outside the policy).
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def violations(page: Page, url: str) -> list[str]:
    response = page.goto(url)
    assert response is not None and "content-security-policy" in response.headers, url
    page.wait_for_load_state("networkidle")
    return list(page.evaluate("window.__csp"))


def test_pages_load_without_policy_violations_and_htmx_works(
    browser: Browser, live_server: Any
) -> None:
    load_demo()
    base = live_server.url
    found: dict[str, list[str]] = {}

    anonymous = browser.new_context(locale="ru-RU").new_page()
    anonymous.add_init_script(WATCH)
    public = ["/", "/accounts/login/", "/accounts/password_reset/", "/admin/login/"]
    if apps.is_installed("ninja"):  # the docs from our own static files: the strict policy
        public.append("/api/docs")
    for url in public:
        found[url] = violations(anonymous, base + url)

    client = sign_in(browser, base, "client", "client-demo")
    client.add_init_script(WATCH)
    for url in ["/portal/", "/portal/new/", "/portal/kb/", "/notifications/"]:
        found[url] = violations(client, base + url)
    # htmx (a script file) still runs: typing a question offers knowledge-base articles.
    client.goto(f"{base}/portal/new/")
    client.locator("#id_body").press_sequentially("отчёт «Воронка продаж» ошибка", delay=20)
    expect(client.locator("#kb-suggestions").get_by_text("Воронка продаж").first).to_be_visible(
        timeout=10_000
    )
    found["/portal/new/ (htmx)"] = list(client.evaluate("window.__csp"))

    consultant = sign_in(browser, base, "consultant1", "consultant-demo")
    consultant.add_init_script(WATCH)
    for url in ["/desk/", "/desk/phone/", "/desk/escalations/"]:
        found[url] = violations(consultant, base + url)

    assert {url: v for url, v in found.items() if v} == {}
    # The watch sees what the policy refuses: an inline script added to the page.
    consultant.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.ran = 1'; document.body.append(s); }"
    )
    consultant.wait_for_timeout(200)
    assert consultant.evaluate("window.ran") is None
    assert any("script-src" in v for v in consultant.evaluate("window.__csp"))
