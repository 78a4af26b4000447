"""`supportline serve [ADDR:PORT]`: the trial (`make run`) — Django's development server with one
embedded background worker beside it. Production runs `supportline web` and `supportline
worker` instead.

The worker never outlives the server: SIGTERM, SIGINT and SIGHUP stop the server and then the
worker (it finishes its current job); if the server dies without a word (SIGKILL, a crash), the
kernel sends the worker SIGTERM (Linux's PR_SET_PDEATHSIG, set in the child before it starts).

Mail links point at the address the trial serves on (SITE_URL, unless set in the environment).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def site_url(addrport: str) -> str:
    """The browser address of what runserver binds: "8001" → http://127.0.0.1:8001, a wildcard
    address → loopback (the address a browser on this machine uses)."""
    addr, sep, port = addrport.rpartition(":")
    if not sep:
        addr, port = "", addrport
    addr = addr.strip("[]")
    if not port.isdigit():
        raise CommandError(f"Неверный адрес {addrport!r}: ожидается АДРЕС:ПОРТ или ПОРТ")
    if addr in ("", "0", "0.0.0.0"):  # noqa: S104 - recognising it, not binding it
        addr = "127.0.0.1"
    elif addr == "::":
        addr = "::1"
    host = f"[{addr}]" if ":" in addr else addr
    return f"http://{host}:{port}"


def _die_with_parent(parent: int) -> Callable[[], None] | None:
    """A preexec_fn asking the kernel to SIGTERM the child when `parent` dies (Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)

    def preexec() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        # The parent may have died between fork and prctl: then nobody would tell us.
        if os.getppid() != parent:
            os._exit(1)

    return preexec


log = logging.getLogger("supportline.worker")

# Pause before the embedded worker is started again after it ended on its own (seconds).
RESTART_PAUSE = 5.0


class EmbeddedWorker:
    """`supportline worker` as a child process, started again if it ever ends on its own
    (it does not end on a database outage: it waits for the database)."""

    def __init__(self, command: list[str], env: dict[str, str] | None = None) -> None:
        self.command = command
        self.env = env
        self.stopping = threading.Event()
        self._lock = threading.Lock()  # no new start once `stop` has begun
        self.process = self._start()
        self.restarts = 0
        self._watcher = threading.Thread(target=self._watch, name="embedded-worker", daemon=True)
        self._watcher.start()

    def _start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(  # noqa: S603 - our own command
            self.command, env=self.env, preexec_fn=_die_with_parent(os.getpid())
        )

    def _watch(self) -> None:
        while not self.stopping.is_set():
            code = self.process.wait()
            if self.stopping.is_set():
                return
            log.error(
                "embedded worker %s ended with code %s; starting it again in %g s",
                self.process.pid,
                code,
                RESTART_PAUSE,
            )
            if self.stopping.wait(RESTART_PAUSE):
                return
            with self._lock:
                if self.stopping.is_set():
                    return
                self.process = self._start()
                self.restarts += 1

    def stop(self) -> None:
        with self._lock:
            self.stopping.set()
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Command(BaseCommand):
    help = "Веб-сервер и встроенный обработчик заданий рядом с ним (для make run)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        addrport = options["addrport"]
        if not settings.DEBUG:
            # With DEBUG off the pages name their static files by the collected manifest (and
            # whitenoise serves them): collect them first, as `supportline upgrade` does.
            call_command("collectstatic", "--noinput", verbosity=0)
        env = dict(os.environ)
        if not os.environ.get("SITE_URL"):
            # The worker writes the mail: its links must lead to this server.
            env["SITE_URL"] = site_url(addrport)
            settings.SITE_URL = env["SITE_URL"]
        exe = Path(sys.executable).with_name("supportline")
        command = (
            [str(exe), "worker"]
            if exe.exists()
            else [sys.executable, "-m", "supportline", "worker"]
        )

        def stop(signum: int, frame: FrameType | None) -> None:
            # A requested stop is a clean one: the worker is stopped below, exit status 0.
            raise SystemExit(0)

        # SIGINT too: the default KeyboardInterrupt would do, but one path is simpler to trust.
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, stop)
        worker = EmbeddedWorker(command, env)
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            # A second signal while the worker finishes must not cut the wait short.
            for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                signal.signal(signum, signal.SIG_IGN)
            worker.stop()
