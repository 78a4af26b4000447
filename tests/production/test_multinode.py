"""Several nodes, one line (issue 11 §7): two `supportline web` (gunicorn) and two `supportline
worker` processes, each on a data folder of its own, sharing one PostgreSQL database (a fresh
one made by the test), attachments in S3 (moto's server over HTTP) and the cache in Redis.

1. Sign-in: wrong passwords on web A lock the name on web B too (the counter is in Redis).
2. A burst of intake spread over both webs: a client registers a ticket (API, Idempotency-Key)
   on one web, a consultant answers it with a file on the other — every ticket causes two mails
   (the receipt, and the answer that carries the file). Mid-burst one web (gunicorn's master and
   its workers: its whole process group) and one worker are killed with SIGKILL; a request that
   got no answer is sent again to the surviving web (the same Idempotency-Key for a ticket).
3. Then: every acknowledged ticket exists exactly once; every mail of the line was sent once
   (one SentMail row, one captured copy — a kill between the SMTP answer and the record is the
   one documented duplicate, with the same Message-ID) and each answer carries its file, read
   from S3 by whichever worker sent it; no node wrote an attachment to its own disk; each
   periodic slot has one job, run once; /api/v1/ready on the surviving web tells the dead worker
   from the living one.

Mail is captured per worker by Django's file backend in the worker's own data folder.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import http.client
import json
import os
import re
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest

from tests.ops.conftest import (  # noqa: F401 - fixtures: a Redis, moto's S3 server
    ROOT,
    Redis,
    S3Server,
    redis_cache,
    s3,
    s3_endpoint,
)
from tests.production.conftest import (
    EXE,
    HOST,
    HTTPS,
    STRONG_KEY,
    Browser,
    answers,
    environment,
    free_port,
    run,
    wait_for,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

TICKETS = 30  # the burst: tickets, each with a receipt and an answer carrying a file
KILL_AFTER = 14  # acknowledged tickets before one web and one worker are killed
LEASE = 8  # JOB_LEASE_SECONDS: a job the killed worker held runs again this much later
REGISTRATION = {
    "registration_number": "800123456",
    "organisation": "ООО «Ромашка»",
    "configuration": "1С:CRM ПРОФ, редакция 3.0",
    "version": "3.0.36.12",
}
SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # between messages in a file of Django's file backend
MESSAGE_ID = re.compile(r"<msg-(\d+)\.")


@pytest.fixture
def database() -> Iterator[str]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("several nodes share PostgreSQL: this runs in make test's PostgreSQL pass")
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/')}_nodes_{uuid.uuid4().hex[:8]}"
    server = urlunsplit(parts._replace(scheme="postgresql"))
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Node:
    name: str
    process: subprocess.Popen[bytes]
    data: Path
    port: int = 0

    def output(self) -> str:
        return (self.data / f"{self.name}.log").read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL to the node's whole process group (gunicorn's master and its workers)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


def launch(name: str, args: list[str], env: dict[str, str], data: Path) -> Node:
    data.mkdir(parents=True, exist_ok=True)
    with (data / f"{name}.log").open("wb") as log:
        process = subprocess.Popen(
            [EXE, *args], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    return Node(name, process, data)


class Lost(Exception):
    """No answer: the web died under the request."""


def call(
    port: int,
    method: str,
    path: str,
    *,
    token: str,
    body: bytes | None = None,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    send = {"Host": HOST, "X-Forwarded-Proto": "https", **(headers or {})}
    if token:
        send["Authorization"] = f"Bearer {token}"
    if body is not None:
        send["Content-Type"] = content_type
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=send)
        response = conn.getresponse()
        data = response.read()
    except (OSError, http.client.HTTPException) as exc:
        raise Lost(f"{method} {path} on :{port}: {exc!r}") from None
    finally:
        conn.close()
    return response.status, json.loads(data) if data else None


def multipart(name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="files"; filename="{name}"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode() + content
    body += f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="text"\r\n\r\n'.encode()
    body += "Ответ во вложении.".encode() + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def failed_sign_in(port: int, username: str, password: str) -> str:
    """POST the sign-in form on `port`; the page's text (a success is a redirect: "")."""
    browser = Browser(port)
    page = browser.get("/accounts/login/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert csrf, page.text[:500]
    answer = browser.request(
        "POST",
        "/accounts/login/",
        body=urlencode(
            {"csrfmiddlewaretoken": csrf.group(1), "username": username, "password": password}
        ),
        headers={"Origin": f"https://{HOST}", "Referer": f"https://{HOST}/"},
    )
    return "" if answer.status == 302 else answer.text


def captured_mail(folders: list[Path]) -> list[tuple[str, email.message.EmailMessage]]:
    """(worker folder name, message) for every mail the file backends wrote."""
    found = []
    for folder in folders:
        for path in (
            sorted((folder / "outbox").glob("*.log")) if (folder / "outbox").exists() else []
        ):
            for chunk in path.read_bytes().split(SEPARATOR):
                if chunk.strip():
                    parsed = email.message_from_bytes(chunk, policy=email.policy.default)
                    found.append((folder.name, parsed))
    return found  # type: ignore[return-value]


def query(url: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        cursor = conn.execute(sql, args)
        return list(cursor.fetchall()) if cursor.description else []


def test_two_webs_and_two_workers_share_one_line_and_survive_a_kill(
    database: str,
    s3: S3Server,  # noqa: F811 - the fixture imported above
    redis_cache: Redis,  # noqa: F811
    tmp_path: Path,
) -> None:
    started = time.monotonic()
    static = tmp_path / "static"  # built once, like the static files of an image
    common = {
        "SECRET_KEY": STRONG_KEY,
        "DATABASE_URL": database,
        "STATIC_ROOT": str(static),
        "PYTHONPATH": os.pathsep.join(
            p for p in [str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")] if p
        ),
        **HTTPS,
        **s3.env(),
        **redis_cache.env(),
        "JOB_LEASE_SECONDS": str(LEASE),
        "EMAIL_TIMEOUT": "5",
        "CONNECT_TIMEOUT": "5",
        "READY_WORKER_STALE_SECONDS": "20",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "LOG_LEVEL": "WARNING",
    }

    def env(folder: str, **extra: str) -> dict[str, str]:
        return environment(tmp_path / folder, **common, **extra)

    upgraded = run(["upgrade"], env("web-a"))
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    loaded = run(["demo", "--force"], env("web-a"))
    assert loaded.returncode == 0, loaded.stderr
    issued = run(
        [
            "shell",
            "-c",
            "from supportline.accounts.models import User\n"
            "from supportline.api.models import ApiToken\n"
            "for name in ('client', 'consultant1'):\n"
            "    print('token', ApiToken.issue(User.objects.get(username=name))[1])",
        ],
        env("web-a"),
    )
    assert issued.returncode == 0, issued.stderr
    query(database, "CREATE TABLE node_tick (slot bigint NOT NULL, pid integer NOT NULL)")
    client_token, consultant_token = re.findall(r"^token (\S+)$", issued.stdout, re.M)
    prepared = time.monotonic() - started

    nodes: list[Node] = []
    try:
        webs = []
        for folder in ("web-a", "web-b"):
            port = free_port()
            node = launch(
                "web",
                ["web"],
                env(folder, BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="2"),
                tmp_path / folder,
            )
            node.port = port
            nodes.append(node)
            webs.append(node)
        workers = [
            launch(
                "worker",
                ["worker", "--idle", "0.2"],
                env(folder, DJANGO_SETTINGS_MODULE="tests.production.nodes.settings"),
                tmp_path / folder,
            )
            for folder in ("worker-1", "worker-2")
        ]
        nodes += workers
        for web in webs:
            wait_for(
                lambda web=web: answers(web.port) or web.process.poll() is not None,
                60,
                f"{web.data.name} to listen",
            )
            assert web.process.poll() is None, web.output()
        web_a, web_b = webs

        def ready(port: int) -> dict[str, Any]:
            status, body = call(port, "GET", "/api/v1/ready", token="")
            assert status in (200, 503), body
            return dict(body)

        wait_for(lambda: ready(web_b.port)["workers"]["alive"] == 2, 30, "both workers' beats")
        pids = {w["pid"] for w in ready(web_a.port)["workers"]["workers"]}
        assert pids == {w.process.pid for w in workers}

        # 1. The sign-in limit counts across both webs (the counter is in Redis).
        for _ in range(5):
            assert "Неверное имя пользователя или пароль" in failed_sign_in(
                web_a.port, "consultant1", "wrong"
            )
        refused = failed_sign_in(web_b.port, "ｃonsultant1", "consultant-demo")
        assert "Слишком много неудачных попыток входа" in refused
        assert failed_sign_in(web_b.port, "client", "client-demo") == ""  # others sign in

        # 2. The burst, spread over both webs; one web and one worker die in the middle.
        files = {i: f"Файл ответа {i} {uuid.uuid4().hex}\n".encode() * 200 for i in range(TICKETS)}
        acknowledged: dict[int, str] = {}
        retried = Counter[str]()
        lock = threading.Lock()
        killed = threading.Event()

        def alive_port(preferred: Node) -> int:
            return web_a.port if killed.is_set() else preferred.port

        def send(work: Any, preferred: Node, what: str) -> tuple[int, Any]:
            try:
                return work(alive_port(preferred))  # type: ignore[no-any-return]
            except Lost:
                wait_for(killed.is_set, 30, "the kill")
                with lock:
                    retried[what] += 1
                return work(web_a.port)  # type: ignore[no-any-return]

        def one(i: int) -> None:
            first, second = (web_a, web_b) if i % 2 else (web_b, web_a)
            ticket = json.dumps(
                {**REGISTRATION, "subject": f"Узел {i}", "body": f"Вопрос {i} из нагрузки"}
            ).encode()
            status, body = send(
                lambda port: call(
                    port,
                    "POST",
                    "/api/v1/tickets",
                    token=client_token,
                    body=ticket,
                    headers={"Idempotency-Key": f"burst-{i}"},
                ),
                first,
                "ticket",
            )
            assert status == 201, body
            number = body["number"]
            with lock:
                acknowledged[i] = number
                if len(acknowledged) == KILL_AFTER:
                    web_b.kill()
                    workers[0].kill()
                    killed.set()
            upload, kind = multipart(f"ответ-{i}.txt", files[i])
            status, body = send(
                lambda port: call(
                    port,
                    "POST",
                    f"/api/v1/tickets/{number}/attachments",
                    token=consultant_token,
                    body=upload,
                    content_type=kind,
                ),
                second,
                "answer",
            )
            assert status == 200, body

        burst_started = time.monotonic()
        with ThreadPoolExecutor(6) as pool:
            for future in [pool.submit(one, i) for i in range(TICKETS)]:
                future.result()
        burst = time.monotonic() - burst_started
        assert killed.is_set()
        assert web_a.process.poll() is None and workers[1].process.poll() is None

        # Every mail job settles: the dead worker's leases run out and the living one sends.
        def settled() -> bool:
            rows = query(
                database,
                "SELECT count(*) FROM jobs_job WHERE kind = 'mail.send_message' "
                "AND state IN ('pending', 'running')",
            )
            return rows[0][0] == 0

        wait_for(settled, 60, "every mail job done")
        settled_at = time.monotonic() - burst_started

        # 3a. Every acknowledged ticket exists exactly once.
        rows = query(
            database,
            "SELECT number, subject FROM tickets_ticket WHERE subject LIKE 'Узел %%'",
        )
        assert len(acknowledged) == TICKETS
        assert sorted(r[0] for r in rows) == sorted(acknowledged.values())
        assert Counter(r[1] for r in rows) == Counter(f"Узел {i}" for i in range(TICKETS))

        # 3b. Every mail of the line sent once, the answers with their files from S3.
        mailed = query(
            database,
            "SELECT m.id, m.purpose, t.number, "
            "(SELECT count(*) FROM mail_sentmail s WHERE s.message_id = m.id) "
            "FROM tickets_message m JOIN tickets_ticket t ON t.id = m.ticket_id "
            "WHERE t.subject LIKE 'Узел %%' AND m.author_kind <> 'client'",
        )
        purposes = Counter(r[1] for r in mailed)
        assert purposes["receipt"] == TICKETS, mailed
        # An answer sent again after its web died may have been kept by that web too: then the
        # ticket has two answers (two messages, two mails), never a lost one.
        assert TICKETS <= purposes["answer"] <= TICKETS + retried["answer"], mailed
        assert set(purposes) == {"receipt", "answer"}, mailed
        assert all(r[3] == 1 for r in mailed), [r for r in mailed if r[3] != 1]
        mails = captured_mail([tmp_path / "worker-1", tmp_path / "worker-2"])
        by_message: dict[int, list[tuple[str, email.message.EmailMessage]]] = {}
        cut = 0
        burst_numbers = set(acknowledged.values())
        for folder, mail in mails:
            if mail["Message-ID"] is None and folder == "worker-1":
                cut += 1  # a file the killed worker was writing when it died
                continue
            if mail["X-SupportLine-Ticket"] not in burst_numbers:
                continue  # the demo's own tickets and complaints
            found = MESSAGE_ID.match(str(mail["Message-ID"]))
            assert found, mail["Message-ID"]
            by_message.setdefault(int(found.group(1)), []).append((folder, mail))
        expected = {r[0]: r for r in mailed}
        assert set(by_message) == set(expected)
        copies = Counter(len(v) for v in by_message.values())
        twice = [pk for pk, v in by_message.items() if len(v) > 1]
        # The one possible duplicate: the killed worker sent it, and died before its record.
        assert len(twice) <= 1, twice
        for pk in twice:
            assert {folder for folder, _ in by_message[pk]} >= {"worker-1"}
            assert len({str(m["Message-ID"]) for _, m in by_message[pk]}) == 1
        number_of = {number: i for i, number in acknowledged.items()}
        for pk, (_, purpose, number, _) in expected.items():
            mail = by_message[pk][-1][1]
            assert mail["X-SupportLine-Ticket"] == number
            files_in = [
                (part.get_filename(), part.get_content())
                for part in mail.iter_attachments()  # type: ignore[attr-defined]
            ]
            if purpose == "answer":
                content = files_in[0][1]
                assert files_in[0][0] == f"ответ-{number_of[number]}.txt"
                content = content if isinstance(content, bytes) else content.encode()
                assert content == files[number_of[number]]
            else:
                assert files_in == []
        senders = Counter(folder for v in by_message.values() for folder, _ in v)
        # Mail jobs the killed worker had claimed and the living one ran after the lease.
        taken_over = query(
            database,
            "SELECT count(*) FROM jobs_job WHERE kind = 'mail.send_message' AND attempts > 1",
        )[0][0]

        # 3c. Attachments are in S3 only: no node wrote one to its own disk.
        stored = query(database, "SELECT file FROM tickets_attachment")
        keys = set(s3.keys())
        assert {r[0] for r in stored} <= keys
        assert len(stored) >= TICKETS
        for folder in ("web-a", "web-b", "worker-1", "worker-2"):
            assert not (tmp_path / folder / "media").exists(), folder

        # 3d. Periodic work: one job per kind and slot, each run once. `test.tick` (every 2 s,
        # tests/production/nodes) writes a row per run in its job's transaction, so a slot run
        # twice — by both workers, or again after the kill — would show two rows. A slot the
        # killed worker held fails after the lease (max_attempts 1: a crash inside a handler is
        # not retried) and never reruns. (A slot passes unscheduled only while every worker is
        # busy for the whole 2 s with a batch of mail; the minute slots of the SLA scan never.)
        periodic = query(
            database,
            "SELECT kind, dedupe_key, state, attempts, locked_by FROM jobs_job "
            "WHERE dedupe_key LIKE 'periodic:%%'",
        )
        kinds = Counter(r[0] for r in periodic)
        assert {"tickets.sla_scan", "tickets.auto_close", "ops.prune", "test.tick"} <= set(kinds)
        assert all(r[3] <= 1 for r in periodic), periodic
        dead = f":{workers[0].process.pid}"
        for kind, key, state, _, locked_by in periodic:
            if state not in ("done", "pending", "running"):
                assert locked_by.endswith(dead), (kind, key, state, locked_by)

        def slots_of(kind: str) -> dict[int, str]:
            return {int(r[1].rsplit(":", 1)[1]): r[2] for r in periodic if r[0] == kind}

        scans = sorted(slots_of("tickets.sla_scan"))
        assert scans == list(range(scans[0], scans[-1] + 1))  # no minute missed
        ticks = slots_of("test.tick")
        runs = Counter(r[0] for r in query(database, "SELECT slot FROM node_tick"))
        assert set(runs) <= set(ticks)
        assert max(runs.values()) == 1, runs  # no slot ran twice
        lost = [slot for slot, state in ticks.items() if state == "done" and runs[slot] != 1]
        assert lost == [], lost
        assert len(runs) >= 5  # the test lasts long enough for several slots
        cut_ticks = [slot for slot, state in ticks.items() if state == "failed"]
        slots = range(min(ticks), max(ticks) + 1)
        tick_runners = Counter(r[0] for r in query(database, "SELECT pid FROM node_tick"))

        # 3e. The surviving web tells the dead worker from the living one.
        wait_for(lambda: ready(web_a.port)["workers"]["alive"] == 1, 30, "the dead worker stale")
        beats = {w["pid"]: w["alive"] for w in ready(web_a.port)["workers"]["workers"]}
        assert beats == {workers[0].process.pid: False, workers[1].process.pid: True}

        print(
            f"\nmulti-node: prepared in {prepared:.0f} s; burst of {TICKETS} tickets "
            f"({2 * TICKETS} requests) in {burst:.1f} s, mail settled {settled_at:.1f} s after "
            f"its start; retried after the kill {dict(retried)}; mails {len(mails)} for "
            f"{len(expected)} messages (copies {dict(copies)}, cut by the kill {cut}), by worker {dict(senders)}, "
            f"{taken_over} mail jobs taken over after the dead worker's lease; "
            f"periodic jobs {dict(kinds)}; test.tick: {len(runs)} of {len(slots)} slots ran, each "
            f"once, by pid {dict(tick_runners)} (cut by the kill: {len(cut_ticks)}); S3 objects {len(keys)}; "
            f"total {time.monotonic() - started:.0f} s"
        )
    finally:
        for node in nodes:
            node.kill()
