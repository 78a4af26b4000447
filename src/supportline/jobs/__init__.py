"""Background jobs: a transactional outbox in the database, claimed by `supportline worker`.

    from supportline.jobs.core import enqueue, handler

    @handler("mail.send")
    def send(payload: dict[str, Any]) -> None: ...   # idempotent: may run more than once

    enqueue("mail.send", {"message": 42}, dedupe_key="mail:42")  # inside the cause's transaction

Claiming uses SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL (many workers, many machines) and
SQLite's database-wide write lock for the embedded worker. A claimed job holds a lease; when a
worker dies (SIGKILL), the lease runs out and another worker runs the job again. Before each
handler a conditional update proves the claim is still the worker's (`core.acquire`); a long
handler calls `core.renew_lease()` before each external call. `@handler(kind, atomic=True)`
commits the handler's database work with the job's success record (exactly once). The loop
(`worker.Worker`) waits out a lost database with backoff instead of ending.
"""

from __future__ import annotations
