"""Scale harness (issue 15): fill a PostgreSQL database with N realistic tickets, load the
intake, and probe every page and endpoint of the issue's table. Run by hand, never by CI.

    createdb -h 127.0.0.1 -U postgres scale
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/scale PYTHONPATH=src
    .venv/bin/python bench/scale.py load --tickets 1000000     # migrate + fill (COPY)
    .venv/bin/python bench/scale.py serve &                   # gunicorn on 127.0.0.1:8765
    .venv/bin/python bench/scale.py probe                     # the latency table
    .venv/bin/python bench/scale.py intake --requests 2000    # tickets/s at 1/4/16
    .venv/bin/python bench/scale.py explain                   # the lists' plans

SCALE_PORT (default 8765) and SCALE_STATE (default /tmp/supportline-scale.json) let two
harnesses run side by side on one machine.

Without DATABASE_URL it runs on SQLite (the embedded trial, issue 15 item 7: the file is
$SUPPORTLINE_DATA_DIR/supportline.sqlite3): `load` inserts by executemany in the one
transaction and runs no ANALYZE (the trial never does); `explain` is PostgreSQL's only.

What the loader writes (`load`): the demo line (its people, products, two organisations),
`--orgs` more organisations with valid contracts, and N tickets: most closed (11 events and 4
messages each: registration, request, receipt, assignment, acceptance and its message, answer
and its message, resolution, evaluation, closing), `--open` open ones (registered, accepted,
waiting for the client) registered in the last days, 2 % of all filed by the demo client's
organisation (its own deep list), and a finished outbox job per message the line sent. The
SLA columns and frozen figures are the project's own (`tickets.clock.store_sla` over the
in-memory events); the rows go in by COPY.

`probe` asks the running server over loopback (HTTP/1.1 keep-alive, one connection): median,
p95 and max wall time, the server's CPU per request (utime+stime of the gunicorn workers from
/proc, over all the probe's requests), and the SQL statements of one such request (the same
view run in this process under CaptureQueriesContext). `intake` posts `--requests` tickets at
concurrency 1, 4 and 16 (threads sending one prebuilt request each over a raw socket, so the
generator costs little of the machine) and prints tickets/s, errors, latency and the CPU per
ticket of the web workers, of the database's PostgreSQL backends (from /proc: PostgreSQL must
run on this machine) and of the generator itself.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import http.client
import inspect
import json
import os
import random
import socket
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportline.settings")
os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)
os.environ.setdefault("WEB_ACCESS_LOG", "false")
# The bench's own data folder (collected static files), not the checkout's.
os.environ.setdefault("SUPPORTLINE_DATA_DIR", "/tmp/supportline-scale-data")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Model  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from supportline.accounts.models import Role, User  # noqa: E402
from supportline.api.models import ApiToken  # noqa: E402
from supportline.core.demo import load_demo  # noqa: E402
from supportline.jobs.models import Job  # noqa: E402
from supportline.registry.models import (  # noqa: E402
    Contract,
    Organisation,
    Product,
    RegistrationNumber,
)
from supportline.tickets import clock  # noqa: E402
from supportline.tickets.models import (  # noqa: E402
    EventType,
    Message,
    Status,
    Ticket,
    TicketEvent,
)

MSK = dt.timezone(dt.timedelta(hours=3))
HOST, PORT = "127.0.0.1", int(os.environ.get("SCALE_PORT", "8765"))
STATE = Path(os.environ.get("SCALE_STATE", "/tmp/supportline-scale.json"))
TICKET = {
    "registration_number": "800123456",
    "organisation": "ООО «Ромашка»",
    "configuration": "1С:CRM ПРОФ, редакция 3.0",
    "version": "3.0.36.12",
    "subject": "Не формируется отчёт по воронке продаж",
    "body": "При формировании отчёта «Воронка продаж» программа выдаёт ошибку. " * 3,
}


# ---------------------------------------------------------------- load


def inn10(n: int) -> str:
    """A valid 10-digit organisation INN (check digit by the official weights)."""
    digits = [int(c) for c in f"{77_0000_000 + n:09d}"[:9]]
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    check = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11 % 10
    return "".join(map(str, digits)) + str(check)


def working_instant(rng: random.Random, start: dt.datetime, days: int) -> dt.datetime:
    """A weekday instant between 09:00 and 17:00 Moscow time in the `days` after `start`."""
    while True:
        day = start + dt.timedelta(days=rng.randrange(days))
        if day.weekday() < 5:
            return day.replace(hour=9, minute=0, second=0, microsecond=0) + dt.timedelta(
                minutes=rng.randrange(8 * 60)
            )


def row(obj: Model, columns: list[Any]) -> tuple[Any, ...]:
    out = []
    for f in columns:
        value = getattr(obj, f.attname)
        if f.get_internal_type() == "JSONField":
            value = None if value is None else json.dumps(value, ensure_ascii=False)
        out.append(value)
    return tuple(out)


def contract_kinds() -> list[tuple[str, str]]:
    """The regulation's contract kinds (the code before issue 13's regulation: the enum)."""
    from supportline.registry import models as registry

    kinds = getattr(registry, "contract_kinds", None)
    if kinds is not None:
        return list(kinds())
    return list(registry.Contract.Kind.choices)  # type: ignore[attr-defined]


def store_sla(ticket: Ticket, *, now: dt.datetime, events: list[Any]) -> None:
    """The project's own SLA figures from in-memory events; the code before issue 15 has no
    `events` argument to `store_sla`, so its `ticket_sla` is handed them for the call."""
    if "events" in inspect.signature(clock.store_sla).parameters:
        clock.store_sla(ticket, now=now, events=events)
        return
    original = clock.ticket_sla

    def with_events(t: Ticket, *, now: dt.datetime) -> Any:
        return original(t, now=now, events=events)

    clock.ticket_sla = with_events  # type: ignore[assignment]
    try:
        clock.store_sla(ticket, now=now)  # type: ignore[call-arg]
    finally:
        clock.ticket_sla = original


def sqlite_value(value: Any) -> Any:
    """A value as Django stores it in SQLite (aware datetimes as naive UTC text)."""
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


class Copier:
    """COPY rows into one table, in chunks: model instances (`add`) or plain tuples in the
    order of `columns` (`add_row`, the fast path of the events, messages and jobs). On
    SQLite (the embedded trial) the chunks go in by executemany instead."""

    def __init__(self, model: type[Model], columns: list[str] | None = None) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.columns = columns or [f.column for f in self.fields]
        self.rows: list[tuple[Any, ...]] = []
        self.total = 0

    def add(self, obj: Model) -> None:
        self.add_row(row(obj, self.fields))

    def add_row(self, values: tuple[Any, ...]) -> None:
        self.rows.append(values)
        if len(self.rows) >= 50_000:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        names = ", ".join(f'"{c}"' for c in self.columns)
        if connection.vendor == "sqlite":
            self.insert_many(names)
            return
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own cursor (Django's wrapper has no copy())
            with raw.copy(f'COPY "{self.model._meta.db_table}" ({names}) FROM STDIN') as copy:
                for r in self.rows:
                    copy.write_row(r)
        self.total += len(self.rows)
        self.rows = []

    def insert_many(self, names: str) -> None:
        marks = ", ".join("%s" for _ in self.columns)
        sql = f'INSERT INTO "{self.model._meta.db_table}" ({names}) VALUES ({marks})'
        with connection.cursor() as cursor:
            cursor.executemany(sql, [tuple(map(sqlite_value, r)) for r in self.rows])
        self.total += len(self.rows)
        self.rows = []


EVENT_COLUMNS = ["id", "ticket_id", "at", "type", "author_id", "data"]
MESSAGE_COLUMNS = [
    "id", "ticket_id", "at", "author_id", "author_kind", "purpose", "channel", "body",
    "external_id",
]  # fmt: skip
JOB_COLUMNS = [
    "id", "kind", "payload", "state", "run_at", "attempts", "max_attempts", "dedupe_key",
    "locked_by", "locked_until", "last_error", "created_at", "finished_at", "duration_ms",
]  # fmt: skip


def next_id(model: type[Model]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{model._meta.db_table}"')
        return int(cursor.fetchone()[0])


def set_sequences(*models: type[Model]) -> None:
    if connection.vendor == "sqlite":
        return  # AUTOINCREMENT keeps the largest id ever inserted, explicit ones included
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
            )


def organisations(count: int, today: dt.date) -> list[Organisation]:
    product = Product.objects.get(name="1С:CRM")
    made = []
    for n in range(count):
        org, _ = Organisation.objects.get_or_create(
            inn=inn10(n), defaults={"name": f"ООО «Клиент {n:04d}»", "email": f"c{n}@example.ru"}
        )
        reg, created = RegistrationNumber.objects.get_or_create(
            number=f"9{n:08d}", defaults={"organisation": org, "product": product}
        )
        if created:
            for kind, _name in contract_kinds():
                Contract.objects.create(
                    registration=reg,
                    kind=kind,
                    valid_from=today - dt.timedelta(days=3650),
                    valid_to=today + dt.timedelta(days=3650),
                )
        made.append(org)
    return made


def load(args: argparse.Namespace) -> None:
    call_command("migrate", verbosity=0)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # The rows are consistent by construction: no foreign-key trigger per row
                # (this needs a superuser, as the bench database's owner is).
                cursor.execute("SET LOCAL session_replication_role = replica")
        # On SQLite the foreign keys are deferred: checked once, at the commit.
        fill(args)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # As autovacuum leaves a live database: statistics, and the visibility map that
            # lets the capped counts read the index alone (right after COPY every page is
            # "not all-visible", and a client's count of 1001 rows read 971 heap pages).
            cursor.execute("VACUUM (ANALYZE)")
    # SQLite: no ANALYZE, as the embedded trial never runs one (its statistics would count
    # the NULLs of merged_into_id/partner_id as one value and turn their lookups into scans).
    tokens = {}
    for username in ("consultant1", "client", "supervisor"):
        _, raw = ApiToken.issue(User.objects.get(username=username))
        tokens[username] = raw
    STATE.write_text(json.dumps({"tokens": tokens}))


def fill(args: argparse.Namespace) -> None:
    started = time.monotonic()
    now = dt.datetime.now(MSK)
    load_demo(today=now.date())
    orgs = organisations(args.orgs, now.date())
    romashka = Organisation.objects.get(inn="7705123452")
    client = User.objects.get(username="client")
    consultants = list(User.objects.filter(role=Role.CONSULTANT))
    rng = random.Random(args.seed)
    tickets = Copier(Ticket)
    events = Copier(TicketEvent, EVENT_COLUMNS)
    messages = Copier(Message, MESSAGE_COLUMNS)
    jobs = Copier(Job, JOB_COLUMNS)
    line_body = "Ответ линии. " * 8
    tid, eid, mid, jid = (next_id(m) for m in (Ticket, TicketEvent, Message, Job))
    history_start = now - dt.timedelta(days=args.years * 365)
    recent = now - dt.timedelta(days=4)
    open_every = max(1, args.tickets // max(1, args.open))
    print(f"loading {args.tickets} tickets …", flush=True)
    for n in range(args.tickets):
        is_open = n % open_every == 0 and n // open_every < args.open
        org = romashka if rng.random() < 0.02 else rng.choice(orgs)
        at = (
            working_instant(rng, recent, 4)
            if is_open
            else working_instant(rng, history_start, args.years * 365 - 7)
        )
        author = client if org is romashka else None
        channel = rng.choice(["api", "portal", "email"])
        ticket = Ticket(
            pk=tid,
            number=f"CRM-{tid:06d}",
            subject=f"Вопрос по отчёту № {n}",
            channel=channel,
            level="standard",
            status=Status.REGISTERED,
            registered_at=at,
            registration_number="800123456",
            organisation_name=org.name,
            configuration_name="1С:CRM ПРОФ, редакция 3.0",
            version="3.0.36.12",
            organisation=org,
            created_by=author,
            contact_email=org.email or "client@example.ru",
            regulation_version="bench",
            sla_targets={
                "operational": [240, 480],
                "standard": [480, 1440],
                "development_request": [480, 2400],
            },
            updated_at=at,
        )
        consultant = rng.choice(consultants)
        shape: list[tuple[str, dt.timedelta, User | None, dict[str, Any], str | None]] = [
            (EventType.REGISTERED, dt.timedelta(), author, {"level": "standard"}, None),
            (EventType.MESSAGE, dt.timedelta(), author, {"kind": "client"}, "request"),
            (EventType.MESSAGE, dt.timedelta(), None, {"kind": "system"}, "receipt"),
        ]
        stage = rng.choice(["registered", "registered", "accepted", "accepted", "waiting"])
        if not is_open or stage != "registered":
            ticket.assignee = consultant
            took = dt.timedelta(minutes=rng.randrange(5, 240))
            shape += [
                (EventType.ASSIGNED, took, consultant, {"assignee": consultant.pk}, None),
                (EventType.ACCEPTED, took, consultant, {}, None),
                (EventType.MESSAGE, took, consultant, {"kind": "line"}, "acceptance"),
            ]
            ticket.status = Status.ACCEPTED
        if is_open and stage == "waiting":
            shape += [
                (EventType.MESSAGE, took, consultant, {"kind": "line"}, "question"),
                (EventType.ASKED, took, consultant, {}, None),
            ]
            ticket.status = Status.WAITING_CLIENT
        if not is_open:
            answered = took + dt.timedelta(minutes=rng.randrange(30, 1200))
            closed = answered + dt.timedelta(days=rng.randrange(1, 4))
            shape += [
                (EventType.ANSWERED, answered, consultant, {}, None),
                (EventType.MESSAGE, answered, consultant, {"kind": "line"}, "answer"),
                (EventType.RESOLVED, answered, consultant, {}, None),
                (EventType.EVALUATED, closed, author, {"rating": 5, "accepted": True}, None),
                (EventType.CLOSED, closed, author, {}, None),
            ]
            ticket.status = Status.CLOSED
            ticket.closed_at = at + closed
            ticket.rating = 5
        made_events: list[Any] = []
        for type_, offset, who, data, purpose in shape:
            when = at + offset
            who_id = who.pk if who is not None else None
            if purpose is not None:
                kind = data["kind"]
                body = TICKET["body"] if kind == "client" else line_body
                author_id = who_id if kind != "system" else None
                messages.add_row((mid, tid, when, author_id, kind, purpose, channel, body, ""))
                data = {"message": mid, **data}
                if kind != "client":
                    done = when + dt.timedelta(seconds=2)
                    jobs.add_row(
                        (jid, "mail.send_message", f'{{"message": {mid}}}', "done", when, 1, 8,
                         f"mail:message:{mid}", "", None, "", when, done, 40)
                    )  # fmt: skip
                    jid += 1
                mid += 1
            events.add_row((eid, tid, when, type_, who_id, json.dumps(data, ensure_ascii=False)))
            # What the clock reads of an event (`tickets.clock.clock_events`).
            made_events.append(SimpleNamespace(at=when, type=type_, data=data))
            eid += 1
        # The project's own SLA figures from the very events written (frozen once closed).
        store_sla(ticket, now=max(now, made_events[-1].at), events=made_events)
        tickets.add(ticket)
        tid += 1
        if n and n % 100_000 == 0:
            print(f"  {n} tickets, {time.monotonic() - started:.0f} s", flush=True)
    for copier in (tickets, messages, events, jobs):
        copier.flush()
    set_sequences(Ticket, TicketEvent, Message, Job)
    print(
        f"loaded {tickets.total} tickets, {events.total} events, {messages.total} messages, "
        f"{jobs.total} jobs in {time.monotonic() - started:.0f} s"
    )


# ---------------------------------------------------------------- server


def serve(args: argparse.Namespace) -> None:
    """gunicorn through `supportline web`: 2 sync workers on loopback, no access log."""
    call_command("collectstatic", "--noinput", verbosity=0)
    env = {
        **os.environ,
        "BIND": f"{HOST}:{PORT}",
        "WEB_CONCURRENCY": str(args.workers),
        "WEB_MAX_REQUESTS": "0",
        "WEB_ACCESS_LOG": "false",
    }
    MASTER.write_text(str(os.getpid()))  # execve keeps the pid: gunicorn's master
    os.execve(sys.executable, [sys.executable, "-m", "supportline", "web"], env)


MASTER = Path(str(STATE) + ".pid")


def worker_pids() -> list[int]:
    """The bench server's gunicorn workers (children of the master `serve` became); never
    another server's on this machine."""
    master = int(MASTER.read_text())
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [master, *map(int, children)]


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


