"""Merge a duplicate into another ticket, link and unlink related tickets (issue 14 §6).

Each view parses its form, calls the one action and redirects back to the ticket with a
message (PRG); a refusal is a Russian message on the page, never a 500.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from supportline.desk import forms as f
from supportline.desk.selectors.ticket import ticket_for_page
from supportline.desk.views.common import staff_required, user_of
from supportline.tickets import access
from supportline.tickets.actions.merge import ticket_link, ticket_merge, ticket_unlink
from supportline.tickets.errors import TicketError
from supportline.tickets.models import Ticket


def _ticket(request: HttpRequest, number: str) -> Ticket:
    ticket = ticket_for_page(user_of(request), number)
    if ticket is None:
        raise Http404
    return ticket


def _other(request: HttpRequest, number: str) -> Ticket | None:
    """Another ticket the user may see, by the number typed (any case, spaces around)."""
    number = number.strip().upper()
    return access.visible_tickets(user_of(request)).filter(number=number).first()


def _form_error(request: HttpRequest, form: f.DeskForm) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))


def _not_found(request: HttpRequest, number: str) -> None:
    # The same words for a ticket that does not exist and one the user may not see.
    messages.error(request, _("Обращение %(number)s не найдено") % {"number": number.strip()})


@require_POST
@staff_required
def merge(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _ticket(request, number)
    form = f.MergeForm(request.POST, prefix="merge")
    if not form.is_valid():
        _form_error(request, form)
        return redirect("desk:ticket", number=ticket.number)
    into = _other(request, form.cleaned_data["into"])
    if into is None:
        _not_found(request, form.cleaned_data["into"])
        return redirect("desk:ticket", number=ticket.number)
    try:
        kept = ticket_merge(
            ticket=ticket, into=into, actor=user_of(request), reason=form.cleaned_data["reason"]
        )
    except TicketError as error:
        messages.error(request, error.message)
        return redirect("desk:ticket", number=ticket.number)
    messages.success(
        request,
        _("Обращение %(duplicate)s объединено с %(kept)s и закрыто")
        % {"duplicate": ticket.number, "kept": kept.number},
    )
    return redirect("desk:ticket", number=kept.number)


@require_POST
@staff_required
def link(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _ticket(request, number)
    form = f.LinkForm(request.POST, prefix="link")
    if not form.is_valid():
        _form_error(request, form)
        return redirect("desk:ticket", number=ticket.number)
    other = _other(request, form.cleaned_data["other"])
    if other is None:
        _not_found(request, form.cleaned_data["other"])
        return redirect("desk:ticket", number=ticket.number)
    try:
        ticket_link(ticket=ticket, other=other, actor=user_of(request))
    except TicketError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Обращения %(a)s и %(b)s связаны") % {"a": ticket.number, "b": other.number},
        )
    return redirect("desk:ticket", number=ticket.number)


@require_POST
@staff_required
def unlink(request: HttpRequest, number: str, other: str) -> HttpResponse:
    ticket = _ticket(request, number)
    linked = _other(request, other)
    if linked is None:
        raise Http404
    try:
        ticket_unlink(ticket=ticket, other=linked, actor=user_of(request))
    except TicketError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Связь обращений %(a)s и %(b)s снята") % {"a": ticket.number, "b": linked.number},
        )
    return redirect("desk:ticket", number=ticket.number)
