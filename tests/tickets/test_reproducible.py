"""R21: figures are reproducible — a ticket keeps the regulation version and the targets in force
at its registration, and a finished ticket's SLA figures are frozen when it finishes, so changing
the regulation or the calendar never rewrites history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine

import supportline.regulation
from supportline.core import rules
from supportline.registry.models import CalendarOverride
from supportline.regulation import default_regulation, parse_regulation
from supportline.sla import compute_sla
from supportline.sla.frozen import freeze, thaw
from supportline.tickets.models import Ticket
from supportline.worktime import default_calendar
from tests.tickets.conftest import Line, msk

SHIPPED = Path(supportline.regulation.__file__).parent / "1c-crm.toml"


def _move(clock: time_machine.Coordinates, to: dt.datetime) -> None:
    clock.move_to(to)


@pytest.fixture
def other_regulation(settings: Any, tmp_path: Path) -> Iterator[Path]:
    """The shipped regulation with the standard level's reaction target cut from 8 h to 1 h."""
    text = SHIPPED.read_text(encoding="utf-8")
    marker = 'id = "standard"'
    head, tail = text.split(marker, 1)
    tail = tail.replace("reaction_minutes = 480", "reaction_minutes = 60", 1)
    path = tmp_path / "stricter.toml"
    path.write_text(head + marker + tail, encoding="utf-8")
    yield path
    rules.regulation.cache_clear()


def _use(settings: Any, path: Path) -> None:
    settings.REGULATION_FILE = str(path)
    rules.regulation.cache_clear()


def test_r21_a_ticket_records_the_regulation_version_it_was_registered_under(
    line: Line, settings: Any, other_regulation: Path
) -> None:
    first = Ticket.objects.get(number=line.ticket()["number"])
    assert first.regulation_version == rules.regulation().version
    assert first.regulation_version.startswith("sha256:")
    _use(settings, other_regulation)
    second = Ticket.objects.get(number=line.ticket()["number"])
    assert second.regulation_version == rules.regulation().version
    assert second.regulation_version != first.regulation_version


def test_r21_an_open_ticket_keeps_the_targets_of_its_registration(
    line: Line, clock: time_machine.Coordinates, settings: Any, other_regulation: Path
) -> None:
    old = line.ticket()["number"]
    _use(settings, other_regulation)
    new = line.ticket()["number"]
    _move(clock, msk(2026, 11, 24, 12, 0))  # two working hours later, nobody accepted either
    kept = line.consultant.get(f"/tickets/{old}").json()["sla"]["reaction"]
    stricter = line.consultant.get(f"/tickets/{new}").json()["sla"]["reaction"]
    assert kept["target_minutes"] == 480
    assert kept["state"] == "running"
    assert stricter["target_minutes"] == 60
    assert stricter["state"] == "breached"


def test_r21_a_closed_breached_ticket_stays_breached_when_the_calendar_changes(
    line: Line, clock: time_machine.Coordinates
) -> None:
    number = line.ticket()["number"]  # Tue 24.11 10:00; reaction target 8 working hours
    _move(clock, msk(2026, 11, 26, 12, 0))  # accepted Thu 12:00: 8 + 9 + 3 h = breached
    line.consultant.post(f"/tickets/{number}/accept", {})
    line.consultant.post(f"/tickets/{number}/resolve", {"text": "Ответ"})
    closed = line.client.post(f"/tickets/{number}/evaluate", {"accepted": True, "rating": 4})
    assert closed.json()["status"] == "closed"
    before = line.consultant.get(f"/tickets/{number}").json()["sla"]
    assert before["reaction"]["state"] == "breached"

    # The administrator later declares Tuesday and Wednesday days off: counted live, the
    # reaction would now take 3 working hours and read "met".
    for day in (dt.date(2026, 11, 24), dt.date(2026, 11, 25)):
        CalendarOverride.objects.create(date=day, kind="day_off", reason="исправление")
    rules.forget_calendar()
    _move(clock, msk(2026, 11, 30, 12, 0))
    after = line.consultant.get(f"/tickets/{number}").json()["sla"]
    assert after["reaction"]["state"] == "breached"
    assert after == before
    ticket = Ticket.objects.get(number=number)
    assert ticket.reaction_state == "breached"


def test_r21_a_closed_ticket_is_not_rewritten_by_a_new_regulation(
    line: Line, clock: time_machine.Coordinates, settings: Any, other_regulation: Path
) -> None:
    number = line.ticket()["number"]
    _move(clock, msk(2026, 11, 24, 12, 0))
    line.consultant.post(f"/tickets/{number}/accept", {})  # 2 h of 8: met
    line.consultant.post(f"/tickets/{number}/resolve", {"text": "Ответ"})
    line.client.post(f"/tickets/{number}/evaluate", {"accepted": True, "rating": 5})
    before = line.consultant.get(f"/tickets/{number}").json()["sla"]
    _use(settings, other_regulation)
    after = line.consultant.get(f"/tickets/{number}").json()["sla"]
    assert after["reaction"]["state"] == "met" == before["reaction"]["state"]
    assert after == before


def test_r21_frozen_figures_thaw_to_the_same_clocks() -> None:
    regulation = default_regulation()
    calendar = default_calendar()
    registered = msk(2026, 12, 30, 15, 0)  # across the New Year holidays
    events = [
        (registered, "registered", None),
        (msk(2026, 12, 30, 16, 0), "accepted", None),
        (msk(2026, 12, 30, 17, 0), "asked", None),
        (msk(2027, 1, 12, 10, 0), "client_replied", None),
        (msk(2027, 1, 12, 11, 0), "level_changed", "operational"),
        (msk(2027, 1, 13, 9, 30), "resolved", None),
        (msk(2027, 1, 14, 9, 30), "closed", None),
    ]
    sla = compute_sla(
        "standard", msk(2027, 1, 20, 9, 0), events, calendar=calendar, regulation=regulation
    )
    assert thaw(freeze(sla)) == sla


def test_r21_a_regulation_declares_its_version_or_is_named_by_its_text() -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    assert parse_regulation(text).version == parse_regulation(text).version
    changed = text.replace("warning_share = 0.75", "warning_share = 0.8")
    assert parse_regulation(changed).version != parse_regulation(text).version
    declared = text.replace('id = "1c-crm"', 'id = "1c-crm"\nversion = "2026-12"', 1)
    assert parse_regulation(declared).version == "2026-12"
