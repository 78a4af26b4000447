"""`supportline web` (gunicorn) with DEBUG off serves styled pages and htmx: the stylesheets
and scripts a page names are collected under hashed names, compressed, cached for ever."""

from __future__ import annotations

import json
import re
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.production.conftest import (
    HTTPS,
    STRONG_KEY,
    Browser,
    Server,
    alive,
    assert_styled,
    children,
    cleanup,
    environment,
    free_port,
    run,
    sign_in,
    start,
    stop,
    wait_for,
)


@pytest.fixture(scope="module")
def web(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = free_port()
    log = tmp_path_factory.mktemp("web") / "web.log"
    env = environment(
        installed,
        SECRET_KEY=STRONG_KEY,
        **HTTPS,
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        DEBUG="0",
    )
    server = start(["web"], env, log, port)
    yield server
    cleanup(server)


@pytest.mark.parametrize(
    "who,path,stylesheet",
    [
        (None, "/", "supportline/site."),
        (("client", "client-demo"), "/portal/", "supportline/portal."),
        (("consultant1", "consultant-demo"), "/desk/", "supportline/desk."),
    ],
)
def test_pages_are_styled_and_load_htmx_with_debug_off(
    web: Server, who: tuple[str, str] | None, path: str, stylesheet: str
) -> None:
    browser = Browser(web.port)
    if who:
        sign_in(browser, *who)
    assert_styled(browser, path, stylesheet)


def test_plain_http_is_sent_to_https(web: Server) -> None:
    """Without the proxy's X-Forwarded-Proto the production settings redirect, static too."""
    browser = Browser(web.port, https=False)
    page = browser.get("/")
    assert page.status == 301
    assert page.headers["location"] == "https://support.example.ru/"


def test_gunicorn_runs_the_workers_it_was_told(web: Server) -> None:
    wait_for(lambda: len(children(web.process.pid)) == 2, 30, "two workers")
    assert "[INFO] Starting gunicorn" in web.output()
    assert f"Listening at: http://127.0.0.1:{web.port}" in web.output()
    # Each worker froze the loaded application out of garbage collection (issue 15).
    wait_for(
        lambda: web.output().count("objects frozen, young collections every 5000") == 2,
        30,
        "both workers' collector tuned",
    )


def test_access_log_lines_by_default(web: Server) -> None:
    Browser(web.port).get("/?access-log-probe=1")
    wait_for(lambda: "access-log-probe=1" in web.output(), 10, "the access log line")


def test_web_stops_its_workers_on_sigterm(installed: Path, tmp_path: Path) -> None:
    port = free_port()
    env = environment(
        installed, SECRET_KEY=STRONG_KEY, BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="3"
    )
    server = start(["web"], env, tmp_path / "web.log", port)
    try:
        wait_for(lambda: len(children(server.process.pid)) == 3, 30, "three workers")
        workers = children(server.process.pid)
        stop(server, signal.SIGTERM)
        assert server.process.returncode == 0, server.output()
        wait_for(lambda: not any(alive(pid) for pid in workers), 10, "the workers to exit")
    finally:
        cleanup(server)


def test_print_config_reads_the_environment(installed: Path) -> None:
    env = environment(
        installed,
        SECRET_KEY=STRONG_KEY,
        BIND="0.0.0.0:9000,unix:/run/supportline/web.sock",
        WEB_CONCURRENCY="7",
        WEB_TIMEOUT="45",
        WEB_GRACEFUL_TIMEOUT="20",
        WEB_ACCESS_LOG="off",
        WEB_MAX_REQUESTS="500",
        WEB_MAX_REQUESTS_JITTER="50",
    )
    result = run(["web", "--print-config"], env)
    assert result.returncode == 0, result.stderr
    config = json.loads(result.stdout)
    assert config["bind"] == ["0.0.0.0:9000", "unix:/run/supportline/web.sock"]
    assert config["workers"] == 7
    assert config["timeout"] == 45
    assert config["graceful_timeout"] == 20
    assert config["accesslog"] is None
    assert (config["max_requests"], config["max_requests_jitter"]) == (500, 50)


def test_defaults(installed: Path) -> None:
    result = run(["web", "--print-config"], environment(installed, SECRET_KEY=STRONG_KEY))
    config = json.loads(result.stdout)
    assert config["bind"] == ["127.0.0.1:8000"]
    assert config["workers"] >= 3
    assert (config["timeout"], config["graceful_timeout"]) == (30, 30)
    assert config["accesslog"] == "-"
    assert (config["max_requests"], config["max_requests_jitter"]) == (1000, 100)


@pytest.mark.parametrize(
    "name,value,message",
    [
        ("WEB_CONCURRENCY", "many", "WEB_CONCURRENCY='many' is not an integer"),
        ("WEB_CONCURRENCY", "0", "WEB_CONCURRENCY=0 must be at least 1"),
        ("WEB_TIMEOUT", "-1", "WEB_TIMEOUT=-1 must be at least 1"),
        ("WEB_GC_THRESHOLD", "-5", "WEB_GC_THRESHOLD=-5 must be at least 0"),
        ("WEB_GC_THRESHOLD", "lots", "WEB_GC_THRESHOLD='lots' is not an integer"),
        ("WEB_ACCESS_LOG", "loud", "WEB_ACCESS_LOG='loud' is not a boolean"),
        ("BIND", ",", "BIND is empty"),
    ],
)
def test_malformed_settings_are_refused_without_a_traceback(
    installed: Path, name: str, value: str, message: str
) -> None:
    result = run(["web"], environment(installed, SECRET_KEY=STRONG_KEY, **{name: value}))
    assert result.returncode == 1
    assert "Неверная настройка веб-сервера" in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "key,message",
    [
        ("short-key-" * 3, "SECRET_KEY слишком короткий: 30 символов"),
        ("ab" * 40, "из слишком малого числа разных символов (2)"),
        ("django-insecure-" + "x1y2z3" * 10, "ключ для разработки"),
    ],
)
def test_web_refuses_a_weak_secret_key_with_debug_off(
    installed: Path, tmp_path: Path, key: str, message: str
) -> None:
    port = free_port()
    env = environment(installed, SECRET_KEY=key, BIND=f"127.0.0.1:{port}")
    result = run(["web"], env, timeout=60)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_web_refuses_to_start_without_collected_static_files(tmp_path: Path) -> None:
    env = environment(tmp_path, SECRET_KEY=STRONG_KEY, BIND=f"127.0.0.1:{free_port()}")
    result = run(["web"], env, timeout=60)
    assert result.returncode == 1
    assert "Статические файлы не собраны" in result.stderr
    assert "supportline collectstatic --noinput" in result.stderr