class Http:
    def __init__(self, token: str) -> None:
        self.conn = http.client.HTTPConnection(HOST, PORT, timeout=30)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.cookie = ""

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes, Any]:
        headers = dict(self.headers)
        if self.cookie:
            headers = {"Cookie": self.cookie}
        data = json.dumps(body) if body is not None else None
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        return response.status, response.read(), response


def login(username: str) -> str:
    """A desk session cookie, made in this process (the server shares the database)."""
    client = Client()
    client.force_login(User.objects.get(username=username))
    return f"sessionid={client.cookies['sessionid'].value}"


# ---------------------------------------------------------------- probe


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def sql_count(path: str, *, token: str = "", cookie_user: str = "") -> int:
    client = Client()
    extra = {}
    if cookie_user:
        client.force_login(User.objects.get(username=cookie_user))
    else:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    client.get(path, **extra)  # warm: token last_used_at, caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **extra)
    assert response.status_code == 200, (path, response.status_code)
    return len(queries.captured_queries)


def probe_rows(tokens: dict[str, str]) -> Iterator[tuple[str, str, str, str]]:
    """(label, path, who, kind) for every row of the issue's table."""
    line, client = tokens["consultant1"], tokens["client"]
    yield "desk queue page /desk/", "/desk/", "consultant1", "desk"
    yield "GET /api/v1/queue?limit=25", "/api/v1/queue?limit=25", line, "api"
    yield "GET /api/v1/tickets first page", "/api/v1/tickets", line, "api"
    deep = deep_cursor(line)
    yield "GET /api/v1/tickets deep page (cursor)", f"/api/v1/tickets?cursor={deep}", line, "api"
    deep_own = deep_cursor(client)
    own_path = f"/api/v1/tickets?cursor={deep_own}"
    yield "client's own list, deep page (cursor)", own_path, client, "api"
    number = busiest_ticket()
    yield "GET /api/v1/tickets/{n}, 190 events", f"/api/v1/tickets/{number}", line, "api"
    yield "desk ticket page, 190 events", f"/desk/tickets/{number}/", "consultant1", "desk"


