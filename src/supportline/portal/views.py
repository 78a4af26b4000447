"""The client portal: parse the form, call the ticket services, render (STYLE §2).

Only clients and partners use the portal; line staff are sent to the desk. A ticket outside
`access.visible_tickets(user)` answers 404 — another organisation's ticket does not exist here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from supportline.accounts.models import User
from supportline.core import rules
from supportline.core.files import file_response, read_uploads
from supportline.lib.inn import inn_error
from supportline.portal import kb, selectors
from supportline.portal.forms import (
    AcceptForm,
    ComplaintForm,
    OfferRequestForm,
    RejectForm,
    ReplyForm,
    TicketForm,
    UpdateAccessForm,
    registration_numbers,
)
from supportline.portal.line import line_info
from supportline.portal.models import Article
from supportline.tickets import access, paging
from supportline.tickets.actions.attachments import (
    check_attachment_size,
    ticket_attach,
    ticket_attach_to_request,
)
from supportline.tickets.actions.complaints import complaint_file
from supportline.tickets.actions.lifecycle import ticket_client_reply, ticket_evaluate
from supportline.tickets.actions.registration import offer_request as offer_request_action
from supportline.tickets.actions.registration import ticket_register
from supportline.tickets.actions.update_access import update_access_request
from supportline.tickets.attachment_storage import (
    STORAGE_FAILED,
    files_cleaned_up_on_failure,
    safe_content_type,
)
from supportline.tickets.clock import ticket_sla
from supportline.tickets.errors import AccessDenied, IntakeError, TicketError, TransitionError
from supportline.tickets.models import Channel, Status, Ticket

log = logging.getLogger(__name__)
P = ParamSpec("P")
View = Callable[Concatenate[HttpRequest, P], HttpResponseBase]

PAGE_SIZE = 20
# Fewer letters than this are not a question yet: no suggestions.
MIN_SUGGEST_CHARS = 3


def line_page(request: HttpRequest) -> HttpResponse:
    """The public page of the consultation line (R19): hours, channels, additional services."""
    return render(request, "portal/line.html", {"line": line_info()})


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def portal_view(view: View[P]) -> View[P]:
    """Signed-in clients and partners only: anonymous → login, line staff → the desk."""

    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if access.is_staff_member(_user(request)):
            return redirect("desk:queue")
        return view(request, *args, **kwargs)

    return wrapper


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where signing in lands (LOGIN_REDIRECT_URL): the desk for line staff, else the portal."""
    if access.is_staff_member(_user(request)):
        return redirect("desk:queue")
    return redirect("portal:tickets")


def _visible(request: HttpRequest, number: str) -> Ticket:
    return get_object_or_404(
        access.visible_tickets(_user(request)).select_related("update_access"), number=number
    )


# ------------------------------------------------------------------ my tickets


@portal_view
@require_GET
def tickets(request: HttpRequest) -> HttpResponse:
    """Newest first, a page at a time by keyset (`tickets.paging`, issue 15): `after` — the
    page after the row it names, `before` — the page before it. No COUNT, no OFFSET. A cursor
    we did not issue (an edited or stale address) is answered 400 with the first page and a
    message in words, never 500."""
    state = request.GET.get("state", "")
    if state not in selectors.STATE_FILTERS:
        state = ""
    mine = selectors.my_tickets(_user(request), state)
    after, before = request.GET.get("after"), request.GET.get("before")
    bad = False
    try:
        if before and not after:
            chunk, prev = paging.page_before(mine, before, PAGE_SIZE)
            following = paging.encode(paging.NEWEST, chunk[-1]) if chunk else None
        else:
            chunk, following = paging.page(mine, paging.NEWEST, after or None, PAGE_SIZE)
            prev = paging.encode(paging.NEWEST, chunk[0]) if after and chunk else None
    except paging.BadCursor:
        bad = True
        chunk, following = paging.page(mine, paging.NEWEST, None, PAGE_SIZE)
        prev = None
    base = {"state": state} if state else {}
    return render(
        request,
        "portal/tickets.html",
        {
            "section": "tickets",
            "state": state,
            "bad_cursor": bad,
            "first_query": urlencode(base),
            "next_query": urlencode({**base, "after": following}) if following else "",
            "prev_query": urlencode({**base, "before": prev}) if prev else "",
            "rows": selectors.rows(chunk, timezone.now()),
        },
        status=400 if bad else 200,
    )


