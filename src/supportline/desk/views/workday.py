"""The desk's working day (issue 14 §1–5): a ticket's files, the search and views,
organisation and contact pages, internal notes and reply templates.

Kept beside the ticket page's views (`ticket`) rather than in them: each parses the request,
asks `tickets.access` or calls an action, and renders.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from supportline.accounts.models import User
from supportline.core import rules
from supportline.core.files import file_response, read_uploads
from supportline.desk.selectors.clients import contact_page, organisation_page
from supportline.desk.selectors.search import BUILTIN_VIEWS, search_page
from supportline.desk.selectors.templates import (
    filled_template,
    regulation_templates,
    templates_for,
)
from supportline.desk.selectors.ticket import ticket_for_page, ticket_notes
from supportline.desk.views.common import staff_required, user_of
from supportline.desk.workday_forms import NoteForm, SavedViewForm, SearchForm, TemplateForm
from supportline.tickets import access
from supportline.tickets.actions.attachments import ticket_answer_with_files
from supportline.tickets.actions.lifecycle import ticket_answer
from supportline.tickets.actions.notes import note_add
from supportline.tickets.actions.workspace import (
    reply_template_delete,
    reply_template_save,
    saved_view_delete,
    saved_view_save,
)
from supportline.tickets.attachment_storage import STORAGE_FAILED, files_cleaned_up_on_failure
from supportline.tickets.errors import TicketError
from supportline.tickets.models import SavedView, Ticket

log = logging.getLogger(__name__)
# Search parameters kept in a saved view (the page cursor is not).
VIEW_PARAMS = ("q", "status", "level", "who", "sort", "dir", "stale", "breached")


def _ticket(request: HttpRequest, number: str) -> Ticket:
    ticket = ticket_for_page(user_of(request), number)
    if ticket is None:
        raise Http404
    return ticket


# ---------------------------------------------------------------- files (§1)


@require_GET
@staff_required
def attachment(request: HttpRequest, number: str, pk: int) -> Any:
    """A file of the ticket: `?inline=1` shows an image or a PDF in the page, anything else
    downloads. 404 for a ticket (or a file) the user may not see."""
    item = get_object_or_404(
        access.visible_attachments(user_of(request)), pk=pk, message__ticket__number=number
    )
    return file_response(item, inline=request.GET.get("inline") == "1")


def answer(form: Any, ticket: Ticket, actor: User) -> object:
    """The answer action of the ticket page, with the files chosen (issue 14 §1): the one
    attachment action; a storage that cannot write keeps nothing and says so."""
    files = form.cleaned_data.get("uploads") or []
    text = form.cleaned_data["text"]
    if not files:
        return ticket_answer(ticket=ticket, actor=actor, text=text)
    parts = read_uploads(files)
    try:
        with files_cleaned_up_on_failure(ticket):
            return ticket_answer_with_files(ticket=ticket, actor=actor, text=text, files=parts)
    except OSError:
        log.exception("attachment storage failed for %s", ticket.number)
        raise TicketError(str(STORAGE_FAILED)) from None


def ticket_extras(user: User, ticket: Ticket) -> dict[str, Any]:
    """What the ticket page shows of the working day: notes (staff only), the note form, the
    reply templates for the answer box."""
    notes = ticket_notes(ticket) if access.may_read_notes(user, ticket) else []
    return {
        "notes": notes,
        "can_note": access.may_write_note(user, ticket),
        "note_form": NoteForm(prefix="note"),
        "reply_templates": templates_for(user),
    }


# ---------------------------------------------------------------- search and views (§2)


def view_query(data: QueryDict) -> str:
    return urlencode([(k, v) for k in VIEW_PARAMS for v in data.getlist(k) if v])


@require_GET
@staff_required
def search(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    form = SearchForm(request.GET or None)
    page = search_page(user, form.params(), timezone.now())
    query = view_query(request.GET)
    return render(
        request,
        "desk/search.html",
        {
            "section": "search",
            "form": form,
            "page": page,
            "builtin": BUILTIN_VIEWS,
            "query": query,
            "next_query": (
                _with(request.GET, after=page.next_cursor, before="") if page.next_cursor else ""
            ),
            "prev_query": (
                _with(request.GET, before=page.prev_cursor, after="") if page.prev_cursor else ""
            ),
            "first_query": _with(request.GET, after="", before=""),
            "view_form": SavedViewForm(initial={"query": query}),
        },
    )


def _with(data: QueryDict, **changes: str) -> str:
    copy = data.copy()
    for name, value in changes.items():
        copy.pop(name, None)
        if value:
            copy[name] = value
    return copy.urlencode()


@require_POST
@staff_required
def view_save(request: HttpRequest) -> HttpResponse:
    form = SavedViewForm(request.POST)
    if form.is_valid():
        # Only the search's own parameters are kept, re-read from the saved string.
        query = view_query(QueryDict(form.cleaned_data["query"]))
        try:
            saved_view_save(actor=user_of(request), name=form.cleaned_data["name"], query=query)
        except TicketError as error:
            messages.error(request, error.message)
            return redirect(reverse("desk:search") + "?" + query)
        messages.success(
            request, _("Вид «%(name)s» сохранён") % {"name": form.cleaned_data["name"]}
        )
        return redirect(reverse("desk:search") + "?" + query)
    messages.error(request, _("Укажите название вида"))
    return redirect("desk:search")


@require_POST
@staff_required
def view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    view = get_object_or_404(SavedView, pk=pk, user=user_of(request))
    saved_view_delete(actor=user_of(request), view=view)
    messages.success(request, _("Вид «%(name)s» удалён") % {"name": view.name})
    return redirect("desk:search")


# ---------------------------------------------------------------- organisations, contacts (§3)


@require_GET
@staff_required
def organisation(request: HttpRequest, pk: int) -> HttpResponse:
    page = organisation_page(user_of(request), pk, rules.local_date(timezone.now()))
    if page is None:
        raise Http404
    return render(request, "desk/organisation.html", {"page": page, "section": "registries"})


@require_GET
@staff_required
def contact(request: HttpRequest) -> HttpResponse:
    page = contact_page(user_of(request), request.GET.get("email", "")[:254])
    if page is None:
        raise Http404
    return render(request, "desk/contact.html", {"page": page, "section": "registries"})


# ---------------------------------------------------------------- internal notes (§4)


@require_POST
@staff_required
def note(request: HttpRequest, number: str) -> HttpResponse:
    ticket = _ticket(request, number)
    form = NoteForm(request.POST, prefix="note")
    if not form.is_valid():
        messages.error(request, _("Напишите текст заметки"))
        return redirect(reverse("desk:ticket", args=[number]) + "#notes")
    try:
        note_add(ticket=ticket, actor=user_of(request), text=form.cleaned_data["text"])
    except TicketError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Заметка добавлена"))
    return redirect(reverse("desk:ticket", args=[number]) + "#notes")


# ---------------------------------------------------------------- reply templates (§5)


@require_GET
@staff_required
def template_fill(request: HttpRequest, number: str) -> HttpResponse:
    """htmx: the answer box with the chosen template inserted after what is typed already."""
    ticket = _ticket(request, number)
    typed = request.GET.get("answer-text", "")[:100_000]
    text = filled_template(user_of(request), request.GET.get("template", ""), ticket)
    if text is not None:
        typed = f"{typed.rstrip()}\n\n{text}" if typed.strip() else text
    return render(request, "desk/_answer_text.html", {"text": typed})


@staff_required
def templates(request: HttpRequest) -> HttpResponse:
    """The user's templates: the regulation's, the shared ones and their own; a new one."""
    user = user_of(request)
    status = 200
    form = TemplateForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                reply_template_save(
                    actor=user, title=d["title"], body=d["body"], shared=d["shared"]
                )
            except TicketError as error:
                form.add_error(None, error.message)
                status = 403
            else:
                messages.success(request, _("Шаблон «%(title)s» сохранён") % {"title": d["title"]})
                return redirect("desk:templates")
        else:
            status = 400
    rows = access.visible_templates(user).select_related("owner")
    return render(
        request,
        "desk/templates.html",
        {
            "form": form,
            "rows": [
                (
                    t,
                    access.may_edit_template(user, t),
                    TemplateForm(prefix=f"t{t.pk}", initial={"title": t.title, "body": t.body}),
                )
                for t in rows
            ],
            "choices": regulation_templates(),
            "can_share": access.may_share_templates(user),
            "section": "templates",
        },
        status=status,
    )


@require_POST
@staff_required
def template_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a template's title and text; a shared one stays shared, a personal one personal."""
    template = get_object_or_404(access.visible_templates(user_of(request)), pk=pk)
    form = TemplateForm(request.POST, prefix=f"t{pk}")
    if not form.is_valid():
        messages.error(request, _("Укажите название и текст шаблона"))
        return redirect("desk:templates")
    try:
        reply_template_save(
            actor=user_of(request),
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            shared=template.owner_id is None,
            template=template,
        )
    except TicketError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("Шаблон «%(title)s» сохранён") % {"title": form.cleaned_data["title"]}
        )
    return redirect("desk:templates")


@require_POST
@staff_required
def template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(access.visible_templates(user_of(request)), pk=pk)
    try:
        reply_template_delete(actor=user_of(request), template=template)
    except TicketError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Шаблон удалён"))
    return redirect("desk:templates")
