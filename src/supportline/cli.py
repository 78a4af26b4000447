"""The `supportline` console command: Django management with our settings preselected.

`supportline import-contracts` and `supportline import_contracts` are the same command
(hyphens are accepted for our own commands). `supportline sla explain` needs no database and
runs without starting Django.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and "-" in args[0] and not args[0].startswith("-"):
        args[0] = args[0].replace("-", "_")
    if args[:2] == ["sla", "explain"]:
        from supportline.sla.cli import explain_main

        sys.exit(explain_main(args[2:], sys.stdin, sys.stdout, sys.stderr))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportline.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["supportline", *args])


if __name__ == "__main__":
    main()
