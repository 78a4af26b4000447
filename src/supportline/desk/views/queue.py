"""The queue (R14), «take next», and a phone call registered as a ticket (R6)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from supportline.desk.forms import BulkForm, PhoneCallForm, QueueFilterForm
from supportline.desk.selectors.notices import unread_tickets
from supportline.desk.selectors.queue import QueueFilters, queue_page
from supportline.desk.views.common import line_required, show_error, staff_required, user_of
from supportline.registry.models import Configuration
from supportline.tickets import access, paging
from supportline.tickets.actions.queue import queue_take_next
from supportline.tickets.actions.registration import ticket_register
from supportline.tickets.errors import TicketError
from supportline.tickets.models import Channel


def _filters(request: HttpRequest) -> tuple[QueueFilterForm, QueueFilters]:
    form = QueueFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, QueueFilters(**{k: v or "" for k, v in form.cleaned_data.items()})
    return form, QueueFilters()


def _context(request: HttpRequest, cursor: str | None = None) -> dict[str, object]:
    user = user_of(request)
    form, filters = _filters(request)
    return {
        "filters": form,
        "page": queue_page(user, filters, timezone.now(), cursor),
        "can_take": access.is_line(user),
        "section": "queue",
        "more": cursor is not None,
        # Issue 14 §7: the tickets with notifications this user has not read yet.
        "unread": unread_tickets(user),
        # Issue 14 §8: bulk actions on the ticked rows (the line's).
        "bulk_form": BulkForm() if access.may_bulk_act(user) else None,
    }


@require_GET
@staff_required
def queue(request: HttpRequest) -> HttpResponse:
    """R14: open tickets in regulation order, both clocks as remaining working time; a page
    at a time (`cursor`: the page after the one it names, for «more» without JavaScript)."""
    try:
        context = _context(request, request.GET.get("cursor") or None)
    except paging.BadCursor:
        return _bad_cursor()
    context["more"] = False
    return render(request, "desk/queue.html", context)


def _bad_cursor() -> HttpResponse:
    # The field is named: the page address carries a cursor we did not issue.
    text = "cursor: " + _("Курсор страницы недействителен")
    return HttpResponse(text, status=422, content_type="text/plain; charset=utf-8")


@require_GET
@staff_required
def queue_rows(request: HttpRequest) -> HttpResponse:
    """The table alone, for htmx: polled every 30 s and re-fetched by the filter form.
    With `cursor`: the next page's rows only, appended under the table («more», issue 15)."""
    cursor = request.GET.get("cursor")
    if cursor is not None:
        try:
            context = _context(request, cursor)
        except paging.BadCursor:
            return _bad_cursor()
        return render(request, "desk/_queue_rows.html", context)
    response = render(request, "desk/_queue_rows.html", _context(request))
    # Keep the address bar on the full page with the same filters (no history entry per poll).
    query = request.GET.urlencode()
    response["HX-Replace-Url"] = reverse("desk:queue") + (f"?{query}" if query else "")
    return response


@require_POST
@staff_required
def take_next(request: HttpRequest) -> HttpResponse:
    """R14: the next ticket for this consultant alone."""
    try:
        ticket = queue_take_next(actor=user_of(request))
    except TicketError as error:
        messages.error(request, error.message)
        return redirect("desk:queue")
    if ticket is None:
        messages.info(request, _("Очередь пуста"))
        return redirect("desk:queue")
    messages.success(request, _("Вам назначено обращение %(number)s") % {"number": ticket.number})
    return redirect("desk:ticket", number=ticket.number)


@require_http_methods(["GET", "POST"])
@line_required
def phone_call(request: HttpRequest) -> HttpResponse:
    """R6: a call registered by the consultant, with the call's time as registration time."""
    status = 200
    if request.method == "POST":
        form = PhoneCallForm(request.POST)
        if form.is_valid():
            try:
                ticket = ticket_register(
                    actor=user_of(request),
                    channel=Channel.PHONE,
                    data=form.intake(),
                    registered_at=form.cleaned_data["call_at"],
                    missing_ok=form.cleaned_data["without_data"],
                )
            except TicketError as error:
                status = show_error(form, _renamed(error))
            else:
                messages.success(
                    request,
                    _("Звонок зарегистрирован: обращение %(number)s") % {"number": ticket.number},
                )
                return redirect("desk:ticket", number=ticket.number)
        else:
            status = 400
    else:
        form = PhoneCallForm(initial={"call_at": timezone.now()})
    configurations = Configuration.objects.order_by("name").values_list("name", flat=True)
    return render(
        request,
        "desk/phone.html",
        {"form": form, "configurations": list(configurations), "section": "phone"},
        status=status,
    )


def _renamed(error: TicketError) -> TicketError:
    """The service names the registration time `registered_at`; the form calls it `call_at`."""
    errors = getattr(error, "errors", None)
    if isinstance(errors, dict) and "registered_at" in errors:
        errors["call_at"] = errors.pop("registered_at")
    return error
