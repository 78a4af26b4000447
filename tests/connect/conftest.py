"""A local stand-in for 1C-Connect and the channel's settings pointing at it.

The stand-in is a real HTTP server on 127.0.0.1 (a free port per test) that speaks the two
endpoints we call — `POST /v1/line/send/message/` and `GET /files/<name>` — checks HTTP Basic
auth like 1C-Connect does, and records every request. Our client is never mocked.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

import supportline.connect.tasks  # noqa: F401 - registers the channel's job handlers
from supportline.core.demo import load_demo
from supportline.jobs.core import run_due

MSK = ZoneInfo("Europe/Moscow")
# Tuesday 24 November 2026, 10:00 Moscow time: an ordinary working day.
NOW = dt.datetime(2026, 11, 24, 10, 0, tzinfo=MSK)

API_USER = "supportline"
API_PASSWORD = "пароль-линии"  # non-ASCII on purpose: Basic auth is UTF-8
WEBHOOK_TOKEN = "webhook-token-123"
LINE_ID = "5f0ddfd1-6d9c-4e25-9bca-c7ff0fd83c44"
USER_ID = "df4cca69-ce40-472e-9083-af9b279c72cc"
# A first message that carries all R1 data of the demo client as labelled lines.
LABELLED_TEXT = (
    "Не формируется отчёт «Воронка продаж»\n"
    "Рег. номер: 800123456\n"
    "Организация: ООО «Ромашка»\n"
    "Конфигурация: 1С:CRM ПРОФ, редакция 3.0\n"
    "Версия: 3.0.36.12\n"
)


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class StandIn:
    """State shared with the server thread."""

    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    fail_next: int = 0  # how many send-message calls to answer 500
    lock: threading.Lock = field(default_factory=threading.Lock)

    def sent(self) -> list[dict[str, Any]]:
        return [r.json() for r in self.requests if r.path == "/v1/line/send/message/"]

    def downloads(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "GET" and "/files/" in r.path]


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def make_handler(state: StandIn) -> type[BaseHTTPRequestHandler]:
    expected = basic(API_USER, API_PASSWORD)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _record(self) -> Recorded:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            recorded = Recorded(self.command, self.path, dict(self.headers.items()), body)
            with state.lock:
                state.requests.append(recorded)
            return recorded

        def _reply(self, status: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _authorised(self, recorded: Recorded) -> bool:
            if recorded.headers.get("Authorization") == expected:
                return True
            self._reply(401, b'{"error": "unauthorized"}')
            return False

        def _moved(self) -> bool:
            """Under /moved/ everything answers 302 to the same path without the prefix."""
            if not self.path.startswith("/moved/"):
                return False
            self.send_response(302)
            self.send_header("Location", self.path.removeprefix("/moved"))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return True

        def do_POST(self) -> None:
            recorded = self._record()
            if self._moved() or not self._authorised(recorded):
                return
            if self.path != "/v1/line/send/message/":
                self._reply(404, b"{}")
                return
            with state.lock:
                failing = state.fail_next > 0
                state.fail_next -= 1 if failing else 0
            if failing:
                self._reply(500, b'{"error": "internal"}')
                return
            body = recorded.json()
            if not {"line_id", "user_id", "text"} <= body.keys():
                self._reply(400, b'{"error": "bad request"}')
                return
            self._reply(200, b"{}")

        def do_GET(self) -> None:
            recorded = self._record()
            if self._moved() or not self._authorised(recorded):
                return
            name = self.path.removeprefix("/files/")
            if name not in state.files:
                self._reply(404, b"")
                return
            content, content_type = state.files[name]
            self._reply(200, content, content_type)

    return Handler


@pytest.fixture
def standin() -> Iterator[StandIn]:
    state = StandIn()
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def connect(
    db: None,
    clock: time_machine.Traveller,
    standin: StandIn,
    monkeypatch: pytest.MonkeyPatch,
    settings: Any,
    tmp_path: Path,
) -> StandIn:
    """The demo line with the 1C-Connect channel on, talking to the stand-in."""
    monkeypatch.setenv("USE_CONNECT", "1")
    monkeypatch.setenv("CONNECT_API_URL", standin.url + "/")
    monkeypatch.setenv("CONNECT_API_USER", API_USER)
    monkeypatch.setenv("CONNECT_API_PASSWORD", API_PASSWORD)
    monkeypatch.setenv("CONNECT_WEBHOOK_TOKEN", WEBHOOK_TOKEN)
    monkeypatch.setenv("CONNECT_LINE_ID", LINE_ID)
    monkeypatch.setenv("CONNECT_TIMEOUT", "5")
    settings.MEDIA_ROOT = tmp_path / "media"
    load_demo(today=NOW.date())
    return standin


def event(**fields: Any) -> dict[str, Any]:
    """A text message of the demo user on our line, as 1C-Connect sends it."""
    body: dict[str, Any] = {
        "line_id": LINE_ID,
        "user_id": USER_ID,
        "message_id": str(uuid.uuid4()),
        "message_type": 1,
        "author_id": USER_ID,
        "message_time": NOW.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "text": "Не формируется отчёт «Воронка продаж»",
    }
    body.update(fields)
    return body


def post(body: Any, *, token: str | None = WEBHOOK_TOKEN, raw: bytes | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    data = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    return Client().post(
        "/connect/webhook", data=data, content_type="application/json", headers=headers
    )


def drain(limit: int = 20) -> int:
    """Run the worker until nothing is due (the process job makes send jobs)."""
    ran = 0
    for _ in range(limit):
        done = run_due(worker="test-worker")
        if not done:
            return ran
        ran += done
    raise AssertionError("jobs keep coming")
