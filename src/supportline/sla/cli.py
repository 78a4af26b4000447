"""``supportline sla explain FILE``: SLA clocks of tickets given as JSON (R7-R13, R11).

The Django management command wires :func:`explain_main` in; it has no Django dependency.
Reads one ticket or a JSON array of tickets (``-`` = stdin, see :mod:`supportline.sla.jsonio`),
prints one result or an array. Exit codes: 0 — done; 2 — bad arguments or input (messages on
stderr, nothing on stdout).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import NoReturn, TextIO

from supportline.regulation import Regulation, RegulationError, default_regulation, load_regulation
from supportline.sla.clock import SlaInputError, WorkingCalendar, compute_sla
from supportline.sla.jsonio import sla_to_json, ticket_from_json

EXIT_OK = 0
EXIT_BAD_INPUT = 2


class _ParserExit(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _Parser(argparse.ArgumentParser):
    """An argument parser that writes to the given streams and never calls sys.exit."""

    def __init__(self, *, prog: str, description: str, stdout: TextIO, stderr: TextIO) -> None:
        super().__init__(prog=prog, description=description)
        self._stdout = stdout
        self._stderr = stderr

    def _print_message(self, message: str, file: object = None) -> None:
        if message:
            (self._stderr if file is sys.stderr else self._stdout).write(message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            self._stderr.write(message)
        raise _ParserExit(status)


def _calendar_of(regulation: Regulation) -> WorkingCalendar:
    """The packaged production calendar with the regulation's hours and zone (R9, R21)."""
    from supportline.worktime import Calendar, load_packaged_years

    hours = regulation.working_hours
    return Calendar(
        tz=hours.time_zone,
        day_start=hours.start,
        day_end=hours.end,
        short_day_end=hours.short_day_end,
        years=load_packaged_years(hours.calendar),
    )


def explain_main(
    argv: list[str],
    stdin: TextIO,
    stdout: TextIO,
    stderr: TextIO,
    *,
    calendar: WorkingCalendar | None = None,
) -> int:
    """Run ``supportline sla explain`` with ``argv`` (the arguments after ``explain``).

    ``calendar`` replaces the production calendar (tests); by default the packaged production
    calendar with the regulation's working hours and zone is used, and the regulation is the
    ``--regulation`` file, else ``REGULATION_FILE`` from the environment, else the shipped one.
    """
    parser = _Parser(
        stdout=stdout,
        stderr=stderr,
        prog="supportline sla explain",
        description=(
            "Рассчитать SLA-часы обращений (время реакции и решения) по их событиям. "
            "Вход — JSON-объект обращения или массив обращений."
        ),
    )
    parser.add_argument(
        "file", metavar="FILE", help="JSON-файл с обращением или массивом обращений; - — stdin"
    )
    parser.add_argument(
        "--explain",
        action="store_true",
        help="добавить интервалы каждого часа и смены уровня (ключ explain)",
    )
    parser.add_argument(
        "--regulation", metavar="PATH", help="файл регламента (TOML) вместо встроенного"
    )
    try:
        args = parser.parse_args(argv)
    except _ParserExit as exc:
        return exc.status

    def fail(message: str) -> int:
        stderr.write(f"supportline sla explain: {message}\n")
        return EXIT_BAD_INPUT

    try:
        path = args.regulation or os.environ.get("REGULATION_FILE", "")
        regulation: Regulation = load_regulation(path) if path else default_regulation()
    except RegulationError as exc:
        return fail(str(exc))

    try:
        if args.file == "-":
            text = stdin.read()
        else:
            with open(args.file, encoding="utf-8") as file:
                text = file.read()
    except OSError as exc:
        return fail(f"не удалось прочитать {args.file}: {exc.strerror}")
    except UnicodeDecodeError:
        return fail(f"файл {args.file} должен быть в кодировке UTF-8")

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return fail(f"некорректный JSON: {exc.msg} (строка {exc.lineno}, столбец {exc.colno})")

    many = isinstance(data, list)
    tickets: list[object] = data if many else [data]
    work_calendar = _calendar_of(regulation) if calendar is None else calendar
    tz = regulation.working_hours.tz
    results: list[dict[str, object]] = []
    errors: list[str] = []
    for index, raw in enumerate(tickets):
        prefix = f"обращение [{index}]: " if many else ""
        try:
            ticket = ticket_from_json(raw)
            result = compute_sla(
                ticket.level,
                ticket.now,
                ticket.events,
                calendar=work_calendar,
                regulation=regulation,
            )
        except ValueError as exc:  # SlaInputError, or a date the calendar cannot count
            errors.append(prefix + str(exc))
            continue
        results.append(sla_to_json(result, tz=tz, explain=args.explain))
    if errors:
        for error in errors:
            fail(error)
        return EXIT_BAD_INPUT
    output = results if many else results[0]
    stdout.write(json.dumps(output, ensure_ascii=False, indent=2) + "\n")
    return EXIT_OK


__all__ = ["EXIT_BAD_INPUT", "EXIT_OK", "SlaInputError", "explain_main"]
