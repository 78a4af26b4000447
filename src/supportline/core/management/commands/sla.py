from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from supportline.sla.cli import explain_main


class Command(BaseCommand):
    help = "SLA-часы обращений: `sla explain FILE` (FILE — JSON-файл, «-» — стандартный ввод)"

    def run_from_argv(self, argv: list[str]) -> None:
        # argv = [prog, "sla", "explain", ...]: the explainer parses its own arguments.
        if len(argv) < 3 or argv[2] != "explain":
            sys.stderr.write("использование: supportline sla explain FILE [--explain]\n")
            sys.exit(2)
        sys.exit(explain_main(argv[3:], sys.stdin, sys.stdout, sys.stderr))

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["explain"])
        parser.add_argument("file")
        parser.add_argument("--explain", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        argv = [options["file"], *(["--explain"] if options["explain"] else [])]
        code = explain_main(argv, sys.stdin, self.stdout, self.stderr)  # type: ignore[arg-type]
        if code:
            raise CommandError("некорректный вход", returncode=code)
