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
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
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


def best(
    run: Callable[[], object], passes: int, before: Callable[[], object] = lambda: None
) -> float:
    times = []
    for _ in range(passes):
        before()
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


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
        year = best(page("2025-01-01", "2025-12-31"), args.passes)
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
            lambda: what_if(draft, Period(dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31))), args.passes
        )

        def api() -> object:
            response = http.get(
                "/api/v1/reports/sla",
                {"from": "2025-01-01", "to": "2025-12-31"},
                HTTP_AUTHORIZATION=f"Bearer {raw}",
            )
            assert response.status_code == 200
            return response

        api_year = best(api, args.passes)
    print(f"month page ({args.month} tickets, computed):   {month:6.2f} s   (target < 1 s)")
    print(f"month page (closed month, kept snapshot): {month_kept:6.2f} s")
    print(f"year page ({args.tickets} tickets):          {year:6.2f} s   (target < 10 s)")
    print(f"what-if replay of the year:                {replay:6.2f} s   (target < 10 s)")
    print(f"GET /api/v1/reports/sla, the year:         {api_year:6.2f} s")


if __name__ == "__main__":
    main()
