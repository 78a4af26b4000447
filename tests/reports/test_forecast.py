"""Issue 16 §6: the board's breach forecast — queue position (R14) and the line's measured
handling time decide which tickets will breach before the end of the working day."""

from __future__ import annotations

import re

import time_machine

from supportline.reports.forecast import breach_forecast
from supportline.tickets.actions.lifecycle import ticket_accept, ticket_resolve
from tests.desk.conftest import html
from tests.reports.conftest import Desk, msk


def _line(desk: Desk, clock: time_machine.Coordinates) -> dict[str, str]:
    """Measured: three tickets answered 3 working hours after acceptance (Thu 19.11). Queue at
    Tue 24.11 10:00 (reaction 8 working hours): A due 09:30 (breached), B 10:00, C 11:00,
    D 12:00, E 13:00, F Wed 09:30."""
    for i in range(3):
        clock.move_to(msk(2026, 11, 19, 9, i))
        t = desk.ticket(channel="email", at=msk(2026, 11, 19, 9, i), subject=f"Решённый {i}")
        clock.move_to(msk(2026, 11, 19, 10, i))
        t = ticket_accept(ticket=t, actor=desk.consultant.user, now=msk(2026, 11, 19, 10, i))
        clock.move_to(msk(2026, 11, 19, 13, i))
        ticket_resolve(
            ticket=t, actor=desk.consultant.user, text="Ответ", now=msk(2026, 11, 19, 13, i)
        )
    numbers = {}
    for name, at in (
        ("A", msk(2026, 11, 23, 10, 30)),
        ("B", msk(2026, 11, 23, 11, 0)),
        ("C", msk(2026, 11, 23, 12, 0)),
        ("D", msk(2026, 11, 23, 13, 0)),
        ("E", msk(2026, 11, 23, 14, 0)),
        ("F", msk(2026, 11, 24, 9, 30)),
    ):
        clock.move_to(at)
        numbers[name] = (
            desk.ticket(channel="email", at=at, subject=f"В очереди {name}").number or ""
        )
    clock.move_to(msk(2026, 11, 24, 10, 0))
    return numbers


def test_r14_forecast_by_queue_position_and_measured_handling_time(
    desk: Desk, clock: time_machine.Coordinates
) -> None:
    n = _line(desk, clock)
    forecast = breach_forecast(msk(2026, 11, 24, 10, 0))
    assert forecast.measured and forecast.handling_minutes == 180
    assert forecast.consultants == 2
    # Two consultants, 3 h each: positions 1-2 now, 3-4 at 13:00, 5-6 at 16:00. A and B are
    # already late (the board's breach list shows them); F is due tomorrow.
    got = {
        (f.ticket.number, f.clock, f.position, f.expected_at, f.breach_at) for f in forecast.items
    }
    assert got == {
        (n["C"], "reaction", 3, msk(2026, 11, 24, 13, 0), msk(2026, 11, 24, 11, 0)),
        (n["D"], "reaction", 4, msk(2026, 11, 24, 13, 0), msk(2026, 11, 24, 12, 0)),
        (n["E"], "reaction", 5, msk(2026, 11, 24, 16, 0), msk(2026, 11, 24, 13, 0)),
    }
    assert forecast.day_end == msk(2026, 11, 24, 18, 0)


def test_board_lists_the_forecast(desk: Desk, clock: time_machine.Coordinates) -> None:
    n = _line(desk, clock)
    page = html(desk.supervisor.get("/desk/board/"))
    start = page.index('id="forecast-title"')
    section = page[start : page.index("</section>", start)]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))
    assert "если не взять сейчас: 3" in text
    assert all(n[x] in section for x in "CDE")
    assert all(n[x] not in section for x in "ABF")
    assert "3 ч" in text and "консультантов: 2" in text


def test_forecast_without_measurements_says_so(desk: Desk) -> None:
    forecast = breach_forecast(msk(2026, 11, 24, 10, 0))
    assert not forecast.measured and forecast.handling_minutes == 60
    assert forecast.items == []
