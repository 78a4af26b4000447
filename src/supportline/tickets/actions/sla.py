"""The periodic SLA scan (R11): stored due-at and warn-at columns say which open tickets to look
at; each is recomputed under its row lock, and the people concerned are told once."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q, QuerySet

from supportline.core import rules
from supportline.tickets.actions import steps
from supportline.tickets.clock import SLA_FIELDS, store_sla
from supportline.tickets.models import FINAL_STATUSES, Ticket
from supportline.tickets.notify import consultants_for, notify, supervisors

CLOCK_NAMES = {"reaction": "реакции", "resolution": "решения"}


def overdue_tickets(now: dt.datetime) -> QuerySet[Ticket]:
    """The open tickets whose warning or due instant has come. Each condition matches a
    partial index of running clocks (`Ticket.Meta`), so the scan reads open tickets only,
    however long the history (issue 15)."""
    return Ticket.objects.exclude(status__in=FINAL_STATUSES).filter(
        Q(sla_warn_at__lte=now)
        | Q(reaction_state="running", reaction_due_at__lt=now)
        | Q(resolution_state="running", resolution_due_at__lt=now)
    )


def tickets_sla_scan(*, now: dt.datetime) -> dict[str, int]:
    """Warn consultants at the warning share (default 75 %) and supervisors at a breach."""
    warned = breached = 0
    share = int(rules.regulation().warning_share * 100)
    for pk in overdue_tickets(now).values_list("pk", flat=True):
        with transaction.atomic():
            ticket = steps.lock(Ticket(pk=pk))
            before = {"reaction": ticket.reaction_state, "resolution": ticket.resolution_state}
            sla = store_sla(ticket, now=now)
            ticket.save(update_fields=[*SLA_FIELDS, "updated_at"])
            for name, clock in (("reaction", sla.reaction), ("resolution", sla.resolution)):
                if clock.state == "breached" and before[name] != "breached":
                    breached += notify(
                        supervisors(),
                        ticket=ticket,
                        kind=f"sla_breach_{name}",
                        text=f"Нарушен срок {CLOCK_NAMES[name]} по обращению {ticket.number} «{ticket.subject}»",
                        now=now,
                    )
                elif clock.at_risk and clock.state == "running":
                    warned += notify(
                        consultants_for(ticket),
                        ticket=ticket,
                        kind=f"sla_warning_{name}",
                        text=(
                            f"Обращение {ticket.number}: израсходовано не менее {share} % срока "
                            f"{CLOCK_NAMES[name]}, осталось {clock.remaining_minutes} раб. мин"
                        ),
                        now=now,
                    )
    return {"warned": warned, "breached": breached}