def _register_with_files(form: TicketForm, user: User) -> Ticket | None:
    """Register the form's ticket with its files (issue 14 §1), or put the errors on the form.
    One transaction: a file the storage cannot write leaves no ticket behind."""
    try:
        parts = read_uploads(form.cleaned_data["uploads"])
    except TicketError as error:
        form.add_error("uploads", error.message)
        return None
    try:
        with transaction.atomic():
            ticket = ticket_register(actor=user, channel=Channel.PORTAL, data=form.intake())
            if parts:
                with files_cleaned_up_on_failure(ticket):
                    ticket_attach_to_request(ticket=ticket, actor=user, files=parts)
    except IntakeError as error:
        form.add_service_errors(error)
    except TicketError as error:
        form.add_error(None, error.message)
    except OSError:
        log.exception("attachment storage failed for a new ticket")
        form.add_error("uploads", str(STORAGE_FAILED))
    else:
        return ticket
    return None


@portal_view
def new_ticket(request: HttpRequest) -> HttpResponse:
    """R1: register a ticket from the portal; the service's field errors land on the form."""
    user = _user(request)
    if request.method == "POST":
        form = TicketForm(request.POST, request.FILES, user=user)
        ticket = _register_with_files(form, user) if form.is_valid() else None
        if ticket is not None:
            messages.success(
                request, _("Обращение № %(number)s зарегистрировано") % {"number": ticket.number}
            )
            return redirect("portal:ticket", number=ticket.number)
    else:
        form = TicketForm(initial=TicketForm.initial_for(user), user=user)
    return render(
        request,
        "portal/new_ticket.html",
        {"section": "new", "form": form, "numbers": registration_numbers(user)},
    )


# ------------------------------------------------------------------ a ticket


def _ticket_page(
    request: HttpRequest,
    ticket: Ticket,
    *,
    reply: ReplyForm | None = None,
    accept: AcceptForm | None = None,
    reject: RejectForm | None = None,
) -> HttpResponse:
    user = _user(request)
    events = list(ticket.events.order_by("at", "id"))
    sla = ticket_sla(ticket, now=timezone.now(), events=events)
    client_side = access.is_client_side(user, ticket)
    can_reply = client_side and ticket.is_open
    evaluating = client_side and ticket.status == Status.CLIENT_EVALUATION
    # Errors of a form whose box is not shown (the ticket moved on meanwhile) go on top.
    hidden: list[forms.Form | None] = [reply if not can_reply else None]
    hidden += [accept, reject] if not evaluating else []
    alerts = [
        message
        for form in hidden
        if form is not None
        for messages_ in form.errors.values()
        for message in messages_
    ]
    return render(
        request,
        "portal/ticket.html",
        {
            "section": "tickets",
            "ticket": ticket,
            "level_name": selectors.level_name(ticket),
            "conversation": selectors.conversation(ticket),
            "sla": sla,
            "badge": selectors.ticket_badge(sla),
            "clocks": [
                (_("Реакция"), sla.reaction, selectors.clock_badge(sla.reaction)),
                (
                    pgettext("SLA clock", "Решение"),
                    sla.resolution,
                    selectors.clock_badge(sla.resolution),
                ),
            ],
            "details": getattr(ticket, "update_access", None),
            "can_reply": can_reply,
            "waiting": ticket.status == Status.WAITING_CLIENT,
            "evaluating": evaluating,
            "alerts": alerts,
            # R9, R21: the line's working hours come from the regulation in force.
            "hours": rules.regulation().working_hours,
            "reply_form": reply or ReplyForm(),
            "accept_form": accept or AcceptForm(),
            "reject_form": reject or RejectForm(),
        },
    )


