"""CPU time of a few pages in this process (issue 15 item 7, the embedded trial): each page is
asked `N` times (default 40) through django.test.Client after 3 warm-up requests; prints the
median and the least `time.process_time` per request. Run by hand, never by CI.

    export SUPPORTLINE_DATA_DIR=/tmp/trial PYTHONPATH=src      # no DATABASE_URL: SQLite
    .venv/bin/supportline migrate && .venv/bin/supportline demo   # or bench/scale.py load
    .venv/bin/python bench/trial_pages.py "consultant1 /desk/" "consultant1 /desk/tickets/{big}/" \
        "client /portal/" "api:consultant1 /api/v1/queue?limit=25"

A page is "USER PATH": a desk or portal session of USER, or "api:USER" for a bearer token of
USER from SCALE_STATE (what `bench/scale.py load` wrote). `{big}` in a path is the number of
the ticket with the most events (the harness's 190-event ticket once `probe` made it).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "supportline.settings")
os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 60)

import django

django.setup()

from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402

from supportline.accounts.models import User  # noqa: E402
from supportline.tickets.models import Ticket  # noqa: E402


def busiest() -> str:
    ticket = Ticket.objects.annotate(n=Count("events")).order_by("-n", "id").first()
    return ticket.number if ticket is not None else ""


def main() -> None:
    count = int(os.environ.get("N", "40"))
    state = Path(os.environ.get("SCALE_STATE", "/nonexistent"))
    tokens = json.loads(state.read_text())["tokens"] if state.exists() else {}
    big = busiest()
    print("| page | CPU ms median | CPU ms least |")
    print("|---|---|---|")
    for spec in sys.argv[1:]:
        who, path = spec.split(" ", 1)
        path = path.replace("{big}", big)
        client = Client()
        extra = {}
        if who.startswith("api:"):
            extra["HTTP_AUTHORIZATION"] = f"Bearer {tokens[who[4:]]}"
        else:
            client.force_login(User.objects.get(username=who))
        for _ in range(3):
            response = client.get(path, **extra)
            assert response.status_code == 200, (path, response.status_code)
        times = []
        for _ in range(count):
            t0 = time.process_time()
            client.get(path, **extra)
            times.append((time.process_time() - t0) * 1000)
        print(f"| {who} {path} | {statistics.median(times):.1f} | {min(times):.1f} |", flush=True)


if __name__ == "__main__":
    main()
