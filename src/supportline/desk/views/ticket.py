"""One ticket: the page that explains it, and one small form per lifecycle action.

Every action parses its form, calls its service (the one write path) and redirects back with
a message (PRG); a refusal of the service is shown on the page in Russian, with the form kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from supportline.accounts.models import User
from supportline.core import rules
from supportline.desk import forms as f
from supportline.desk.selectors.common import RegistrationCard, registration_card
from supportline.desk.selectors.links import ticket_links
from supportline.desk.selectors.templates import templates_for
from supportline.desk.selectors.ticket import ticket_for_page, ticket_page
from supportline.desk.views import workday
from supportline.desk.views.common import show_error, staff_required, user_of
from supportline.tickets import access
from supportline.tickets.actions.development import ticket_resolve_in_release
from supportline.tickets.actions.escalation import (
    ticket_assign,
    ticket_change_level,
    ticket_redirect,
    ticket_refuse,
    ticket_transfer,
)
from supportline.tickets.actions.lifecycle import (
    ticket_accept,
    ticket_ask,
    ticket_resolve,
)
from supportline.tickets.actions.merge import MERGEABLE
from supportline.tickets.actions.registration import (
    ticket_complete_data,
    ticket_confirm_exemption,
    ticket_reclassify,
)
from supportline.tickets.actions.steps import ALLOWED_FROM, allowed, exemption_settled
from supportline.tickets.actions.update_access import update_access_decide
from supportline.tickets.errors import TicketError
from supportline.tickets.intake import Eligibility, contract_eligibility
from supportline.tickets.models import FINAL_STATUSES, Exemption, Kind, Ticket

ALLOWED = ALLOWED_FROM  # the statuses each action may start from (one table)


def _line(user: User) -> bool:
    return access.is_line(user)


@dataclass(frozen=True)
class Action:
    """A lifecycle action: its form, the service call, the message after it, and when the
    page offers it (the service's own checks stay the authority)."""

    title: Promise
    form: type[f.TicketForm]
    run: Callable[[Any, Ticket, User], object]
    done: Promise
    offered: Callable[[User, Ticket], bool]


def _exemption_to_decide(u: User, t: Ticket) -> bool:
    return (
        access.may_decide_exemption(u)
        and t.exemption == Exemption.PENDING
        and t.status in ALLOWED["exemption"]
    )


ACTIONS: dict[str, Action] = {
    "confirm_exemption": Action(
        _("Подтвердить исключение: вопрос о лицензировании или системе защиты"),
        f.ConfirmExemptionForm,
        lambda form, t, u: ticket_confirm_exemption(ticket=t, actor=u),
        _("Исключение подтверждено: обращение %(number)s обслуживается без договоров"),
        _exemption_to_decide,
    ),
    "reclassify": Action(
        _("Переквалифицировать: вопрос не об этом (отказ: нет договоров)"),
        f.ReclassifyForm,
        lambda form, t, u: ticket_reclassify(
            ticket=t,
            actor=u,
            category=form.cleaned_data["category"],
            reason=form.cleaned_data["reason"],
        ),
        _("Обращение %(number)s переквалифицировано; отказ из-за отсутствия договоров отправлен"),
        _exemption_to_decide,
    ),
    "accept": Action(
        _("Принять в работу"),
        f.AcceptForm,
        lambda form, t, u: ticket_accept(ticket=t, actor=u, text=form.cleaned_data["text"]),
        _("Обращение %(number)s принято в работу"),
        lambda u, t: allowed(t, "accept") and exemption_settled(t),
    ),
    "ask": Action(
        _("Задать вопрос клиенту"),
        f.AskForm,
        lambda form, t, u: ticket_ask(ticket=t, actor=u, text=form.cleaned_data["text"]),
        _("Вопрос клиенту отправлен; срок решения на паузе"),
        lambda u, t: allowed(t, "ask"),
    ),
    "answer": Action(
        _("Ответить клиенту"),
        f.AnswerForm,
        workday.answer,  # with the files chosen (issue 14 §1)
        _("Ответ клиенту отправлен"),
        lambda u, t: t.status in ALLOWED["answer"] and exemption_settled(t),
    ),
    "resolve": Action(
        _("Передать на оценку клиенту"),
        f.ResolveForm,
        lambda form, t, u: ticket_resolve(ticket=t, actor=u, text=form.cleaned_data["text"]),
        _("Обращение %(number)s передано на оценку клиенту"),
        lambda u, t: t.status in ALLOWED["resolve"] and exemption_settled(t),
    ),
    "resolve_release": Action(
        _("Решено в релизе"),
        f.ResolveInReleaseForm,
        lambda form, t, u: ticket_resolve_in_release(
            ticket=t, actor=u, text=form.cleaned_data["text"]
        ),
        _("Обращение %(number)s передано на оценку: исправлено в релизе"),
        lambda u, t: (
            t.status in ALLOWED["resolve"]
            and t.development_item is not None
            and t.development_item.target_release is not None
        ),
    ),
    "level": Action(
        _("Изменить уровень поддержки"),
        f.LevelForm,
        lambda form, t, u: ticket_change_level(
            ticket=t, actor=u, level=form.cleaned_data["level"], reason=form.cleaned_data["reason"]
        ),
        _("Уровень поддержки изменён"),
        lambda u, t: t.status not in FINAL_STATUSES,
    ),
    "transfer": Action(
        _("Передать методологу / в отдел разработки"),
        f.TransferForm,
        lambda form, t, u: ticket_transfer(
            ticket=t,
            actor=u,
            to=form.cleaned_data["to"],
            kind=form.cleaned_data["kind"],
            reason=form.cleaned_data["reason"],
            title=form.cleaned_data["title"],
            development_item=form.cleaned_data["development_item"],
        ),
        _("Обращение %(number)s передано"),
        lambda u, t: (
            _line(u)
            and t.status in ALLOWED["transfer"]
            and t.kind == Kind.CONSULTATION
            and exemption_settled(t)
        ),
    ),
    "redirect": Action(
        _("Перенаправить: вне рамок регламента"),
        f.RedirectForm,
        lambda form, t, u: ticket_redirect(
            ticket=t, actor=u, category=form.cleaned_data["category"], text=form.text_to_send()
        ),
        _("Обращение %(number)s перенаправлено"),
        lambda u, t: t.status in ALLOWED["redirect"] and t.kind == Kind.CONSULTATION,
    ),
    "refuse": Action(
        _("Отказать: нет действующего договора"),
        f.RefuseForm,
        lambda form, t, u: ticket_refuse(ticket=t, actor=u, reason=form.cleaned_data["reason"]),
        _("В обслуживании обращения %(number)s отказано"),
        lambda u, t: t.status in ALLOWED["refuse"],
    ),
    "assign": Action(
        _("Назначить исполнителя"),
        f.AssignForm,
        lambda form, t, u: ticket_assign(ticket=t, actor=u, assignee=form.cleaned_data["assignee"]),
        _("Исполнитель назначен"),
        lambda u, t: _line(u) and t.status not in FINAL_STATUSES,
    ),
    "complete": Action(
        _("Дополнить данные обращения"),
        f.CompleteDataForm,
        lambda form, t, u: ticket_complete_data(ticket=t, actor=u, data=form.intake()),
        _("Данные обращения %(number)s дополнены"),
        lambda u, t: t.status in ALLOWED["complete"] and bool(t.missing_fields),
    ),
    "decide": Action(
        _("Решение по доступу к обновлениям"),
        f.DecideForm,
        lambda form, t, u: update_access_decide(
            ticket=t,
            actor=u,
            login=form.cleaned_data["login"],
            configurations=form.configuration_list(),
        ),
        _("Решение по запросу %(number)s принято"),
        lambda u, t: _line(u) and t.kind == Kind.UPDATE_ACCESS and t.status in ALLOWED["decide"],
    ),
}


# The forms the page writes up front: the everyday answer, acceptance and resolution. Every
# other action's form (and the links panel's two) loads when its <details> opens (htmx GET of
# `desk:action_form`), or on a page of its own without JavaScript: building and writing a
# dozen forms for every view of the page was most of its time (issue 15).
UP_FRONT = frozenset({"accept", "answer", "resolve"})
# The links panel's forms (issue 14 §6), loaded the same way; they post to their own views.
PANEL_FORMS = ("link", "merge")


@dataclass(frozen=True)
class Slot:
    """One action on the page: a form written now, or (`form` None) one loaded when opened."""

    name: str
    title: Promise
    button: Promise
    form: f.DeskForm | None
    number: str

    @property
    def post(self) -> str:
        """The URL the form posts to."""
        if self.name in PANEL_FORMS:
            return reverse(f"desk:{self.name}", args=[self.number])
        return reverse("desk:act", args=[self.number, self.name])

    @cached_property
    def load(self) -> str:
        """The URL of the form alone (htmx), or of its page (without JavaScript)."""
        return reverse("desk:action_form", args=[self.number, self.name])


def _slot(name: str, ticket: Ticket, form: f.DeskForm | None) -> Slot:
    title: Promise
    button: Promise
    if name == "link":
        title, button = _("Связать с обращением"), _("Связать")
    elif name == "merge":
        title = _("Объединить: это дубль другого обращения")
        button = _("Объединить и закрыть этот дубль")
    else:
        title = button = ACTIONS[name].title
    return Slot(name, title, button, form, str(ticket.number))


def offered(name: str, user: User, ticket: Ticket) -> bool:
    """Whether the page offers this action (or panel form) to this user for this ticket: what
    the page shows and what its form's URL serves (the service's checks stay the authority)."""
    if name == "link":
        return access.is_line_worker(user, ticket)
    if name == "merge":
        return access.is_line(user) and ticket.status in MERGEABLE
    action = ACTIONS.get(name)
    return action is not None and action.offered(user, ticket)


def _new_form(name: str, ticket: Ticket, eligibility: Eligibility | None) -> f.DeskForm:
    if name == "link":
        return f.LinkForm(prefix="link")
    if name == "merge":
        return f.MergeForm(prefix="merge")
    kwargs: dict[str, Any] = {}
    if name == "refuse":
        if eligibility is None:
            eligibility = contract_eligibility(ticket.registration, ticket.registered_at)
        kwargs["missing"] = eligibility.missing
    return ACTIONS[name].form(prefix=name, ticket=ticket, **kwargs)


def _render(
    request: HttpRequest,
    ticket: Ticket,
    *,
    failed: str = "",
    bound: f.TicketForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = user_of(request)
    page = ticket_page(ticket, timezone.now())
    actions = []
    for name, action in ACTIONS.items():
        if name == failed and bound is not None:
            actions.append(_slot(name, ticket, bound))
        elif action.offered(user, ticket):
            form = _new_form(name, ticket, page.eligibility) if name in UP_FRONT else None
            actions.append(_slot(name, ticket, form))
    context: dict[str, Any] = {
        "page": page,
        "ticket": ticket,
        "actions": actions,
        "failed": failed,
        "section": "queue",
        **_form_context(page.eligibility, page.registration),
        **workday.ticket_extras(user, ticket),
    }
    context.update(links_context(user, ticket))
    return render(request, "desk/ticket.html", context, status=status)


def _form_context(eligibility: Eligibility, card: RegistrationCard | None) -> dict[str, Any]:
    """What the forms' notes say about the contracts (refusal, update access)."""
    return {
        "eligibility": eligibility,
        "eligible_today": card is not None and card.eligible_today,
    }


def links_context(user: User, ticket: Ticket) -> dict[str, Any]:
    """Issue 14 §6: the links panel, and the merge and link forms where the rules allow them
    (loaded when opened, as the other actions)."""
    return {
        "links": ticket_links(user, ticket),
        "may_link": offered("link", user, ticket),
        "may_merge": offered("merge", user, ticket),
        "link_slot": _slot("link", ticket, None),
        "merge_slot": _slot("merge", ticket, None),
    }


def _ticket(request: HttpRequest, number: str) -> Ticket:
    """A ticket the user may see — 404 otherwise, so its existence is not leaked."""
    ticket = ticket_for_page(user_of(request), number)
    if ticket is None:
        raise Http404
    return ticket


@require_GET
@staff_required
def ticket(request: HttpRequest, number: str) -> HttpResponse:
    return _render(request, _ticket(request, number))


@require_POST
@staff_required
def act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    ticket = _ticket(request, number)
    form = spec.form(request.POST, request.FILES, prefix=action, ticket=ticket)
    if not form.is_valid():
        return _render(request, ticket, failed=action, bound=form, status=400)
    try:
        spec.run(form, ticket, user_of(request))
    except TicketError as error:
        status = show_error(form, error)
        return _render(request, ticket, failed=action, bound=form, status=status)
    messages.success(request, str(spec.done) % {"number": ticket.number})
    return redirect("desk:ticket", number=ticket.number)


@require_GET
@staff_required
def redirect_answer(request: HttpRequest, number: str) -> HttpResponse:
    """R3: the standard answer of the category just chosen (htmx swaps it into the form)."""
    ticket = _ticket(request, number)
    form = f.RedirectForm(
        prefix="redirect", ticket=ticket, category=request.GET.get("redirect-category", "")
    )
    return render(request, "desk/_redirect_answer.html", {"form": form})


@require_GET
@staff_required
def action_form(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """One action's form for the ticket page: the fragment htmx puts into the opened
    <details>, or without htmx a page of its own (the page works without JavaScript). The same
    checks as the page and the action: a ticket the user may see (404), an action the page
    offers this user for this ticket (403)."""
    if action not in ACTIONS and action not in PANEL_FORMS:
        raise Http404
    ticket = _ticket(request, number)
    user = user_of(request)
    if not offered(action, user, ticket):
        raise PermissionDenied
    eligibility = card = None
    if action in ("refuse", "decide"):
        reg = ticket.registration  # its contracts read with the ticket
        contracts = reg.contracts.all() if reg is not None else None
        eligibility = contract_eligibility(reg, ticket.registered_at, contracts)
        card = registration_card(reg, rules.local_date(timezone.now())) if reg else None
    context: dict[str, Any] = {
        "ticket": ticket,
        "slot": _slot(action, ticket, _new_form(action, ticket, eligibility)),
        "section": "queue",
    }
    if eligibility is not None:
        context.update(_form_context(eligibility, card))
    if action == "answer":
        context["reply_templates"] = templates_for(user)
    htmx = request.headers.get("HX-Request") == "true"
    template = "desk/_action_form.html" if htmx else "desk/ticket_action.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
