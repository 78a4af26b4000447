"""`test.burst`: sleep a little, then write one row per run into `burst_run` (made by the test).

The row commits with the job's success record (atomic), so a run is counted exactly when the
job is recorded done: a run the database restart cut off leaves no row and runs again. Every
start is also appended to the file BURST_STARTS names, to count the runs that were cut off."""

from __future__ import annotations

import os
import time
from typing import Any

from django.db import connection

from supportline.jobs.core import handler


@handler("test.burst", atomic=True)
def burst(payload: dict[str, Any]) -> None:
    with open(os.environ["BURST_STARTS"], "a", encoding="ascii") as starts:
        starts.write(f"{int(payload['n'])}\n")
    time.sleep(float(payload.get("sleep", 0)))
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO burst_run (n, pid) VALUES (%s, %s)", [int(payload["n"]), os.getpid()]
        )
