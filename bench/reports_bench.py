"""Benchmark of the reports (issue 16 §7) on PostgreSQL.

Run (a database of its own; it is filled once and reused):

    createdb -h 127.0.0.1 -U postgres hreports_scale
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hreports_scale \\
        PYTHONPATH=src .venv/bin/python bench/reports_bench.py [--tickets 100000] [--month 5000]

It generates a year (2025) of tickets with their event log — `--month` of them in November,
the rest over the other months — and their frozen SLA figures, computed by the clock as the
service does when a ticket finishes (the last 3 % of the year are left open). Then it times,
each cold (no kept snapshot) and as the best of `--passes`:

* the monthly report page of November (GET /desk/reports/, rendered with its charts);
* the year's report page (GET /desk/reports/ for 2025-01-01…2025-12-31);
* the what-if replay of the year under a draft regulation (every ticket through the clock);
* GET /api/v1/reports/sla for the year.

Targets: the month under 1 s, the year and the what-if under 10 s (2 cores). The process is
warmed on a two-day period first (templates, translations, the calendar).

Each line gives the best of the passes (and the median wall time) of three figures, so that a noisy shared machine can be
read: the wall time; the CPU time of this process (`time.process_time`, plus the CPU of any
child processes it waited for); and the CPU time of the database server's backend serving this
connection (from /proc, when the server runs on this machine; its parallel-query workers, if
any, are not counted). Only the line marked "kept" reads a kept snapshot: before every pass of
the others no snapshot exists (the year and the API year are not months, so none is kept).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import statistics
import time
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportline.test_settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from supportline.accounts.models import Role, User  # noqa: E402
from supportline.core import rules  # noqa: E402
from supportline.regulation import parse_regulation  # noqa: E402
from supportline.reports.figures import Period  # noqa: E402
from supportline.reports.models import ReportSnapshot  # noqa: E402
from supportline.reports.whatif import what_if  # noqa: E402
from supportline.sla import compute_sla  # noqa: E402
from supportline.sla.frozen import freeze  # noqa: E402
from supportline.tickets.clock import clock_event_rows  # noqa: E402
from supportline.tickets.models import EventType, Status, Ticket, TicketEvent  # noqa: E402

MSK = ZoneInfo("Europe/Moscow")
YEAR = 2025
NOW = dt.datetime(2026, 1, 20, 12, 0, tzinfo=MSK)
CHANNELS = ["email", "phone", "connect", "portal", "api"]
CATEGORIES = ["standard_functionality", "installation_and_use", "licensing", "protection_system"]
CONFIGS = ["1С:CRM ПРОФ, редакция 3.0", "1С:CRM КОРП, редакция 3.0", "1С:CRM ПРОФ, редакция 2.1"]


def _registration(rnd: random.Random, month: int) -> dt.datetime:
    first = dt.date(YEAR, month, 1)
    days = ((first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - first).days
    day = first + dt.timedelta(days=rnd.randrange(days))
    return dt.datetime(
        day.year, day.month, day.day, rnd.randint(7, 20), rnd.randrange(60), tzinfo=MSK
    )


def generate(total: int, in_month: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    regulation = rules.regulation()
    cal = rules.calendar()
    consultants = [
        User.objects.get_or_create(
            username=f"bench{i}", defaults={"role": Role.CONSULTANT, "first_name": f"К{i}"}
        )[0]
        for i in range(12)
    ]
    User.objects.get_or_create(
        username="bench-boss", defaults={"role": Role.SUPERVISOR, "email": "boss@example.ru"}
    )
    months = [11] * in_month + [m for m in range(1, 13) if m != 11] * ((total - in_month) // 11 + 1)
    months = months[:total]
    regs = sorted(_registration(rnd, m) for m in months)
    open_from = int(total * 0.97)
    started = time.perf_counter()
    for chunk_start in range(0, total, 5000):
        tickets: list[Ticket] = []
        plans: list[list[tuple[dt.datetime, str, int | None, dict[str, Any]]]] = []
        for i in range(chunk_start, min(total, chunk_start + 5000)):
            reg = regs[i]
            level = "operational" if rnd.random() < 0.15 else "standard"
            who = rnd.choice(consultants).pk
            at = reg
            events: list[tuple[dt.datetime, str, int | None, dict[str, Any]]] = [
                (at, EventType.REGISTERED, None, {"level": level, "channel": "email"})
            ]
            for _ in range(2):
                events.append((at, EventType.MESSAGE, None, {"kind": "receipt"}))
            at += dt.timedelta(minutes=rnd.randint(5, 900))
            events.append((at, EventType.ACCEPTED, who, {}))
            events.append((at, EventType.ASSIGNED, who, {"assignee": who}))
            if rnd.random() < 0.3:
                at += dt.timedelta(minutes=rnd.randint(5, 300))
                events.append((at, EventType.ASKED, who, {}))
                at += dt.timedelta(minutes=rnd.randint(5, 2000))
                events.append((at, EventType.CLIENT_REPLIED, None, {}))
            status = Status.IN_PROGRESS
            rating = None
            closed_at = None
            if i < open_from:
                at += dt.timedelta(minutes=rnd.randint(10, 2500))
                events.append((at, EventType.RESOLVED, who, {}))
                if rnd.random() < 0.1:
                    at += dt.timedelta(minutes=rnd.randint(10, 600))
                    events.append((at, EventType.REOPENED, None, {}))
                    at += dt.timedelta(minutes=rnd.randint(10, 600))
                    events.append((at, EventType.RESOLVED, who, {}))
                at += dt.timedelta(minutes=rnd.randint(10, 3000))
                if rnd.random() < 0.7:
                    rating = rnd.choices([1, 2, 3, 4, 5], [2, 3, 10, 30, 55])[0]
                    events.append((at, EventType.EVALUATED, None, {"rating": rating}))
                    events.append((at, EventType.CLOSED, None, {}))
                else:
                    events.append((at, EventType.CLOSED, None, {"reason": "auto_close"}))
                status = Status.CLOSED
                closed_at = at
            events.append((at, EventType.MESSAGE, who, {"kind": "answer"}))
            frozen = None
            if closed_at is not None:
                sla = compute_sla(
                    level,
                    closed_at,
                    clock_event_rows((e[0], e[1], e[3]) for e in events),
                    calendar=cal,
                    regulation=regulation,
                )
                frozen = freeze(sla)
            tickets.append(
                Ticket(
                    number=f"B-{i:07d}",
                    subject="bench",
                    channel=rnd.choice(CHANNELS),
                    category=rnd.choice(CATEGORIES),
                    level=level,
                    status=status,
                    registered_at=reg,
                    organisation_name=f"ООО «Клиент {rnd.randrange(400)}»",
                    configuration_name=rnd.choice(CONFIGS),
                    version=f"3.0.{rnd.randint(30, 40)}.1",
                    assignee_id=who,
                    rating=rating,
                    rating_comment="плохо" if rating and rating <= 2 else "",
                    closed_at=closed_at,
                    regulation_version=regulation.version,
                    sla_targets=regulation.targets(),
                    sla_frozen=frozen,
                )
            )
            plans.append(events)
        with transaction.atomic():
            made = Ticket.objects.bulk_create(tickets)
            TicketEvent.objects.bulk_create(
                [
                    TicketEvent(ticket_id=t.pk, at=at, type=kind, author_id=author, data=data)
                    for t, events in zip(made, plans, strict=True)
                    for at, kind, author, data in events
                ],
                batch_size=5000,
            )
        print(f"  {chunk_start + len(tickets)} tickets ({time.perf_counter() - started:.0f} s)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


class Timing:
    """Best-of-passes wall time, CPU time of this process and its children, and CPU time of
    this connection's database backend, each the minimum over the passes."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.db: list[float] = []

    def __str__(self) -> str:
        db = f"{min(self.db):5.2f}" if self.db else "   —"
        return (
            f"{min(self.wall):6.2f} s wall (median {statistics.median(self.wall):5.2f})"
            f"  {min(self.cpu):5.2f} s CPU  {db} s DB CPU"
        )