def test_api_docs_work_offline(web: Server) -> None:
    """/api/docs names no other host: Swagger UI comes from our static files, the schema
    from our server, and no validator badge sends it to validator.swagger.io."""
    browser = Browser(web.port)
    page = browser.get("/api/docs")
    assert page.status == 200
    html = page.text
    assert not re.search(r"(?:src|href)=\"(?:https?:)?//", html), html
    assert "cdn" not in html.lower()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("swagger-ui-bundle." in url for url in urls), urls
    assert any("swagger-ui." in url and url.endswith(".css") for url in urls), urls
    for url in urls:
        assert url.startswith("/static/ninja/"), url
        assert browser.get(url).status == 200, url
    config = json.loads(re.search(r'id="swagger-settings">(.*?)</script>', html, re.S).group(1))
    assert config["validatorUrl"] is None
    schema = browser.get(config["url"])
    assert schema.status == 200
    assert json.loads(schema.body)["info"]["title"] == "SupportLine API"


def test_favicon_is_served(web: Server) -> None:
    browser = Browser(web.port)
    answer = browser.get("/favicon.ico")
    assert answer.status == 302
    icon = browser.get(answer.headers["location"])
    assert icon.status == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.body.startswith(b"<svg")
    page = browser.get("/")
    assert re.search(
        r'<link rel="icon" href="/static/supportline/favicon\.[0-9a-f]{12}\.svg"', page.text
    )


def test_errors_in_production_are_pages_and_json(web: Server) -> None:
    browser = Browser(web.port)
    page = browser.get("/no-such-page/")
    assert page.status == 404
    assert "Страница не найдена" in page.text and "site." in page.text
    api = browser.get("/api/v1/no-such-endpoint")
    assert api.status == 404
    assert json.loads(api.body) == {"detail": "Не найдено"}
