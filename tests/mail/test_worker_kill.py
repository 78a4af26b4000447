"""A worker killed with SIGKILL in the middle of a batch loses no mail and duplicates none.

`supportline worker` runs as a real process against a file SQLite database. The test holds the
database's write lock once a few messages are processed, so the worker is certainly stuck in
the middle of its batch (jobs claimed, not finished), kills it with SIGKILL, lets the dead
worker's leases run out (as the clock would, JOB_LEASE_SECONDS later) and starts another worker.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

MESSAGES = 40
BATCH = 5

MAIL = """\
From: Клиент {n} <client{n}@example.ru>
To: crm-support@example.ru
Subject: Вопрос номер {n}
Message-ID: <kill-test-{n}@example.ru>
Date: Tue, 24 Nov 2026 10:00:00 +0300
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Здравствуйте! Это вопрос номер {n}.
"""


def _env(tmp: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "USE_MAIL_POLLING"}
    }
    return {**env, "SUPPORTLINE_DATA_DIR": str(tmp), "DEBUG": "1", "SUPPORTLINE_TESTING": "1"}


def _count(db: Path, sql: str) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        return int(conn.execute(sql).fetchone()[0])


def _wait(check: object, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError("timed out")


def _grab(lock: sqlite3.Connection) -> None:
    """Take the write lock between two of the worker's transactions. SQLite's own busy
    handler sleeps and would lose every race against a busy worker, so spin."""
    deadline = time.monotonic() + 30
    while True:
        try:
            lock.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise


@pytest.mark.slow
def test_sigkill_in_the_middle_of_a_batch_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    exe = str(Path(sys.executable).with_name("supportline"))
    env = _env(tmp_path)
    db = tmp_path / "supportline.sqlite3"
    subprocess.run([exe, "migrate", "-v", "0"], env=env, check=True, timeout=120)
    files = []
    for n in range(MESSAGES):
        path = tmp_path / f"mail-{n}.eml"
        path.write_bytes(MAIL.format(n=n).replace("\n", "\r\n").encode())
        files.append(str(path))
    subprocess.run(
        [exe, "import-mail", "--mailbox", "line", *files],
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
    )
    assert _count(db, "SELECT count(*) FROM mail_inboundmail") == MESSAGES

    processed = "SELECT count(*) FROM mail_inboundmail WHERE state = 'processed'"
    log = open(tmp_path / "worker-1.log", "wb")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [exe, "worker", "--no-periodic", "--batch", str(BATCH), "--idle", "0.05"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    lock = sqlite3.connect(str(db), timeout=0, isolation_level=None)
    try:
        _wait(lambda: _count(db, processed) >= 1)
        for _ in range(500):
            # Holding the write lock freezes the database: the worker's next write waits.
            _grab(lock)
            claimed = lock.execute(
                "SELECT count(*) FROM jobs_job WHERE state = 'running' AND kind = ?",
                ["mail.process_inbound"],
            ).fetchone()[0]
            done = lock.execute(processed).fetchone()[0]
            if claimed and done < MESSAGES - BATCH:
                break  # it holds a claimed batch it cannot finish, with more to come
            lock.execute("ROLLBACK")  # between batches: let it claim the next one
            time.sleep(0.002)
        else:
            raise AssertionError("the worker was never caught in the middle of a batch")
        time.sleep(0.2)
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
        if lock.in_transaction:
            lock.execute("ROLLBACK")
        lock.close()
        log.close()
    assert worker.returncode == -signal.SIGKILL
    done_before = _count(db, processed)
    assert 1 <= done_before < MESSAGES, "the worker must die in the middle of the work"
    assert _count(db, "SELECT count(*) FROM jobs_job WHERE state = 'running'") >= 1

    # The dead worker's leases run out (JOB_LEASE_SECONDS later); another worker takes over.
    with sqlite3.connect(str(db), timeout=30) as conn:
        conn.execute(
            "UPDATE jobs_job SET locked_until = '2000-01-01 00:00:00' WHERE state = 'running'"
        )
    unfinished = "SELECT count(*) FROM jobs_job WHERE state IN ('pending', 'running')"
    for _ in range(10):
        subprocess.run(
            [exe, "worker", "--once", "--no-periodic", "--batch", "200"],
            env=env,
            check=True,
            timeout=120,
            capture_output=True,
        )
        if not _count(db, unfinished):
            break
    assert _count(db, unfinished) == 0
    assert _count(db, "SELECT count(*) FROM jobs_job WHERE state = 'failed'") == 0

    # Every message is exactly one ticket with exactly one client message; nothing twice.
    assert _count(db, processed) == MESSAGES
    assert _count(db, "SELECT count(*) FROM tickets_ticket") == MESSAGES
    per_message = (
        "SELECT count(*) FROM tickets_message WHERE external_id LIKE '<kill-test-%' "
        "GROUP BY external_id HAVING count(*) > 1"
    )
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        assert conn.execute(per_message).fetchall() == []
        ids = {row[0] for row in conn.execute("SELECT external_id FROM tickets_message")}
    assert {f"<kill-test-{n}@example.ru>" for n in range(MESSAGES)} <= ids
    # Each ticket's receipt and question (R1 data missing) recorded as sent exactly once.
    assert _count(db, "SELECT count(*) FROM mail_sentmail") == 2 * MESSAGES
    assert _count(db, "SELECT count(DISTINCT message_id) FROM mail_sentmail") == 2 * MESSAGES