def deep_cursor(token: str) -> str:
    """The cursor of the last page: the oldest visible ticket but 50 (one query here)."""
    from supportline.tickets import access, paging

    user = ApiToken.objects.get(key_hash=_hash(token)).user
    oldest = list(access.visible_tickets(user).order_by("registered_at", "id")[50:51])
    return paging.encode(paging.NEWEST, oldest[0]) if oldest else ""


def _hash(token: str) -> str:
    from supportline.api.models import hash_token

    return hash_token(token)


LONG_SUBJECT = "bench: a ticket with 190 events"


def busiest_ticket() -> str:
    """A ticket with about 190 events, as the issue's row: made once through the actions
    (a consultant's question and the client's answer, in turn)."""
    from supportline.tickets.actions.lifecycle import ticket_ask, ticket_client_reply
    from supportline.tickets.actions.registration import ticket_register
    from supportline.tickets.intake import IntakeData

    found = Ticket.objects.filter(subject=LONG_SUBJECT).first()
    if found is not None:
        return str(found.number)
    client = User.objects.get(username="client")
    consultant = User.objects.get(username="consultant1")
    fields = {k: v for k, v in TICKET.items() if k != "subject"}
    ticket = ticket_register(
        actor=client, channel="api", data=IntakeData(subject=LONG_SUBJECT, **fields)
    )
    while ticket.events.count() < 190:
        ticket = ticket_ask(ticket=ticket, actor=consultant, text="Уточните, пожалуйста, шаги.")
        ticket = ticket_client_reply(
            ticket=ticket, actor=client, text="Шаги такие: …", channel="api"
        )
    return str(ticket.number)


