"""Bulk actions on the queue (issue 14 §8): assign, transfer or change the level of the ticked
tickets with one reason.

Each ticket goes through the same single-ticket action (and so the same access rule and
status checks) in its own transaction: one refused ticket does not undo the others, and the
page reports the outcome per ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from supportline.accounts.models import User
from supportline.desk.forms import BulkForm
from supportline.desk.views.common import staff_required, user_of
from supportline.tickets import access
from supportline.tickets.actions.escalation import (
    ticket_assign,
    ticket_change_level,
    ticket_transfer,
)
from supportline.tickets.errors import TicketError
from supportline.tickets.models import Ticket


@dataclass(frozen=True)
class Outcome:
    number: str
    ok: bool
    text: str
    known: bool = True


def _run(form: BulkForm, ticket: Ticket, actor: User) -> None:
    d: dict[str, Any] = form.cleaned_data
    if d["action"] == BulkForm.ASSIGN:
        ticket_assign(ticket=ticket, actor=actor, assignee=d["assignee"], reason=d["reason"])
    elif d["action"] == BulkForm.TRANSFER:
        ticket_transfer(ticket=ticket, actor=actor, to=d["to"], kind=d["kind"], reason=d["reason"])
    else:
        ticket_change_level(ticket=ticket, actor=actor, level=d["level"], reason=d["reason"])


@require_POST
@staff_required
def bulk(request: HttpRequest) -> HttpResponse:
    actor = user_of(request)
    if not access.may_bulk_act(actor):
        raise PermissionDenied
    form = BulkForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "desk/bulk_result.html",
            {"form": form, "outcomes": [], "section": "queue"},
            status=400,
        )
    visible = {t.number: t for t in access.visible_tickets(actor).filter(number__in=form.numbers)}
    outcomes = []
    for number in form.numbers:
        ticket = visible.get(number)
        if ticket is None:
            # The same words for a ticket that does not exist and one the user may not see.
            outcomes.append(Outcome(number, False, _("обращение не найдено"), known=False))
            continue
        try:
            _run(form, ticket, actor)
        except TicketError as error:
            outcomes.append(Outcome(number, False, error.message))
        else:
            outcomes.append(Outcome(number, True, _("выполнено")))
    failed = sum(not o.ok for o in outcomes)
    return render(
        request,
        "desk/bulk_result.html",
        {
            "form": form,
            "outcomes": outcomes,
            "done": len(outcomes) - failed,
            "failed": failed,
            "action": dict(form.fields["action"].choices).get(form.cleaned_data["action"], ""),  # type: ignore[attr-defined]
            "section": "queue",
        },
        status=200,
    )