def _cpu() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _backend_cpu() -> float | None:
    """CPU seconds of the PostgreSQL backend of this connection (a local server only)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # Fields 14 and 15 of proc(5), utime and stime, in clock ticks (counted after the name).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def best(
    run: Callable[[], object], passes: int, before: Callable[[], object] = lambda: None
) -> Timing:
    timing = Timing()
    for _ in range(passes):
        before()
        db = _backend_cpu()
        cpu = _cpu()
        started = time.perf_counter()
        run()
        timing.wall.append(time.perf_counter() - started)
        timing.cpu.append(_cpu() - cpu)
        db_after = _backend_cpu()
        if db is not None and db_after is not None:
            timing.db.append(db_after - db)
    return timing


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--month", type=int, default=5_000)
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("set DATABASE_URL to a PostgreSQL database of its own (hreports_scale)")
    call_command("migrate", verbosity=0)
    have = Ticket.objects.filter(number__startswith="B-").count()
    if have != args.tickets:
        print(f"generating {args.tickets} tickets ({args.month} in November {YEAR})…")
        TicketEvent.objects.filter(ticket__number__startswith="B-").delete()
        Ticket.objects.filter(number__startswith="B-").delete()
        generate(args.tickets, args.month)
    events = TicketEvent.objects.count()
    print(f"database: {Ticket.objects.count()} tickets, {events} events")

    import time_machine

    boss = User.objects.get(username="bench-boss")
    with time_machine.travel(NOW, tick=True):
        http = Client()
        http.force_login(boss)
        from supportline.api.models import ApiToken

        _, raw = ApiToken.issue(boss)

        def forget() -> None:
            ReportSnapshot.objects.all().delete()

        def page(first: str, last: str) -> Callable[[], object]:
            def run() -> object:
                response = http.get("/desk/reports/", {"from": first, "to": last})
                assert response.status_code == 200, response.status_code
                return response

            return run

        # Warm the process (templates, URL resolver, translations, calendar) on a small period.
        page("2025-12-30", "2025-12-31")()
        month = best(page("2025-11-01", "2025-11-30"), args.passes, forget)
        month_kept = best(page("2025-11-01", "2025-11-30"), args.passes)
        year = best(page("2025-01-01", "2025-12-31"), args.passes, forget)
        text = rules.regulation()
        from importlib import resources

        shipped = resources.files("supportline.regulation").joinpath("1c-crm.toml").read_text()
        draft = parse_regulation(
            shipped.replace(
                "reaction_minutes = 480      # 8 working hours", "reaction_minutes = 240", 1
            )
        )
        del text
        replay = best(
            lambda: what_if(draft, Period(dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31))),
            args.passes,
            forget,
        )

        def api() -> object:
            response = http.get(
                "/api/v1/reports/sla",
                {"from": "2025-01-01", "to": "2025-12-31"},
                HTTP_AUTHORIZATION=f"Bearer {raw}",
            )
            assert response.status_code == 200
            return response

        api_year = best(api, args.passes, forget)
    print(f"best of {args.passes} passes; load average {os.getloadavg()[0]:.1f}")
    print(f"month page ({args.month} tickets, computed):   {month}   (target < 1 s)")
    print(f"month page (closed month, kept snapshot): {month_kept}")
    print(f"year page ({args.tickets} tickets):          {year}   (target < 10 s)")
    print(f"what-if replay of the year:                {replay}   (target < 10 s)")
    print(f"GET /api/v1/reports/sla, the year:         {api_year}")


if __name__ == "__main__":
    main()
