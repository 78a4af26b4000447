"""Issue 15: no index is written on every intake for lookups nobody makes.

PostgreSQL gets a `varchar_pattern_ops` copy (`…_like`) of every indexed text column from
Django, for `LIKE 'prefix%'`; the ticket number, a message's external id and a job's dedupe key
(and a 1C:Connect conversation) are only looked up whole, so those copies are dropped (tickets 0017, jobs 0003) — and the
whole-value lookups still read their ordinary index."""

from __future__ import annotations

import pytest
from django.db import connection

from supportline.jobs.models import Job
from supportline.tickets.models import Message, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

DROPPED = {
    "tickets_ticket": "number",  # and connect_conversation
    "tickets_message": "external_id",
    "jobs_job": "dedupe_key",
}


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no pattern indexes")


def _indexes(table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table])
        return dict(cursor.fetchall())


def test_the_pattern_copies_are_gone_and_the_ordinary_indexes_stay() -> None:
    for table, column in DROPPED.items():
        found = _indexes(table)
        assert not [d for d in found.values() if "varchar_pattern_ops" in d], (table, found)
        assert [d for d in found.values() if f"({column})" in d], (table, found)


def test_whole_value_lookups_still_use_an_index() -> None:
    queries = [
        Ticket.objects.filter(number="2026-000001"),
        Message.objects.filter(external_id__in=["<a@b>", "<c@d>"]),
        Job.objects.filter(dedupe_key="mail:1"),
    ]
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            for queryset in queries:
                sql, params = queryset.query.sql_with_params()
                cursor.execute(f"EXPLAIN {sql}", params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                assert "Index" in plan, plan
        finally:
            cursor.execute("SET enable_seqscan = on")
