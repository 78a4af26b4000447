"""The embedded database's own index (SQLite, `make run`; issue 15 item 7): the queue's.

The queue (R14), the desk queue and «take next» read the open tickets by `status IN (…)` in
regulation order. PostgreSQL answers that from the partial index `ticket_queue_open`: it
proves the query's status list implies the index's condition. SQLite uses a partial index
only when the query repeats the condition's very terms, and Django binds the statuses as
parameters, so SQLite never uses it: without an index on the status it reads the whole table
for every queue page. This plain index, in the queue's order, is made on SQLite only (a
PostgreSQL line does not maintain it) after every `migrate`: a migration that rebuilds the
table on SQLite drops the indexes the models do not declare, the next `migrate` makes it
again.
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

QUEUE_INDEX = "ticket_queue_sqlite"
QUEUE_INDEX_SQL = (
    f'CREATE INDEX IF NOT EXISTS "{QUEUE_INDEX}" ON "tickets_ticket" '
    '("status", "out_of_turn" DESC, "registered_at", "id")'
)


def ensure_sqlite_indexes(using: str = DEFAULT_DB_ALIAS, **_signal: Any) -> None:
    """Make the SQLite-only indexes (a `post_migrate` receiver; nothing on PostgreSQL)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        if "tickets_ticket" not in connection.introspection.table_names(cursor):
            return  # migrated back before the tickets' table
        cursor.execute(QUEUE_INDEX_SQL)
