from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


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
        worker = subprocess.Popen(command)  # noqa: S603 - our own command
        try:
            call_command("runserver", options["addrport"], use_reloader=False)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
