from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

log = logging.getLogger("supportline.worker")

# Pause before the embedded worker is started again after it ended on its own (seconds).
RESTART_PAUSE = 5.0


class EmbeddedWorker:
    """`supportline worker` as a child process, started again if it ever ends on its own
    (it does not end on a database outage: it waits for the database)."""

    def __init__(self, command: list[str]) -> None:
        self.command = command
        self.stopping = threading.Event()
        self._lock = threading.Lock()  # no new start once `stop` has begun
        self.process = self._start()
        self.restarts = 0
        self._watcher = threading.Thread(target=self._watch, name="embedded-worker", daemon=True)
        self._watcher.start()

    def _start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(self.command)  # noqa: S603 - our own command

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


def _interrupt(signum: int, frame: FrameType | None) -> None:
    # runserver ends cleanly on KeyboardInterrupt (Ctrl-C); SIGTERM does the same, so the
    # embedded worker is stopped too instead of being left behind.
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Веб-сервер и встроенный обработчик заданий рядом с ним (для make run)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        exe = Path(sys.executable).with_name("supportline")
        command = (
            [str(exe), "worker"]
            if exe.exists()
            else [sys.executable, "-m", "supportline", "worker"]
        )
        worker = EmbeddedWorker(command)
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            call_command("runserver", options["addrport"], use_reloader=False)
        finally:
            worker.stop()
