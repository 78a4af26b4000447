"""/metrics (issue 11 §4): Prometheus text, off unless a token or addresses are set; request
counts and latency by route, and the line's figures counted from the database."""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from supportline.jobs.core import enqueue
from supportline.jobs.heartbeat import beat
from supportline.jobs.models import Job
from supportline.mail.models import InboundMail, SentMail
from supportline.tickets.models import Message, SlaState, Ticket
from tests.ops.conftest import base_env, run_python, settings_module
from tests.tickets.conftest import Line

TOKEN = "metrics-test-token-0123456789"


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found: dict[Any, float], name: str, **labels: str) -> float:
    return found[(name, frozenset(labels.items()))]


def _scrape(client: Client | None = None, **headers: Any) -> Any:
    return (client or Client()).get("/metrics", **headers)


@pytest.mark.django_db
def test_metrics_are_off_unless_a_token_or_addresses_are_set() -> None:
    assert _scrape().status_code == 404


@pytest.mark.django_db
@override_settings(METRICS_TOKEN=TOKEN)
def test_a_scrape_needs_the_bearer_token() -> None:
    assert _scrape().status_code == 401
    assert _scrape().headers["WWW-Authenticate"].startswith("Bearer")
    assert _scrape(HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    response = _scrape(HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert "supportline_tickets_open" in response.content.decode()


@pytest.mark.django_db
@override_settings(METRICS_ALLOWED_NETWORKS=[ipaddress.ip_network("10.1.0.0/16")])
def test_a_scrape_may_be_limited_to_addresses() -> None:
    assert _scrape(REMOTE_ADDR="10.1.2.3").status_code == 200
    assert _scrape(REMOTE_ADDR="10.2.0.1").status_code == 403
    with override_settings(METRICS_TOKEN=TOKEN):  # both set: both must hold
        assert _scrape(REMOTE_ADDR="10.1.2.3").status_code == 401
        ok = _scrape(REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert ok.status_code == 200


@override_settings(METRICS_TOKEN=TOKEN)
def test_the_lines_figures_are_counted_from_the_database(line: Line) -> None:
    now = timezone.now()
    first = line.ticket()["number"]
    second = line.ticket()["number"]
    line.ticket()
    Ticket.objects.filter(number=second).update(level="operational")
    Ticket.objects.filter(number=first).update(
        resolution_state=SlaState.BREACHED, sla_warn_at=now - dt.timedelta(hours=1)
    )
    Ticket.objects.filter(number=second).update(
        sla_warn_at=now - dt.timedelta(minutes=5),
        reaction_state=SlaState.RUNNING,
        reaction_due_at=now + dt.timedelta(hours=1),
    )
    Job.objects.all().delete()
    enqueue("mail.send_message", {"message": 1}, run_at=now - dt.timedelta(seconds=300))
    enqueue("mail.send_message", {"message": 2}, run_at=now + dt.timedelta(hours=1))
    Job.objects.create(kind="connect.send_message", run_at=now, state=Job.State.FAILED)
    InboundMail.objects.create(
        mailbox="line", message_id="<a@x>", raw=b"", received_at=now, state="processed"
    )
    InboundMail.objects.create(
        mailbox="line", message_id="<b@x>", raw=b"", received_at=now, state="quarantined"
    )
    message = Message.objects.filter(ticket__number=first).first()
    assert message is not None
    SentMail.objects.create(message=message, mail_id="<m@x>", kind="receipt", to="a@b", sent_at=now)
    beat("node-a:1", force=True)

    found = samples(_scrape(HTTP_AUTHORIZATION=f"Bearer {TOKEN}").content.decode())
    assert value(found, "supportline_tickets_open", level="standard") == 2
    assert value(found, "supportline_tickets_open", level="operational") == 1
    assert value(found, "supportline_tickets_open", level="development_request") == 0
    assert value(found, "supportline_sla_tickets", state="breached") == 1
    assert value(found, "supportline_sla_tickets", state="at_risk") == 1
    assert value(found, "supportline_jobs_pending", kind="mail.send_message") == 2
    assert value(found, "supportline_jobs_due", kind="mail.send_message") == 1
    lag = value(found, "supportline_jobs_oldest_due_lag_seconds", kind="mail.send_message")
    assert 299 <= lag < 400
    assert value(found, "supportline_jobs_failed", kind="connect.send_message") == 1
    assert value(found, "supportline_mail_received_total", mailbox="line", state="processed") == 1
    assert value(found, "supportline_mail_received_total", mailbox="line", state="quarantined") == 1
    assert value(found, "supportline_mail_sent_total", kind="receipt") == 1
    assert value(found, "supportline_workers_alive") == 1


@pytest.mark.django_db
@override_settings(METRICS_TOKEN=TOKEN)
def test_requests_are_counted_by_route_name_and_status() -> None:
    auth = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}
    before = samples(_scrape(**auth).content.decode())
    key = ("supportline_http_requests_total", "GET", "api:health", "200")
    for _ in range(3):
        assert Client().get("/api/v1/health").status_code == 200
    Client().get("/no/such/page/CRM-000123")
    found = samples(_scrape(**auth).content.decode())

    def key_labels(route: str, status: str) -> frozenset[tuple[str, str]]:
        return frozenset({"method": "GET", "route": route, "status": status}.items())

    def count(data: dict[Any, float], route: str, status: str) -> float:
        return data.get((key[0], key_labels(route, status)), 0.0)

    assert count(found, "api:health", "200") - count(before, "api:health", "200") == 3
    # Unknown paths share one series: URLs never become label values.
    assert count(found, "unmatched", "404") - count(before, "unmatched", "404") >= 1
    assert not any("CRM-000123" in str(labels) for _, labels in found)
    # The latency histogram of the same series (other tests in this process may have added
    # other series of the route, such as a 503 of the readiness check: compare this one).
    duration = ("supportline_http_request_duration_seconds_count", key_labels("api:health", "200"))
    assert found.get(duration, 0.0) - before.get(duration, 0.0) == 3


SERVE = (
    "import django, sys; django.setup()\n"
    "from django.test import Client\n"
    "for _ in range(int(sys.argv[1])):\n"
    "    assert Client().get('/api/v1/health').status_code == 200\n"
    "if sys.argv[2] == 'scrape':\n"
    "    r = Client().get('/metrics', HTTP_AUTHORIZATION='Bearer ' + sys.argv[3])\n"
    "    print(r.content.decode())\n"
)


@pytest.mark.django_db(transaction=True)
def test_several_processes_add_up_in_multiprocess_mode(tmp_path: Path) -> None:
    """What gunicorn's workers do with PROMETHEUS_MULTIPROC_DIR: each counts its own requests,
    and a scrape of any of them sees the sum."""
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = base_env(
        SECRET_KEY="x" * 50,
        SUPPORTLINE_DATA_DIR=str(tmp_path),
        PROMETHEUS_MULTIPROC_DIR=str(shared),
        METRICS_TOKEN=TOKEN,
    )
    env.update(settings_module(tmp_path, connection.settings_dict))
    env["PYTHONPATH"] = f"{tmp_path}:{base_env()['PYTHONPATH']}"
    assert run_python(SERVE, env, "2", "serve").returncode == 0
    assert run_python(SERVE, env, "3", "serve").returncode == 0
    scrape = run_python(SERVE, env, "1", "scrape", TOKEN)
    assert scrape.returncode == 0, scrape.stderr
    found = samples(scrape.stdout)
    labels = {"method": "GET", "route": "api:health", "status": "200"}
    assert value(found, "supportline_http_requests_total", **labels) == 6
    assert "supportline_tickets_open" in scrape.stdout


def test_a_missing_multiprocess_folder_stops_the_start(tmp_path: Path) -> None:
    env = base_env(
        SECRET_KEY="x" * 50,
        SUPPORTLINE_DATA_DIR=str(tmp_path),
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "not-there"),
    )
    result = run_python("import supportline.settings", env)
    assert result.returncode != 0
    assert (
        "PROMETHEUS_MULTIPROC_DIR=" in result.stderr and "not an existing folder" in result.stderr
    )
