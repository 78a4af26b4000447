"""Real servers for the mail tests: an SMTP server (aiosmtpd on loopback) that receives what we
send, and Debian's Dovecot (scripts/test-imap-server.sh) that we APPEND client mail into and
poll. No protocol mocks. Without Dovecot the IMAP tests skip — unless CI is set: then they fail.
"""

from __future__ import annotations

import email
import email.policy
import imaplib
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from supportline.core.demo import load_demo
from supportline.jobs.core import discover, run_due
from supportline.mail.models import InboundMail
from supportline.mail.services import inbound_mail_store

ROOT = Path(__file__).resolve().parents[2]
EML = Path(__file__).parent / "eml"
IMAP_SCRIPT = ROOT / "scripts" / "test-imap-server.sh"
IMAP_PASSWORD = "test-secret"
LINE_ADDRESS = "crm@rarus.ru"  # the shipped regulation's line address (R19)


# The authserv-id of the line's own mail server in these tests (MAIL_AUTHSERV_ID).
MX = "mx.example.ru"


def vouched(raw: bytes, results: str = "dmarc=pass") -> bytes:
    """`raw` as the line's mail server delivers it after checking the sender: with its
    Authentication-Results header on top (RFC 8601)."""
    return f"Authentication-Results: {MX}; {results}\r\n".encode() + raw


def eml(name: str) -> bytes:
    """A message of the corpus, as the mail server stored it (replies refer to CRM-000001)."""
    return (EML / name).read_bytes()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def drain(limit: int = 20) -> int:
    """Run due jobs (processing, sending) until none is left, like the worker would."""
    total = 0
    for _ in range(limit):
        ran = run_due(worker="test", limit=100)
        if not ran:
            break
        total += ran
    return total


def deliver(raw: bytes, *, mailbox: str = "line") -> InboundMail:
    """A message as the poller would keep it, processed by its job."""
    mail = inbound_mail_store(mailbox=mailbox, raw=raw)
    assert mail is not None, "already delivered"
    drain()
    mail.refresh_from_db()
    return mail


@pytest.fixture(autouse=True)
def _handlers() -> None:
    discover()


@pytest.fixture(autouse=True)
def _line_mail_server(settings: Any) -> None:
    """The line's mail server is mx.example.ru; only its headers vouch for a sender."""
    settings.MAIL_AUTHSERV_ID = [MX]
    settings.MAIL_TRUST_FROM = False


@pytest.fixture
def demo(db: None) -> None:
    """The demo line: Ромашка (valid contracts), Вектор (KP expired), personas."""
    load_demo(today=timezone.localdate())


# ---------------------------------------------------------------- SMTP


@dataclass
class Delivered:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes

    @property
    def message(self) -> EmailMessage:
        msg = email.message_from_bytes(self.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        return msg

    @property
    def text(self) -> str:
        body = self.message.get_body(("plain",))
        assert body is not None
        return str(body.get_content())

    @property
    def html(self) -> str:
        body = self.message.get_body(("html",))
        assert body is not None
        return str(body.get_content())


@dataclass
class SmtpServer:
    host: str
    port: int
    received: list[Delivered] = field(default_factory=list)
    controller: Any = None

    def handle(self) -> _Sink:
        return _Sink(self.received)

    def start(self) -> None:
        self.controller = Controller(self.handle(), hostname=self.host, port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class _Sink:
    def __init__(self, received: list[Delivered]) -> None:
        self.received = received

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(
            Delivered(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings: Any) -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 and a free port; Django sends to it over SMTP."""
    server = SmtpServer("127.0.0.1", free_port())
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    try:
        yield server
    finally:
        server.stop()


# ---------------------------------------------------------------- IMAP (Dovecot)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} — CI must run the IMAP tests", pytrace=False)
    pytest.skip(reason)


@dataclass
class ImapServer:
    host: str
    port: int
    password: str

    def connect(self, user: str) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        conn.login(user, self.password)
        return conn

    def append(self, user: str, raw: bytes, folder: str = "INBOX") -> None:
        """What a mail server does when a client's message arrives."""
        conn = self.connect(user)
        try:
            status, data = conn.append(folder, None, None, raw)
            assert status == "OK", data
        finally:
            conn.logout()

    def unseen(self, user: str, folder: str = "INBOX") -> list[int]:
        conn = self.connect(user)
        try:
            conn.select(folder)
            _, data = conn.uid("SEARCH", None, "UNSEEN")  # type: ignore[arg-type]
            return [int(u) for u in (data[0] or b"").split()]
        finally:
            conn.logout()

    def mark_unseen(self, user: str, folder: str = "INBOX") -> None:
        """As if we crashed after storing but before setting \\Seen."""
        conn = self.connect(user)
        try:
            conn.select(folder)
            conn.uid("STORE", "1:*", "-FLAGS.SILENT", r"(\Seen)")
        finally:
            conn.logout()


@pytest.fixture(scope="session")
def imap_server() -> Iterator[ImapServer]:
    """Dovecot from Debian's packages, started by scripts/test-imap-server.sh in a temp dir."""
    dovecot = os.environ.get("DOVECOT") or shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not os.access(dovecot, os.X_OK):
        _unavailable("Dovecot is not installed (apt-get install -y dovecot-imapd)")
    home = tempfile.mkdtemp(prefix="supportline-imap-")
    os.chmod(home, 0o755)  # the unprivileged mail user must reach its maildir
    port = free_port()
    log = open(Path(home) / "script.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [str(IMAP_SCRIPT), home, str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "IMAP_TEST_PASSWORD": IMAP_PASSWORD, "DOVECOT": dovecot},
    )
    server = ImapServer("127.0.0.1", port, IMAP_PASSWORD)
    deadline = time.monotonic() + 15
    ready = False
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with socket.create_connection((server.host, port), timeout=1) as s:
                ready = s.recv(100).startswith(b"* OK")
        except OSError:
            ready = False
        if ready:
            break
        time.sleep(0.1)
    try:
        if not ready:
            process.kill()
            process.wait(10)
            log.close()
            output = (Path(home) / "script.log").read_text(errors="replace")
            dovecot_log = Path(home) / "dovecot.log"
            if dovecot_log.exists():
                output += dovecot_log.read_text(errors="replace")
            _unavailable(f"Dovecot did not start: {output.strip()[-800:]}")
        yield server
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()
        shutil.rmtree(home, ignore_errors=True)


@dataclass
class Mailboxes:
    server: ImapServer
    line: str
    quality: str


@pytest.fixture
def mailboxes(imap_server: ImapServer, monkeypatch: pytest.MonkeyPatch) -> Mailboxes:
    """Fresh line and quality mailboxes for this test, configured through the environment."""
    suffix = uuid.uuid4().hex[:10]
    boxes = Mailboxes(imap_server, f"line-{suffix}", f"quality-{suffix}")
    for name, value in {
        "MAIL_IMAP_HOST": imap_server.host,
        "MAIL_IMAP_PORT": str(imap_server.port),
        "MAIL_IMAP_SSL": "0",
        "MAIL_IMAP_USER": boxes.line,
        "MAIL_IMAP_PASSWORD": imap_server.password,
        "MAIL_QUALITY_IMAP_USER": boxes.quality,
        "MAIL_QUALITY_IMAP_PASSWORD": imap_server.password,
    }.items():
        monkeypatch.setenv(name, value)
    return boxes
