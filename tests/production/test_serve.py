"""`supportline serve` (the trial of `make run`): its embedded worker never outlives it, and
the mail it sends links to the port it really serves on."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from supportline.jobs.management.commands.serve import site_url
from tests.production.conftest import (
    ASSET,
    HASHED,
    Browser,
    Server,
    alive,
    children,
    cleanup,
    cmdline,
    environment,
    free_port,
    run,
    start,
    wait_for,
)

MAIL = """\
From: Клиент <client@example.ru>
To: crm-support@example.ru
Subject: Вопрос про отчёты
Message-ID: <serve-port-test@example.ru>
Date: Tue, 24 Nov 2026 10:00:00 +0300
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Здравствуйте! Не строится отчёт.
"""


@pytest.fixture(scope="module")
def trial(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    data = tmp_path_factory.mktemp("trial")
    result = run(["migrate", "-v", "0"], _env(data))
    assert result.returncode == 0, result.stderr
    yield data


def _env(data: Path) -> dict[str, str]:
    """What `make run` gives `supportline serve`."""
    return environment(
        data,
        DEBUG="1",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(data / "outbox"),
    )


def _serve(data: Path, log: Path) -> tuple[Server, int]:
    port = free_port()
    server = start(["serve", f"127.0.0.1:{port}"], _env(data), log, port)
    wait_for(lambda: "Обработчик заданий" in server.output(), 60, "the worker to start")
    workers = [pid for pid in children(server.process.pid) if "worker" in cmdline(pid)]
    assert len(workers) == 1, server.output()
    assert alive(workers[0])
    return server, workers[0]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGKILL])
def test_killing_serve_leaves_no_worker_behind(
    trial: Path, tmp_path: Path, signum: signal.Signals
) -> None:
    server, worker = _serve(trial, tmp_path / "serve.log")
    try:
        assert Browser(server.port, host="127.0.0.1", https=False).get("/").status == 200
        server.process.send_signal(signum)
        server.process.wait(40)
        # The worker finishes what it is doing and exits (SIGKILL: the kernel tells it).
        wait_for(lambda: not alive(worker), 40, f"worker {worker} to exit")
    finally:
        cleanup(server)
    if signum != signal.SIGKILL:
        assert "Traceback" not in server.output()
        assert "остановлен" in server.output(), server.output()  # the worker's goodbye


def test_mail_links_use_the_port_the_trial_serves_on(trial: Path, tmp_path: Path) -> None:
    server, _ = _serve(trial, tmp_path / "serve.log")
    try:
        eml = tmp_path / "question.eml"
        eml.write_bytes(MAIL.replace("\n", "\r\n").encode())
        result = run(["import-mail", "--mailbox", "line", str(eml)], _env(trial))
        assert result.returncode == 0, result.stderr
        outbox = trial / "outbox"
        wait_for(
            lambda: outbox.is_dir() and any(outbox.iterdir()), 60, "the receipt in data/outbox"
        )
        wait_for(lambda: all(f.stat().st_size for f in outbox.iterdir()), 10, "the receipt written")
        mails = "".join(f.read_text(errors="replace") for f in outbox.iterdir())
    finally:
        cleanup(server)
    assert f"http://127.0.0.1:{server.port}/portal/" in mails
    assert "127.0.0.1:8000" not in mails


def test_serve_with_debug_off_collects_and_serves_the_static_files(
    trial: Path, tmp_path: Path
) -> None:
    """The trial with DEBUG off: pages name their hashed static files from the manifest (there
    was none: every page answered 500) and whitenoise serves them."""
    env = environment(
        trial,
        DEBUG="0",
        SECRET_KEY="serve-debug-off-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    port = free_port()
    server = start(["serve", f"127.0.0.1:{port}"], env, tmp_path / "serve.log", port)
    try:
        browser = Browser(port, host="127.0.0.1", https=False)
        page = browser.get("/accounts/login/")
        assert page.status == 200, server.output()
        assets = ASSET.findall(page.text)
        assert assets and all(HASHED.match(a) for a in assets), assets
        assert all(browser.get(a).status == 200 for a in assets)
    finally:
        cleanup(server)
    assert (tmp_path / "static" / "staticfiles.json").is_file()


@pytest.mark.parametrize(
    "addrport,url",
    [
        ("127.0.0.1:8001", "http://127.0.0.1:8001"),
        ("8002", "http://127.0.0.1:8002"),
        ("0.0.0.0:8003", "http://127.0.0.1:8003"),
        ("[::]:8004", "http://[::1]:8004"),
        ("[::1]:8005", "http://[::1]:8005"),
        ("support.local:80", "http://support.local:80"),
    ],
)
def test_site_url_of_an_address(addrport: str, url: str) -> None:
    assert site_url(addrport) == url
