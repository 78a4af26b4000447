"""Issue 15 item 7: no regression on SQLite for the embedded trial (`make run`).

SQLite cannot use the queue's partial index (`ticket_queue_open`: it matches a partial index's
condition only against the same literal terms, and the statuses are bound parameters), so the
embedded database has an index of its own (`tickets.sqlite_indexes`). These tests read the
plans SQLite makes for the hot pages' statements, with their real parameters, and fail on a
read of the whole tickets' table. Without ANALYZE (the trial never runs one) the plans do not
depend on how many rows there are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from supportline.tickets.sqlite_indexes import QUEUE_INDEX, ensure_sqlite_indexes
from tests.desk.conftest import Desk
from tests.tickets.conftest import Line

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sqlite_only() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the embedded database's plans (PostgreSQL has its own: bench/scale.py)")


def _ticket_plans(run: Callable[[], Any]) -> list[list[str]]:
    """SQLite's plan of each SELECT of the tickets' table that `run` executes."""
    executed: list[tuple[str, Any]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        executed.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        run()
    plans = []
    for sql, params in executed:
        if sql.startswith("SELECT") and 'FROM "tickets_ticket"' in sql:
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
                plans.append([row[3] for row in cursor.fetchall()])
    assert plans, "no statement read the tickets' table"
    return plans


def _full_scans(plans: list[list[str]]) -> list[list[str]]:
    """The plans that read every row of the tickets' table (in the table's or an index's
    order, without a search term)."""
    return [p for p in plans if any(step.startswith("SCAN tickets_ticket") for step in p)]


def test_the_embedded_database_has_the_queue_index_after_migrate() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name = %s", [QUEUE_INDEX]
        )
        assert cursor.fetchall() == [(QUEUE_INDEX,)]


def test_the_queue_index_is_made_again_if_a_table_rebuild_dropped_it() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DROP INDEX "{QUEUE_INDEX}"')
    ensure_sqlite_indexes()
    ensure_sqlite_indexes()  # again: nothing to do
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = %s", [QUEUE_INDEX])
        assert cursor.fetchone() == (1,)


def test_queue_api_searches_the_open_tickets_by_index(line: Line) -> None:
    for _ in range(3):
        line.ticket()
    plans = _ticket_plans(lambda: line.consultant.get("/queue", limit=25))
    assert not _full_scans(plans), plans
    assert any(f"USING INDEX {QUEUE_INDEX}" in step for p in plans for step in p), plans


def test_desk_queue_searches_the_open_tickets_by_index(desk: Desk) -> None:
    for _ in range(3):
        desk.ticket()
    desk.consultant.get("/desk/")
    plans = _ticket_plans(lambda: desk.consultant.get("/desk/"))
    assert not _full_scans(plans), plans


def test_desk_ticket_page_reads_no_whole_table(desk: Desk) -> None:
    ticket = desk.ticket()
    desk.consultant.get(f"/desk/tickets/{ticket.number}/")
    plans = _ticket_plans(lambda: desk.consultant.get(f"/desk/tickets/{ticket.number}/"))
    assert not _full_scans(plans), plans
