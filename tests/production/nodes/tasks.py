"""`test.tick`: a periodic job every TICK seconds that writes one row per run into `node_tick`
(made by the test). The row commits with the job's success record (atomic), so a slot that ran
twice — by two workers, or again after a kill — would show two rows."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from django.db import connection

from supportline.jobs.core import periodic

TICK = dt.timedelta(seconds=2)


@periodic("test.tick", every=TICK, atomic=True)
def tick(payload: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO node_tick (slot, pid) VALUES (%s, %s)", [int(payload["slot"]), os.getpid()]
        )
