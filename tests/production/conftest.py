"""Helpers of the production tests: real `supportline` processes on loopback ports."""

from __future__ import annotations

import contextlib
import gzip
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest

EXE = str(Path(sys.executable).with_name("supportline"))

# What the suite or the developer's shell may have set that a fresh installation would not.
_NOT_INHERITED = {
    "DATABASE_URL",
    "DJANGO_SETTINGS_MODULE",
    "SUPPORTLINE_TESTING",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DEBUG",
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "SITE_URL",
    "STATIC_ROOT",
    "USE_MAIL_POLLING",
    "USE_CONNECT",
    "ALLOWED_HOSTS",
    "BIND",
    "WEB_CONCURRENCY",
}

STRONG_KEY = "Zx9!Qw2#Er4$Ty6^Ui8&Op0*As1@Df3%Gh5(Jk7)Lz-Xc+Vb=Nm~Pq;Rs:Tu,Wv."
HOST = "support.example.ru"
# The HTTPS settings of .env.example, as behind the nginx site of deploy/.
HTTPS = {
    "ALLOWED_HOSTS": HOST,
    "SECURE_COOKIES": "1",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "USE_X_FORWARDED_PROTO": "1",
}


def environment(data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _NOT_INHERITED}
    return {**env, "SUPPORTLINE_DATA_DIR": str(data), **extra}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], object], timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what or check}")


def alive(pid: int) -> bool:
    """Running (a zombie waiting for a parent that never reaps it counts as dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in {"Z", "X"}


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode() for part in raw.split(b"\0") if part]


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()


@dataclass
class Browser:
    """HTTP to a local server as the proxy of deploy/nginx would pass it on: the public host
    name, X-Forwarded-Proto: https. Cookies kept by hand (http.cookiejar would not send
    Secure cookies over the plain loopback connection)."""

    port: int
    host: str = HOST
    https: bool = True
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        method: str,
        path: str,
        body: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        send = {"Host": self.host, **(headers or {})}
        if self.https:
            send["X-Forwarded-Proto"] = "https"
        if self.cookies:
            send["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            send.setdefault("Content-Type", "application/x-www-form-urlencoded")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=send)
            raw = conn.getresponse()
            data = raw.read()
            for header in raw.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, data)
        finally:
            conn.close()

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return self.request("GET", path, headers=headers)


ASSET = re.compile(r'<(?:link rel="stylesheet" href|script src)="(/static/[^"]+)"')
HASHED = re.compile(r"^/static/.+\.[0-9a-f]{12}\.(css|js)$")


def sign_in(browser: Browser, username: str, password: str) -> None:
    page = browser.get("/accounts/login/")
    assert page.status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token
    answer = browser.request(
        "POST",
        "/accounts/login/",
        body=urlencode(
            {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password}
        ),
        headers={"Origin": f"https://{browser.host}", "Referer": f"https://{browser.host}/"},
    )
    assert answer.status == 302, answer.text[:2000]


def assert_styled(browser: Browser, path: str, stylesheet: str) -> None:
    """The page answers 200 and names `stylesheet` and htmx by hashed names; each stylesheet
    and script it names is served with its type, cached for ever, gzip-compressed on request."""
    page = browser.get(path)
    assert page.status == 200, page.text[:2000]
    assets = ASSET.findall(page.text)
    assert any(stylesheet in url for url in assets), assets
    assert any("supportline/htmx.min." in url for url in assets), assets
    for url in assets:
        assert HASHED.match(url), f"{url} is not a hashed name"
        asset = browser.get(url)
        assert asset.status == 200, url
        kind = asset.headers["content-type"]
        if url.endswith(".css"):
            assert kind.startswith("text/css"), (url, kind)
        else:
            assert kind.startswith(("text/javascript", "application/javascript")), (url, kind)
        assert len(asset.body) > 100
        assert "immutable" in asset.headers["cache-control"]
        packed = browser.get(url, headers={"Accept-Encoding": "gzip"})
        assert packed.headers.get("content-encoding") == "gzip"
        assert gzip.decompress(packed.body) == asset.body
    htmx = next(url for url in assets if "htmx" in url)
    assert b"htmx" in browser.get(htmx).body


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start(
    args: list[str], env: dict[str, str], log: Path, port: int, timeout: float = 60
) -> Server:
    """Start `supportline ARGS` and wait until it accepts connections on `port`."""
    with log.open("wb") as out:
        process = subprocess.Popen([EXE, *args], env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(process, port, log)
    try:
        wait_for(
            lambda: answers(port) or process.poll() is not None, timeout, f"port {port} to open"
        )
    except AssertionError:
        cleanup(server)
        raise AssertionError(server.output()) from None
    if process.poll() is not None:
        raise AssertionError(f"exited with {process.returncode}:\n{server.output()}")
    return server


def stop(server: Server, signum: int = signal.SIGTERM) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signum)
        try:
            server.process.wait(30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


def cleanup(server: Server) -> None:
    """Whatever the test found, leave no process of it behind."""
    stop(server)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGKILL)


def run(
    args: list[str], env: dict[str, str], timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXE, *args], env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A data folder after `supportline upgrade` (migrated SQLite, collected static files) with
    the demo loaded, the way the README's production commands leave it."""
    data = tmp_path_factory.mktemp("installed")
    env = environment(data, SECRET_KEY=STRONG_KEY, **HTTPS)
    result = run(["upgrade"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    result = run(["demo"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    yield data