def has_paging() -> bool:
    """Keyset cursors (issue 15); the code before them pages by OFFSET (?page=)."""
    try:
        from supportline.tickets import paging  # noqa: F401
    except ImportError:
        return False
    return True


def offset_rows(tokens: dict[str, str]) -> Iterator[tuple[str, str, str, str]]:
    """`probe_rows` for the code before issue 15: the deep pages are the last OFFSET page."""
    from supportline.tickets import access

    line, client = tokens["consultant1"], tokens["client"]

    def last_page(token: str) -> int:
        user = ApiToken.objects.get(key_hash=_hash(token)).user
        return max(1, (access.visible_tickets(user).count() + 49) // 50)

    yield "desk queue page /desk/", "/desk/", "consultant1", "desk"
    yield "GET /api/v1/queue?limit=25", "/api/v1/queue?limit=25", line, "api"
    yield "GET /api/v1/tickets first page", "/api/v1/tickets", line, "api"
    deep = f"/api/v1/tickets?page={last_page(line)}"
    yield "GET /api/v1/tickets deep page (OFFSET)", deep, line, "api"
    own = f"/api/v1/tickets?page={last_page(client)}"
    yield "client's own list, deep page (OFFSET)", own, client, "api"
    number = busiest_ticket()
    yield "GET /api/v1/tickets/{n}, 190 events", f"/api/v1/tickets/{number}", line, "api"
    yield "desk ticket page, 190 events", f"/desk/tickets/{number}/", "consultant1", "desk"


def probe(args: argparse.Namespace) -> None:
    tokens = json.loads(STATE.read_text())["tokens"]
    pids = worker_pids()
    print(f"server pids {pids}; {args.requests} requests per row; machine: {machine()}")
    print()
    print("| operation | median ms | p95 ms | max ms | CPU ms/request | SQL |")
    print("|---|---|---|---|---|---|")
    for label, path, who, kind in probe_rows(tokens) if has_paging() else offset_rows(tokens):
        if kind == "desk":
            http = Http("")
            http.cookie = login(who)
            queries = sql_count(path, cookie_user=who)
        else:
            http = Http(who)
            queries = sql_count(path, token=who)
        for _ in range(3):  # warm the worker(s)
            http.request("GET", path)
        times = []
        cpu_before = cpu_seconds(pids)
        for _ in range(args.requests):
            t0 = time.perf_counter()
            status, _, _ = http.request("GET", path)
            times.append((time.perf_counter() - t0) * 1000)
            assert status == 200, (path, status)
        cpu = (cpu_seconds(pids) - cpu_before) * 1000 / args.requests
        print(
            f"| {label} | {statistics.median(times):.1f} | {percentile(times, 0.95):.1f} "
            f"| {max(times):.1f} | {cpu:.1f} | {queries} |",
            flush=True,
        )


def machine() -> str:
    cores = os.cpu_count()
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    return f"{cores} cores ({model}), load {os.getloadavg()[0]:.1f}"


# ---------------------------------------------------------------- intake


def intake(args: argparse.Namespace) -> None:
    tokens = json.loads(STATE.read_text())["tokens"]
    token = tokens["client"]
    client = Client()
    body = json.dumps(TICKET)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            "/api/v1/tickets",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
    assert response.status_code == 201, response.content
    print(f"SQL statements per ticket (in process): {len(queries.captured_queries)}")
    pids = worker_pids()
    print(f"server pids {pids}; machine: {machine()}")
    print(
        "| concurrency | tickets | tickets/s | errors | median ms | p95 ms "
        "| web CPU ms/ticket | PostgreSQL CPU ms/ticket | generator CPU ms/ticket |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    request = intake_request(token)
    load_level(request, 2, args.warm // 2)  # the workers' first requests import and build more
    for concurrency in args.concurrency:
        level = load_level(request, concurrency, args.requests // concurrency)
        done = len(level.times)
        print(
            f"| {concurrency} | {done} | {done / level.wall:.0f} | {level.errors} "
            f"| {statistics.median(level.times):.1f} | {percentile(level.times, 0.95):.1f} "
            f"| {level.web * 1000 / done:.1f} | {level.postgres * 1000 / done:.1f} "
            f"| {level.generator * 1000 / done:.1f} |",
            flush=True,
        )


def intake_request(token: str) -> bytes:
    """The whole HTTP request of one ticket, built once: the generator only sends bytes."""
    body = json.dumps(TICKET, ensure_ascii=False).encode()
    head = (
        f"POST /api/v1/tickets HTTP/1.1\r\nHost: {HOST}:{PORT}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def post_raw(sock: socket.socket | None, request: bytes) -> tuple[int, socket.socket | None]:
    """Send one prebuilt request (on `sock` if it is still open, else a new connection) and
    read the answer: its status, and the socket when the server keeps it open."""
    if sock is None:
        sock = socket.create_connection((HOST, PORT), timeout=30)
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the answer's head")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    fields = {}
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        fields[name.strip().lower()] = value.strip().lower()
    length = int(fields.get(b"content-length", b"0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the answer's end")
        rest += chunk
    if fields.get(b"connection") == b"close":
        sock.close()
        return status, None
    return status, sock


def postgres_backends(*mine: int) -> list[int]:
    """The PostgreSQL backends of the web workers (PostgreSQL runs on this machine): the
    client backends of this database but this process's own (`mine` and this thread's).
    None on SQLite: the database runs inside the web workers (their CPU column has it)."""
    if connection.vendor == "sqlite":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid() "
            "AND NOT pid = ANY(%s)",
            [list(mine)],
        )
        return [pid for (pid,) in cursor.fetchall()]


def backend_pid() -> int:
    if connection.vendor == "sqlite":
        return 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


class BackendCpu:
    """CPU seconds of the web workers' PostgreSQL backends over a stretch of time. A worker
    reconnects every CONN_MAX_AGE seconds (a new backend), so the backends are looked up
    again every half second and each one's last reading kept."""

    def __init__(self) -> None:
        self.main = backend_pid()
        self.start = {pid: cpu_seconds([pid]) for pid in postgres_backends(self.main)}
        self.last = dict(self.start)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.watch)
        self.thread.start()

    def sample(self) -> None:
        for pid in postgres_backends(self.main):
            seconds = cpu_seconds([pid])
            if seconds or pid not in self.last:
                self.last[pid] = seconds

    def watch(self) -> None:
        try:
            while not self.stopping.wait(0.5):
                self.sample()
            self.sample()
        finally:
            connection.close()  # this thread's own connection

    def stop(self) -> float:
        self.stopping.set()
        self.thread.join()
        return sum(seconds - self.start.get(pid, 0.0) for pid, seconds in self.last.items())


@dataclasses.dataclass
class Level:
    times: list[float]  # ms
    errors: int
    wall: float  # seconds
    web: float  # CPU seconds of the gunicorn master and workers
    postgres: float  # CPU seconds of the database's backends
    generator: float  # CPU seconds of this process (the load generator)


def load_level(request: bytes, concurrency: int, per_thread: int) -> Level:
    """`concurrency` threads posting `per_thread` prebuilt requests each (raw sockets, kept
    open while the server keeps them): latencies, errors and the CPU of every party."""
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def run() -> None:
        sock: socket.socket | None = None
        mine, failed = [], 0
        for _ in range(per_thread):
            t0 = time.perf_counter()
            try:
                status, sock = post_raw(sock, request)
            except OSError:
                status, sock = 0, None
            mine.append((time.perf_counter() - t0) * 1000)
            failed += status != 201
        with lock:
            times.extend(mine)
            errors[0] += failed

    pids = worker_pids()
    threads = [threading.Thread(target=run) for _ in range(concurrency)]
    backends = BackendCpu()
    web0, gen0 = cpu_seconds(pids), time.process_time()
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return Level(
        times=times,
        errors=errors[0],
        wall=wall,
        web=cpu_seconds(pids) - web0,
        generator=time.process_time() - gen0,
        postgres=backends.stop(),
    )


# ---------------------------------------------------------------- explain


def explain(args: argparse.Namespace) -> None:
    """EXPLAIN ANALYZE of each list's query, as the views build them."""
    from supportline.api.views import WORKING
    from supportline.tickets import access, paging
    from supportline.tickets.actions.sla import overdue_tickets

    line = User.objects.get(username="consultant1")
    client = User.objects.get(username="client")
    now = dt.datetime.now(MSK)
    deep = deep_cursor(json.loads(STATE.read_text())["tokens"]["client"])
    queries: dict[str, Callable[[], Any]] = {
        "queue": lambda: paging.after(
            Ticket.objects.filter(status__in=WORKING), paging.QUEUE, None
        )[:26],
        "tickets, first page": lambda: paging.after(
            access.visible_tickets(line), paging.NEWEST, None
        )[:51],
        "client's list, deep page": lambda: paging.after(
            access.visible_tickets(client), paging.NEWEST, deep
        )[:51],
        "capped count": lambda: access.visible_tickets(line).order_by()[:1001],
        "SLA scan": lambda: overdue_tickets(now),
    }
    for name, make in queries.items():
        print(f"-- {name}")
        print(make().explain(analyze=True))
        print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("load")
    p.add_argument("--tickets", type=int, default=100_000)
    p.add_argument("--open", type=int, default=3000)
    p.add_argument("--orgs", type=int, default=200)
    p.add_argument("--years", type=int, default=5)
    p.add_argument("--seed", type=int, default=15)
    p.set_defaults(fn=load)
    p = sub.add_parser("serve")
    p.add_argument("--workers", type=int, default=2)
    p.set_defaults(fn=serve)
    p = sub.add_parser("probe")
    p.add_argument("--requests", type=int, default=200)
    p.set_defaults(fn=probe)
    p = sub.add_parser("intake")
    p.add_argument("--requests", type=int, default=1600)
    p.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    p.add_argument("--warm", type=int, default=100, help="tickets posted before measuring")
    p.set_defaults(fn=intake)
    p = sub.add_parser("explain")
    p.set_defaults(fn=explain)
    args = parser.parse_args()
    if connection.vendor not in {"postgresql", "sqlite"}:
        sys.exit("set DATABASE_URL to a PostgreSQL database of its own (see the docstring)")
    if connection.vendor == "sqlite" and args.command == "explain":
        sys.exit("explain reads PostgreSQL's EXPLAIN ANALYZE; it has no SQLite form here")
    args.fn(args)


if __name__ == "__main__":
    main()
