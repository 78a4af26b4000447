"""Issue 15: drop PostgreSQL's `varchar_pattern_ops` copies of three indexed text columns.

Django makes such an index (`…_like`) beside every indexed CharField on PostgreSQL, for
`LIKE 'prefix%'` lookups. Nothing looks a ticket number, a 1C:Connect conversation or a message's
external id up by a prefix (exact and `IN` lookups use the ordinary index), so each was written
on every intake for nothing (at 1M tickets: 32, 7 and 26 MB). The reverse makes them again. SQLite never had
them."""

from django.db import migrations

INDEXES = [
    ("tickets_ticket_number_5f958fbb_like", "tickets_ticket", "number"),
    ("tickets_ticket_connect_conversation_4fbb70ac_like", "tickets_ticket", "connect_conversation"),
    ("tickets_message_external_id_b6347007_like", "tickets_message", "external_id"),
]


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}" varchar_pattern_ops)'
        )


class Migration(migrations.Migration):
    dependencies = [("tickets", "0016_list_indexes")]

    operations = [migrations.RunPython(drop, create, elidable=False)]
