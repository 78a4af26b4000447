"""R7 through the API: a transfer is not an acceptance; the reaction is a person's act.

SPEC R7: the reaction clock stops at the first act of a person of the line that the client sees
(acceptance, a clarifying question, an answer, a resolution, a refusal, a redirection); "a
transfer is not an acceptance". A ticket transferred before anyone accepted it is therefore
transferred unaccepted: no confirmation goes to the client and its reaction clock keeps running
(with the new level's target, counted from registration, R10) until someone acts.
"""

from __future__ import annotations

import time_machine

from supportline.tickets.clock import SLA_EVENT_OF
from supportline.tickets.models import CLOCK_EVENTS, Message, Ticket
from tests.tickets.conftest import Line, msk


def _types(detail: dict[str, object]) -> list[str]:
    return [e["type"] for e in detail["events"] if e["type"] != "message"]  # type: ignore[attr-defined, index]


def test_r7_transfer_of_an_unaccepted_ticket_is_not_an_acceptance(
    line: Line, clock: time_machine.Coordinates
) -> None:
    number = line.ticket()["number"]  # Tue 24.11 10:00
    clock.move_to(msk(2026, 11, 24, 11, 0))
    moved = line.consultant.post(
        f"/tickets/{number}/transfer",
        {"to": "methodologist", "kind": "wish", "reason": "Пожелание по отчёту"},
    )
    assert moved.status_code == 200, moved.content.decode()
    moved = moved.json()
    assert moved["status"] == "transferred"
    assert "accepted" not in _types(moved)
    # No confirmation of acceptance reaches the client.
    ticket = Ticket.objects.get(number=number)
    assert not ticket.messages.filter(purpose=Message.Purpose.ACCEPTANCE).exists()
    # The reaction clock keeps running, now against the Development-request target (R10).
    reaction = moved["sla"]["reaction"]
    assert (reaction["state"], reaction["elapsed_minutes"], reaction["target_minutes"]) == (
        "running",
        60,
        480,
    )
    assert reaction["due_at"] == "2026-11-24T18:00:00+03:00"

    # The methodologist accepts the transferred ticket: that is the reaction; it stays with them.
    clock.move_to(msk(2026, 11, 24, 14, 0))
    accepted = line.methodologist.post(f"/tickets/{number}/accept", {})
    assert accepted.status_code == 200, accepted.content.decode()
    accepted = accepted.json()
    assert accepted["status"] == "transferred"
    assert accepted["sla"]["reaction"]["state"] == "met"
    assert accepted["sla"]["reaction"]["elapsed_minutes"] == 4 * 60
    assert "принято к обслуживанию" in accepted["messages"][-1]["body"]
    # Accepted once: a second acceptance is refused.
    assert line.methodologist.post(f"/tickets/{number}/accept", {}).status_code == 409


def test_r7_an_answer_to_a_transferred_unaccepted_ticket_accepts_it_first(
    line: Line, clock: time_machine.Coordinates
) -> None:
    number = line.ticket()["number"]
    line.consultant.post(
        f"/tickets/{number}/transfer",
        {"to": "development", "kind": "defect", "reason": "Падает проведение"},
    )
    clock.move_to(msk(2026, 11, 24, 15, 30))  # Operational reaction target: 4 h
    answered = line.developer.post(
        f"/tickets/{number}/answer", {"text": "Воспроизвели, исправляем"}
    ).json()
    assert answered["status"] == "transferred"
    assert _types(answered)[-2:] == ["accepted", "answered"]
    reaction = answered["sla"]["reaction"]
    assert (reaction["target_minutes"], reaction["elapsed_minutes"], reaction["state"]) == (
        240,
        330,
        "breached",  # the transfer did not stop it: 5 h 30 min before anyone acted
    )
    ticket = Ticket.objects.get(number=number)
    line_messages = ticket.messages.filter(author_kind=Message.Author.LINE)
    assert list(line_messages.values_list("purpose", flat=True)) == ["acceptance", "answer"]


def test_r7_transfer_after_acceptance_keeps_the_reaction_given(
    line: Line, clock: time_machine.Coordinates
) -> None:
    number = line.ticket()["number"]
    clock.move_to(msk(2026, 11, 24, 10, 30))
    line.consultant.post(f"/tickets/{number}/accept", {})
    clock.move_to(msk(2026, 11, 24, 12, 0))
    moved = line.consultant.post(
        f"/tickets/{number}/transfer",
        {"to": "methodologist", "kind": "wish", "reason": "Пожелание"},
    ).json()
    assert moved["sla"]["reaction"]["state"] == "met"
    assert moved["sla"]["reaction"]["elapsed_minutes"] == 30
    # Already accepted: the methodologist cannot accept it again.
    assert line.methodologist.post(f"/tickets/{number}/accept", {}).status_code == 409


def test_r7_every_clock_event_of_the_log_maps_to_the_pure_clock() -> None:
    assert set(SLA_EVENT_OF) == CLOCK_EVENTS
    assert SLA_EVENT_OF["data_requested"] == "data_requested"
