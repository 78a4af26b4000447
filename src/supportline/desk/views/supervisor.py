"""The supervisor's view: SLA board (R11), complaints (R20), registries, calendar (R9)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from supportline.core import rules
from supportline.desk.forms import (
    ComplaintAnswerForm,
    ComplaintAssignForm,
    ComplaintLinkForm,
    YearForm,
)
from supportline.desk.selectors.board import sla_board
from supportline.desk.selectors.calendar import YEAR_STATUS_LABELS, calendar_year
from supportline.desk.selectors.complaints import complaints_for
from supportline.desk.selectors.registries import REGISTRY_LIMIT, registry_overview
from supportline.desk.views.common import show_error, staff_required, supervisor_required, user_of
from supportline.tickets.actions.complaints import (
    complaint_answer,
    complaint_assign,
    complaint_link_tickets,
)
from supportline.tickets.errors import TicketError
from supportline.tickets.models import Complaint
from supportline.worktime import YearStatus

WEEKDAYS = [
    (gettext_lazy("Пн"), gettext_lazy("понедельник")),
    (gettext_lazy("Вт"), gettext_lazy("вторник")),
    (gettext_lazy("Ср"), gettext_lazy("среда")),
    (gettext_lazy("Чт"), gettext_lazy("четверг")),
    (gettext_lazy("Пт"), gettext_lazy("пятница")),
    (gettext_lazy("Сб"), gettext_lazy("суббота")),
    (gettext_lazy("Вс"), gettext_lazy("воскресенье")),
]


@require_GET
@supervisor_required
def board(request: HttpRequest) -> HttpResponse:
    """R11: supervisors see breaches — and what is about to breach — by level and consultant."""
    return render(
        request, "desk/board.html", {"board": sla_board(timezone.now()), "section": "board"}
    )


@require_GET
@supervisor_required
def complaints(request: HttpRequest) -> HttpResponse:
    """R20: the quality manager's own queue."""
    state = request.GET.get("state", "")
    if state not in Complaint.State.values:
        state = ""
    return render(
        request,
        "desk/complaints.html",
        {
            "complaints": list(complaints_for(user_of(request), state)),
            "state": state,
            "states": Complaint.State.choices,
            "section": "complaints",
        },
    )


@require_http_methods(["GET", "POST"])
@supervisor_required
def complaint(request: HttpRequest, number: str) -> HttpResponse:
    """R20: read a complaint with its linked tickets, and answer it."""
    item = get_object_or_404(complaints_for(user_of(request)), number=number)
    status = 200
    form = ComplaintAnswerForm(
        request.POST if "complaint-text" in request.POST else None, prefix="complaint"
    )
    link = ComplaintLinkForm(
        request.POST if "link-tickets" in request.POST else None, prefix="link"
    )
    assign = ComplaintAssignForm(
        request.POST if "assign-assignee" in request.POST else None,
        prefix="assign",
        initial={"assignee": item.assignee_id},
    )
    if request.method == "POST" and link.is_bound:
        if link.is_valid():
            try:
                complaint_link_tickets(
                    complaint=item, actor=user_of(request), numbers=link.numbers()
                )
            except TicketError as error:
                status = show_error(link, error)
            else:
                messages.success(request, _("Обращения связаны с претензией"))
                return redirect("desk:complaint", number=number)
        else:
            status = 400
    elif request.method == "POST" and assign.is_bound:
        if assign.is_valid():
            try:
                complaint_assign(
                    complaint=item, actor=user_of(request), assignee=assign.cleaned_data["assignee"]
                )
            except TicketError as error:
                status = show_error(assign, error)
            else:
                messages.success(request, _("Ответственный назначен"))
                return redirect("desk:complaint", number=number)
        else:
            status = 400
    elif request.method == "POST":
        if form.is_valid():
            try:
                complaint_answer(
                    complaint=item, actor=user_of(request), text=form.cleaned_data["text"]
                )
            except TicketError as error:
                status = show_error(form, error)
            else:
                messages.success(
                    request, _("Ответ на претензию %(number)s сохранён") % {"number": number}
                )
                return redirect("desk:complaint", number=number)
        else:
            status = 400
    return render(
        request,
        "desk/complaint.html",
        {
            "complaint": item,
            "form": form,
            "link": link,
            "assign": assign,
            "overdue": item.is_overdue(timezone.now()),
            "section": "complaints",
        },
        status=status,
    )


@require_GET
@staff_required
def registries(request: HttpRequest) -> HttpResponse:
    """Organisations and partners with their contracts valid today (R2); edited in the admin."""
    query = request.GET.get("q", "").replace("\x00", "").strip()[:100]  # NUL: PostgreSQL refuses
    organisations, partners = registry_overview(rules.local_date(timezone.now()), query)
    return render(
        request,
        "desk/registries.html",
        {
            "organisations": organisations,
            "partners": partners,
            "q": query,
            "limit": REGISTRY_LIMIT,
            "section": "registries",
        },
    )


@require_GET
@staff_required
def calendar(request: HttpRequest) -> HttpResponse:
    """R9: the production calendar of a year, with how far the year's data can be trusted."""
    this_year = rules.local_date(timezone.now()).year
    form = YearForm(request.GET or None)
    year = form.cleaned_data["year"] if form.is_bound and form.is_valid() else this_year
    data = calendar_year(year)
    return render(
        request,
        "desk/calendar.html",
        {
            "form": form,
            "cal": data,
            "status_label": YEAR_STATUS_LABELS[YearStatus(data.status)],
            "previous": year - 1,
            "next": year + 1,
            "weekdays": WEEKDAYS,
            "section": "calendar",
        },
    )
