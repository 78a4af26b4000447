"""Escalations (R15): tickets with methodologists and development, development items with
their target release, and publishing a release (which notifies every linked client)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from supportline.core import rules
from supportline.desk.forms import PlanForm, ReleaseForm, RescheduleForm
from supportline.desk.selectors.common import queue_row
from supportline.desk.selectors.escalations import (
    development_items,
    planned_releases,
    published_releases,
    releases_with_items,
    transferred_tickets,
)
from supportline.desk.views.common import (
    show_error,
    staff_required,
    user_of,
)
from supportline.registry.models import Release
from supportline.tickets import access
from supportline.tickets.actions.development import (
    development_item_plan,
    publish_would_be_current,
    release_create,
    release_reschedule,
)
from supportline.tickets.actions.development import release_publish as release_publish_action
from supportline.tickets.errors import TicketError
from supportline.tickets.models import DevelopmentItem, Ticket, TransferTarget

# Items shown on one page; older ones stay reachable in the admin.
ITEMS_LIMIT = 100


@require_GET
@staff_required
def escalations(request: HttpRequest) -> HttpResponse:
    """Transferred tickets the user may see (a methodologist: its own), and the items."""
    user = user_of(request)
    to = request.GET.get("to", "")
    if to not in TransferTarget.values:
        to = ""
    now = timezone.now()
    cal = rules.calendar()
    can_plan = access.may_plan_development(user)
    return render(
        request,
        "desk/escalations.html",
        {
            "rows": [queue_row(t, now, cal) for t in transferred_tickets(user, to)],
            "items": list(development_items()[:ITEMS_LIMIT]),
            "can_plan": can_plan,
            "plan_releases": list(planned_releases()) if can_plan else [],
            "to": to,
            "targets": TransferTarget.choices,
            "section": "escalations",
        },
    )


@require_POST
@staff_required
def item_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """R15: the target release of a development item, set during diagnosis."""
    item = get_object_or_404(DevelopmentItem, pk=pk)
    form = PlanForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Выберите запланированный релиз"))
        return redirect("desk:escalations")
    try:
        development_item_plan(
            item=item, actor=user_of(request), release=form.cleaned_data["release"]
        )
    except TicketError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Задача «%(item)s» запланирована в релиз %(release)s")
            % {"item": item.title, "release": form.cleaned_data["release"].version},
        )
    return redirect("desk:escalations")


@require_GET
@staff_required
def releases(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    if not access.may_publish_release(user):
        raise PermissionDenied
    return _releases_page(request, ReleaseForm())


def _releases_page(request: HttpRequest, form: ReleaseForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "desk/releases.html",
        {
            "planned": list(releases_with_items()),
            "published": published_releases(),
            "form": form,
            "reschedule": RescheduleForm(),
            "section": "releases",
        },
        status=status,
    )


@require_POST
@staff_required
def release_new(request: HttpRequest) -> HttpResponse:
    """R15: the development department announces a release on the desk."""
    user = user_of(request)
    if not access.may_publish_release(user):
        raise PermissionDenied
    form = ReleaseForm(request.POST)
    if not form.is_valid():
        return _releases_page(request, form, status=400)
    try:
        release = release_create(actor=user, **form.cleaned_data)
    except TicketError as error:
        return _releases_page(request, form, status=show_error(form, error))
    messages.success(
        request,
        _("Релиз %(version)s добавлен в план") % {"version": release.version},
    )
    return redirect("desk:releases")


@require_POST
@staff_required
def release_move(request: HttpRequest, pk: int) -> HttpResponse:
    """R15: a new planned date; the waiting clients are told."""
    release = get_object_or_404(Release.objects.select_related("configuration"), pk=pk)
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Укажите новую плановую дату"))
        return redirect("desk:releases")
    try:
        release_reschedule(
            release=release, actor=user_of(request), planned_date=form.cleaned_data["planned_date"]
        )
    except TicketError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Плановая дата релиза %(version)s: %(date)s")
            % {
                "version": release.version,
                "date": form.cleaned_data["planned_date"].strftime("%d.%m.%Y"),
            },
        )
    return redirect("desk:releases")


@require_http_methods(["GET", "POST"])
@staff_required
def release_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """R15: publishing notifies every client whose ticket is linked to the release. It asks
    first, saying whether the release becomes current (an older one never does)."""
    if not access.may_publish_release(user_of(request)):
        raise PermissionDenied
    release = get_object_or_404(Release.objects.select_related("configuration"), pk=pk)
    if request.method == "GET" or request.POST.get("confirm") != "1":
        current = (
            Release.objects.filter(configuration=release.configuration, is_current=True)
            .exclude(pk=release.pk)
            .first()
        )
        return render(
            request,
            "desk/release_publish.html",
            {
                "release": release,
                "becomes_current": publish_would_be_current(release),
                "current": current,
                "waiting": Ticket.objects.filter(development_item__target_release=release).count(),
                "section": "releases",
            },
        )
    try:
        notices = release_publish_action(release=release, actor=user_of(request))
    except TicketError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Релиз %(version)s опубликован; уведомлений клиентам: %(count)d")
            % {"version": release.version, "count": len(notices)},
        )
    return redirect("desk:releases")
