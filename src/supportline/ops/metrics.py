"""The Prometheus `/metrics` endpoint (text exposition format, prometheus-client).

Two kinds of figures:

- request metrics, counted by `MetricsMiddleware` in the process that served the request. With
  several gunicorn workers set `PROMETHEUS_MULTIPROC_DIR` (an empty folder, wiped at each start
  of the web service) before the processes start: each process then writes its counts there and
  a scrape of any process adds up all of them (prometheus-client's multiprocess mode);
- figures of the line (jobs, tickets, SLA, mail, workers), counted from the database at scrape
  time, so every process answers the same whatever served the scrape.

Off (404) unless `METRICS_TOKEN` (a Bearer token) or `METRICS_ALLOWED_IPS` (addresses or
networks) is set; when both are set, a scrape must satisfy both.
"""

from __future__ import annotations

import datetime as dt
import hmac
import ipaddress
import os
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import Count, Min, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

# The classic text format every Prometheus version reads (what generate_latest writes).
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector

# Not registered anywhere at import: each scrape builds its registry (see `registry`).
REQUESTS = Counter(
    "supportline_http_requests",
    "HTTP requests served, by method, route name and status",
    ["method", "route", "status"],
    registry=None,
)
LATENCY = Histogram(
    "supportline_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, route name and status",
    ["method", "route", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=None,
)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_name(request: HttpRequest) -> str:
    """The URL pattern's name (`api:ticket_detail`, `portal:ticket`), never the raw path: one
    series per route, whatever ticket numbers are in the URLs. Unresolved paths (404s, static
    files) share one name."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or match.route or "unnamed"


def observe_request(request: HttpRequest, status: int, seconds: float) -> None:
    method = request.method if request.method in METHODS else "other"
    labels = (method, route_name(request), str(status))
    REQUESTS.labels(*labels).inc()
    LATENCY.labels(*labels).observe(seconds)


# ---------------------------------------------------------------- figures from the database


def _lag(oldest: dt.datetime | None, now: dt.datetime) -> float:
    return max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


class LineCollector(Collector):
    """Jobs, tickets, SLA, mail and workers, counted from the database at scrape time."""

    def collect(self) -> Iterator[Metric]:
        from supportline.core import rules
        from supportline.jobs.models import Job, WorkerHeartbeat
        from supportline.mail.models import InboundMail, SentMail
        from supportline.ops.ready import worker_stale_after
        from supportline.tickets.models import FINAL_STATUSES, SlaState, Ticket

        now = timezone.now()

        pending = GaugeMetricFamily(
            "supportline_jobs_pending",
            "Jobs waiting to run (due or later), by kind",
            labels=["kind"],
        )
        due = GaugeMetricFamily(
            "supportline_jobs_due", "Pending jobs whose time has come, by kind", labels=["kind"]
        )
        lag = GaugeMetricFamily(
            "supportline_jobs_oldest_due_lag_seconds",
            "How long the oldest due job has been waiting, by kind (0: none due)",
            labels=["kind"],
        )
        failed = GaugeMetricFamily(
            "supportline_jobs_failed",
            "Jobs that failed for good (kept until pruned), by kind",
            labels=["kind"],
        )
        rows = (
            Job.objects.filter(state__in=[Job.State.PENDING, Job.State.FAILED])
            .values("kind")
            .annotate(
                pending=Count("id", filter=Q(state=Job.State.PENDING)),
                due=Count("id", filter=Q(state=Job.State.PENDING, run_at__lte=now)),
                failed=Count("id", filter=Q(state=Job.State.FAILED)),
                oldest=Min("run_at", filter=Q(state=Job.State.PENDING, run_at__lte=now)),
            )
            .order_by("kind")
        )
        for row in rows:
            pending.add_metric([row["kind"]], row["pending"])
            due.add_metric([row["kind"]], row["due"])
            failed.add_metric([row["kind"]], row["failed"])
            lag.add_metric([row["kind"]], _lag(row["oldest"], now))
        yield from (pending, due, lag, failed)

        open_tickets = Ticket.objects.exclude(status__in=FINAL_STATUSES)
        by_level = dict(open_tickets.values_list("level").annotate(n=Count("id")).order_by("level"))
        gauge = GaugeMetricFamily(
            "supportline_tickets_open", "Open tickets, by support level", labels=["level"]
        )
        for level in rules.regulation().level_ids:
            gauge.add_metric([level], by_level.get(level, 0))
        yield gauge

        # From the stored SLA columns (tickets.clock.store_sla), as the desk's overview reads
        # them: breached = a clock marked breached or running past its due instant; at risk =
        # past the warning instant and not breached.
        breached_q = (
            Q(reaction_state=SlaState.BREACHED)
            | Q(resolution_state=SlaState.BREACHED)
            | Q(reaction_state=SlaState.RUNNING, reaction_due_at__lt=now)
            | Q(resolution_state=SlaState.RUNNING, resolution_due_at__lt=now)
        )
        sla = open_tickets.aggregate(
            breached=Count("id", filter=breached_q),
            at_risk=Count("id", filter=Q(sla_warn_at__lte=now) & ~breached_q),
        )
        gauge = GaugeMetricFamily(
            "supportline_sla_tickets",
            "Open tickets by SLA state (at_risk, breached)",
            labels=["state"],
        )
        gauge.add_metric(["at_risk"], sla["at_risk"])
        gauge.add_metric(["breached"], sla["breached"])
        yield gauge

        received = CounterMetricFamily(
            "supportline_mail_received",
            "Messages fetched from the mailboxes, by mailbox and processing state",
            labels=["mailbox", "state"],
        )
        for mailbox, state, n in (
            InboundMail.objects.values_list("mailbox", "state")
            .annotate(n=Count("id"))
            .order_by("mailbox", "state")
        ):
            received.add_metric([mailbox, state], n)
        yield received
        sent = CounterMetricFamily(
            "supportline_mail_sent",
            "Ticket messages delivered to the SMTP server, by kind",
            labels=["kind"],
        )
        for kind, n in (
            SentMail.objects.values_list("kind").annotate(n=Count("id")).order_by("kind")
        ):
            sent.add_metric([kind], n)
        yield sent

        alive = WorkerHeartbeat.objects.filter(beat_at__gte=now - worker_stale_after()).count()
        yield GaugeMetricFamily(
            "supportline_workers_alive", "Workers whose heartbeat is recent", value=alive
        )


def registry() -> CollectorRegistry:
    """A registry for one scrape: this process's request metrics (or, in multiprocess mode,
    every process's, from PROMETHEUS_MULTIPROC_DIR) and the line's figures."""
    reg = CollectorRegistry(auto_describe=True)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(reg)  # type: ignore[no-untyped-call]
    else:
        reg.register(REQUESTS)
        reg.register(LATENCY)
    reg.register(LineCollector())
    return reg


def child_exit(server: Any, worker: Any) -> None:
    """gunicorn's `child_exit` hook in multiprocess mode: forget a dead worker's live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


# ---------------------------------------------------------------- access and the view


def _client_allowed(request: HttpRequest, networks: list[Any]) -> bool:
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in networks)


def _token_ok(request: HttpRequest, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode("utf-8"), token.encode("utf-8")
    )


def metrics_view(request: HttpRequest) -> HttpResponse:
    token: str = settings.METRICS_TOKEN
    networks: list[Any] = settings.METRICS_ALLOWED_NETWORKS
    if not token and not networks:
        raise Http404("metrics are off")
    if networks and not _client_allowed(request, networks):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    if token and not _token_ok(request, token):
        response = HttpResponse("unauthorized\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_PLAIN_0_0_4)
