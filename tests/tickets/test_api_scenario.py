"""scripts/api_scenario.py — the scripted client-and-consultant scenario through the API (issue 5
«checked by») — runs green against a live server."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path
from typing import Any

import pytest

from supportline.accounts.models import User
from supportline.api.models import ApiToken
from supportline.core.demo import load_demo
from supportline.tickets.models import Ticket

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "api_scenario.py"


@pytest.mark.django_db(transaction=True)
def test_r1_r7_r8_r12_r13_api_scenario_script(live_server: Any) -> None:
    load_demo()
    spec = importlib.util.spec_from_file_location("api_scenario", SCRIPT)
    assert spec is not None and spec.loader is not None
    scenario = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scenario)
    _, client = ApiToken.issue(User.objects.get(username="client"))
    _, consultant = ApiToken.issue(User.objects.get(username="consultant1"))
    out = io.StringIO()
    number = scenario.run(live_server.url, client, consultant, out=out)
    ticket = Ticket.objects.get(number=number)
    assert ticket.status == "closed" and ticket.rating == 5
    printed = out.getvalue()
    assert "R1: without the version: HTTP 422" in printed
    assert "client rates 5 (R13): HTTP 200 — closed" in printed
