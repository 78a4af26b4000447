"""Issue 7 §5, R11: consultants are warned at the warning share, supervisors at a breach —
from the stored columns, once each however often the scan runs."""

from __future__ import annotations

from supportline.tickets.actions.sla import tickets_sla_scan as sla_scan
from supportline.tickets.models import Notification, Ticket
from tests.tickets.conftest import Line, msk


def test_r11_warning_at_75_percent_then_breach_to_supervisors(line: Line) -> None:
    number = line.ticket()["number"]  # Tue 24.11.2026 10:00; reaction 8 h → due 18:00 (Tue)
    ticket = Ticket.objects.get(number=number)
    # 75 % of 8 working hours = 6 h → 16:00.
    assert ticket.sla_warn_at == msk(2026, 11, 24, 16, 0)
    assert sla_scan(now=msk(2026, 11, 24, 15, 59)) == {"warned": 0, "breached": 0}
    result = sla_scan(now=msk(2026, 11, 24, 16, 0))
    assert result["warned"] == 2  # nobody took it: both consultants are warned
    assert sla_scan(now=msk(2026, 11, 24, 16, 5))["warned"] == 0  # once
    warning = Notification.objects.filter(kind="sla_warning_reaction").first()
    assert warning is not None and number in warning.text and "75 %" in warning.text
    # The reaction target passes at 18:00; breached once a minute beyond it (next morning).
    breached = sla_scan(now=msk(2026, 11, 25, 9, 5))
    assert breached["breached"] == 1
    assert (
        Notification.objects.filter(kind="sla_breach_reaction", user__username="supervisor").count()
        == 1
    )
    assert Ticket.objects.get(number=number).reaction_state == "breached"
    assert sla_scan(now=msk(2026, 11, 25, 9, 10))["breached"] == 0


def test_r11_assignee_alone_is_warned(line: Line) -> None:
    number = line.ticket()["number"]
    line.consultant.post("/queue/take")
    sla_scan(now=msk(2026, 11, 24, 16, 0))
    users = set(
        Notification.objects.filter(ticket__number=number).values_list("user__username", flat=True)
    )
    assert users == {"consultant1"}
