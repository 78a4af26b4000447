"""Workers outlive the database (issue 12 §1), as processes against a real PostgreSQL restart.

The test starts its own throw-away PostgreSQL cluster (initdb/pg_ctl, a free port, a temporary
folder; as the `postgres` user when run as root), migrates it with `supportline migrate`, writes
a burst of JOBS jobs of the test-only kind `test.burst` (tests/jobs/burst) and runs them with
two workers: `supportline worker` and the one `supportline serve` embeds. During the burst the
cluster is restarted (`pg_ctl restart -m fast`), then stopped for OUTAGE seconds and started
again. Then: every job done, each exactly once, both worker processes alive throughout, each
outage logged once (not once per try) and its end too, and both stop cleanly on SIGTERM.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
JOBS = 200
SLEEP = 0.08  # seconds per job: the burst lasts long enough to be cut twice
OUTAGE = 8.0  # seconds the cluster stays down the second time
LEASE = 4  # JOB_LEASE_SECONDS of the workers: a job cut off runs again this much later
STARTED = re.compile(r"Обработчик заданий \S+:(\d+) запущен")


def _binaries() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL's initdb/pg_ctl are needed on CI", pytrace=False)
        pytest.skip("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin)")
    return found[-1].parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """A PostgreSQL cluster of our own in a temporary folder."""

    def __init__(self, bin_dir: Path, folder: Path) -> None:
        self.bin = bin_dir
        self.folder = folder
        self.data = folder / "data"
        self.port = _free_port()
        self.log = folder / "postgres.log"

    def _run(self, tool: str, *args: str, timeout: float = 60) -> None:
        command = [str(self.bin / tool), *args]
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        # Output to a file, not a pipe: the server pg_ctl starts would hold a pipe open.
        with (self.folder / "ctl.log").open("ab") as out:
            subprocess.run(command, check=True, stdout=out, stderr=out, timeout=timeout)

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
            (self.folder / "ctl.log").touch()
            shutil.chown(self.folder / "ctl.log", "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def _ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", *args)

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._ctl("-l", str(self.log), "-o", options, "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "stop")

    def restart(self) -> None:
        self._ctl("-l", str(self.log), "-m", "fast", "restart")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def sql(self, query: str, params: Any = None, *, name: str = "supportline") -> list[Any]:
        with psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{self.port}/{name}", autocommit=True
        ) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    bin_dir = _binaries()
    folder = Path(tempfile.mkdtemp(prefix="supportline-pg-"))  # /tmp: reachable by postgres
    pg = Cluster(bin_dir, folder)
    try:
        pg.init()
        pg.start()
        yield pg
    finally:
        with contextlib.suppress(subprocess.SubprocessError):  # already stopped
            pg.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _env(pg: Cluster, tmp: Path) -> dict[str, str]:
    drop = {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "USE_MAIL_POLLING", "USE_CONNECT"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    path = [str(ROOT / "src"), str(ROOT), *filter(None, [env.get("PYTHONPATH")])]
    return {
        **env,
        "PYTHONPATH": os.pathsep.join(path),
        "DJANGO_SETTINGS_MODULE": "tests.jobs.burst.settings",
        "DATABASE_URL": pg.url("supportline"),
        "SUPPORTLINE_DATA_DIR": str(tmp),
        "SUPPORTLINE_TESTING": "1",
        "DEBUG": "1",
        "LOG_LEVEL": "INFO",
        "JOB_LEASE_SECONDS": str(LEASE),
        "EMAIL_TIMEOUT": "2",
        "CONNECT_TIMEOUT": "2",
        "WORKER_DB_RETRY_MAX_SECONDS": "1",
        "BURST_STARTS": str(tmp / "starts.txt"),
        "PYTHONUNBUFFERED": "1",
    }


def _wait(check: Callable[[], bool], *, timeout: float, every: Callable[[], None]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        every()
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def _done(pg: Cluster) -> int:
    """Jobs recorded done; -1 while the database cannot be reached (during an outage)."""
    try:
        rows = pg.sql("SELECT count(*) FROM jobs_job WHERE kind = 'test.burst' AND state = 'done'")
    except psycopg.OperationalError:
        return -1
    return int(rows[0][0])


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def test_workers_outlive_a_postgresql_restart_and_lose_or_repeat_no_job(
    cluster: Cluster, tmp_path: Path
) -> None:
    began = time.monotonic()
    exe = str(Path(sys.executable).with_name("supportline"))
    env = _env(cluster, tmp_path)
    cluster.sql("CREATE DATABASE supportline", name="postgres")
    subprocess.run([exe, "migrate", "-v", "0"], env=env, check=True, timeout=180)
    cluster.sql("CREATE TABLE burst_run (id serial PRIMARY KEY, n int NOT NULL, pid int NOT NULL)")
    cluster.sql(
        "INSERT INTO jobs_job (kind, payload, state, run_at, attempts, max_attempts,"
        " locked_by, last_error, created_at)"
        " SELECT 'test.burst', jsonb_build_object('n', n, 'sleep', %s::float), 'pending', now(),"
        " 0, 8, '', '', now() FROM generate_series(1, %s) AS n",
        [SLEEP, JOBS],
    )

    worker_log = tmp_path / "worker.log"
    serve_log = tmp_path / "serve.log"
    with worker_log.open("wb") as wout, serve_log.open("wb") as sout:
        worker = subprocess.Popen(
            [exe, "worker", "--no-periodic", "--batch", "5", "--idle", "0.1"],
            env=env,
            stdout=wout,
            stderr=subprocess.STDOUT,
        )
        serve = subprocess.Popen(
            [exe, "serve", f"127.0.0.1:{_free_port()}"],
            env=env,
            stdout=sout,
            stderr=subprocess.STDOUT,
        )
    embedded: list[int] = []

    def watch() -> None:
        assert worker.poll() is None, worker_log.read_text()
        assert serve.poll() is None, serve_log.read_text()
        if not embedded:
            embedded.extend(int(p) for p in STARTED.findall(serve_log.read_text()))
        for pid in embedded:
            assert _alive(pid), f"the embedded worker {pid} ended\n{serve_log.read_text()}"

    try:
        _wait(lambda: _done(cluster) >= JOBS // 5, timeout=60, every=watch)
        assert len(embedded) == 1
        cluster.restart()  # 1: a restart in the middle of the burst
        _wait(lambda: _done(cluster) >= JOBS // 2, timeout=60, every=watch)
        cluster.stop()  # 2: an outage of OUTAGE seconds
        stopped = time.monotonic()
        while time.monotonic() - stopped < OUTAGE:
            watch()
            time.sleep(0.2)
        cluster.start()
        _wait(lambda: _done(cluster) == JOBS, timeout=60, every=watch)
        time.sleep(1)  # anything still running would show up now
        watch()
    finally:
        for process in (worker, serve):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (worker, serve):
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    worker_out, serve_out = worker_log.read_text(), serve_log.read_text()
    assert worker.returncode == 0, worker_out
    assert serve.returncode == 0, serve_out
    assert "остановлен" in worker_out
    assert embedded and not _alive(embedded[0])  # serve stopped its worker too
    assert "ended with code" not in serve_out  # …which never had to be started again
    assert "Traceback" not in worker_out and "Traceback" not in serve_out

    runs = dict(cluster.sql("SELECT n, count(*) FROM burst_run GROUP BY n"))
    lost = [n for n in range(1, JOBS + 1) if n not in runs]
    twice = {n: c for n, c in runs.items() if c > 1}
    states = dict(
        cluster.sql("SELECT state, count(*) FROM jobs_job WHERE kind = 'test.burst' GROUP BY state")
    )
    retried = cluster.sql(
        "SELECT count(*) FROM jobs_job WHERE kind = 'test.burst' AND attempts > 1"
    )[0][0]
    by_worker = dict(cluster.sql("SELECT pid, count(*) FROM burst_run GROUP BY pid"))
    starts = (tmp_path / "starts.txt").read_text().split()
    for out in (worker_out, serve_out):
        down = out.count("database unavailable")
        back = out.count("database is back")
        assert 1 <= down <= 2 and down == back, out  # once per outage, not once per try
    tries = [int(t) for t in re.findall(r"and (\d+) failed tries", worker_out)]
    print(
        f"\n{JOBS} jobs, 2 outages (restart, {OUTAGE:g} s stop): lost {len(lost)}, "
        f"run twice {len(twice)}, retried after a cut {retried}, handler starts {len(starts)}, "
        f"runs per worker {sorted(by_worker.values())}, tries per outage {tries}, "
        f"{time.monotonic() - began:.1f} s"
    )
    assert lost == [] and twice == {}
    assert states == {"done": JOBS}
    assert len(by_worker) == 2  # both workers took part
    assert max(tries) > 1  # the long outage took several tries, logged once
