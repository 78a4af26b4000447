"""Issue 15: drop PostgreSQL's `varchar_pattern_ops` copy of the unique `dedupe_key`.

Django makes such an index (`…_like`) beside every unique CharField on PostgreSQL, for
`LIKE 'prefix%'` lookups. A dedupe key is only ever looked up whole (the unique index serves
that), so this copy was written with every job for nothing: at 3M jobs it was 203 MB. The
reverse makes it again. SQLite never had it."""

from django.db import migrations

NAME = "jobs_job_dedupe_key_b6fac13e_like"


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{NAME}"')


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{NAME}" ON "jobs_job" ("dedupe_key" varchar_pattern_ops)'
        )


class Migration(migrations.Migration):
    dependencies = [("jobs", "0002_worker_heartbeat")]

    operations = [migrations.RunPython(drop, create, elidable=False)]