@portal_view
@require_GET
def ticket(request: HttpRequest, number: str) -> HttpResponse:
    return _ticket_page(request, _visible(request, number))


@portal_view
@require_POST
def reply(request: HttpRequest, number: str) -> HttpResponse:
    """The client's message; an answer to the line's question resumes the clock (R12)."""
    ticket = _visible(request, number)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload is not None:
                # The size is checked before the file is read into memory.
                check_attachment_size(upload.name, upload.size)
                content = upload.read()
                with files_cleaned_up_on_failure(ticket):
                    ticket_attach(
                        ticket=ticket,
                        actor=_user(request),
                        files=[(upload.name, content, safe_content_type(upload.content_type))],
                        text=form.cleaned_data["text"],
                    )
            else:
                ticket_client_reply(
                    ticket=ticket,
                    actor=_user(request),
                    text=form.cleaned_data["text"],
                    channel=Channel.PORTAL,
                )
        except TicketError as error:
            form.add_error("text", error.message)
        except OSError:
            # The storage could not write (disk full, read-only): nothing was kept.
            log.exception("attachment storage failed for %s", ticket.number)
            form.add_error("file", str(STORAGE_FAILED))
        else:
            messages.success(request, _("Сообщение отправлено на линию консультации"))
            return redirect("portal:ticket", number=number)
    return _ticket_page(request, ticket, reply=form)


@portal_view
@require_POST
def evaluate(request: HttpRequest, number: str) -> HttpResponse:
    """R13: accept with a rating 1–5 (→ closed) or reject with a reason (→ back in work)."""
    ticket = _visible(request, number)
    decision = request.POST.get("decision")
    accepting = decision == "accept"
    form: AcceptForm | RejectForm
    if accepting:
        form = AcceptForm(request.POST)
    elif decision == "reject":
        form = RejectForm(request.POST)
    else:
        return HttpResponseBadRequest(_("Неизвестное решение"))
    if form.is_valid():
        data = form.cleaned_data
        try:
            if accepting:
                ticket_evaluate(
                    ticket=ticket,
                    actor=_user(request),
                    accepted=True,
                    rating=data["rating"],
                    comment=data["comment"],
                )
            else:
                ticket_evaluate(
                    ticket=ticket, actor=_user(request), accepted=False, comment=data["reason"]
                )
        except (TransitionError, AccessDenied) as error:
            form.add_error(None, error.message)
        except TicketError as error:
            form.add_error("rating" if accepting else "reason", error.message)
        else:
            if accepting:
                messages.success(request, _("Спасибо за оценку! Обращение закрыто."))
            else:
                messages.success(request, _("Обращение возвращено в работу линии"))
            return redirect("portal:ticket", number=number)
    if isinstance(form, AcceptForm):
        return _ticket_page(request, ticket, accept=form)
    return _ticket_page(request, ticket, reject=form)


@portal_view
@require_GET
def attachment(request: HttpRequest, number: str, pk: int) -> FileResponse:
    """A file of a message, for those who may see the ticket (never a public media URL)."""
    item = get_object_or_404(
        access.visible_attachments(_user(request)), pk=pk, message__ticket__number=number
    )
    return file_response(item, inline=request.GET.get("inline") == "1")


# ------------------------------------------------------------------ offers on request (R19)


@portal_view
def offer_request(request: HttpRequest, offer: str) -> HttpResponse:
    """R19: the client requests an offer the regulation lists as "on request"."""
    found = next((o for o in rules.regulation().offers if o.id == offer and o.on_request), None)
    if found is None:
        raise Http404
    user = _user(request)
    form = OfferRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = offer_request_action(
                actor=user,
                offer_id=found.id,
                text=form.cleaned_data["text"],
                contact_phone=form.cleaned_data["contact_phone"],
            )
        except IntakeError as error:
            for name, message in error.errors.items():
                form.add_error(name if name in form.fields else None, message)
        except TicketError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Запрос № %(number)s зарегистрирован") % {"number": ticket.number}
            )
            return redirect("portal:ticket", number=ticket.number)
    return render(
        request,
        "portal/offer_request.html",
        {"section": "line", "form": form, "offer": rules.tr(found.name)},
        status=400 if request.method == "POST" else 200,
    )


# ------------------------------------------------------------------ update access (R17)


@portal_view
def update_access(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        form = UpdateAccessForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = update_access_request(
                    actor=user,
                    channel=Channel.PORTAL,
                    organisation_full_name=data["organisation_full_name"],
                    inn=data["inn"],
                    registration_number=data["registration_number"],
                    configuration=data["configuration"],
                    version=data["version"],
                    previous_login=data["previous_login"],
                )
            except IntakeError as error:
                form.add_service_errors(error)
            except TicketError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    _("Запрос доступа к обновлениям № %(number)s зарегистрирован")
                    % {"number": ticket.number},
                )
                return redirect("portal:ticket", number=ticket.number)
    else:
        form = UpdateAccessForm(initial=UpdateAccessForm.initial_for(user))
    return render(
        request,
        "portal/update_access.html",
        {"section": "update_access", "form": form, "numbers": registration_numbers(user)},
    )


@portal_view
@require_GET
def inn_check(request: HttpRequest) -> HttpResponse:
    """R17: the INN checked as it is typed (htmx); the same check runs again on submit."""
    value = request.GET.get("inn", "").strip()
    return render(
        request,
        "portal/_inn_check.html",
        {"value": value, "error": inn_error(value) if value else None},
    )


# ------------------------------------------------------------------ complaints (R20)


@portal_view
def complaints(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    mine = list(selectors.my_tickets(user)[:100])
    if request.method == "POST":
        form = ComplaintForm(request.POST, tickets=mine)
        if form.is_valid():
            data = form.cleaned_data
            try:
                complaint = complaint_file(
                    actor=user,
                    subject=data["subject"],
                    text=data["text"],
                    ticket_numbers=data["tickets"],
                    channel=Channel.PORTAL,
                )
            except IntakeError as error:
                form.add_service_errors(error)
            else:
                messages.success(
                    request,
                    _("Претензия № %(number)s передана менеджеру по качеству")
                    % {"number": complaint.number},
                )
                return redirect("portal:complaints")
    else:
        form = ComplaintForm(tickets=mine)
    filed = access.visible_complaints(user).prefetch_related("tickets").order_by("-received_at")
    return render(
        request,
        "portal/complaints.html",
        {"section": "complaints", "form": form, "complaints": filed},
    )


# ------------------------------------------------------------------ knowledge base (R5)


@portal_view
@require_GET
def knowledge_base(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    context: dict[str, Any] = {"section": "kb", "query": query}
    if query:
        context["articles"] = kb.search_articles(query, limit=20)
        context["answered"] = kb.search_answered_tickets(_user(request), query, limit=10)
    else:
        context["articles"] = Article.objects.filter(published=True).order_by("-updated_at")[:20]
    return render(request, "portal/kb.html", context)


@portal_view
@require_GET
def article(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(Article, pk=pk, published=True)
    return render(request, "portal/article.html", {"section": "kb", "article": item})


@portal_view
@require_GET
def kb_suggest(request: HttpRequest) -> HttpResponse:
    """R5: an htmx fragment of articles and answered tickets matching the typed question."""
    query = " ".join(request.GET.get(name, "") for name in ("subject", "body", "q")).strip()
    articles: list[Article] = []
    answered: list[Ticket] = []
    searched = len(query) >= MIN_SUGGEST_CHARS
    if searched:
        articles = kb.search_articles(query)
        answered = kb.search_answered_tickets(_user(request), query)
    return render(
        request,
        "portal/_suggestions.html",
        {"articles": articles, "answered": answered, "searched": searched},
    )
