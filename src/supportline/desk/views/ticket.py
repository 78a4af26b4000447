"""One ticket: the page that explains it, and one small form per lifecycle action.

Every action parses its form, calls its service (the one write path) and redirects back with
a message (PRG); a refusal of the service is shown on the page in Russian, with the form kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from supportline.accounts.models import User
from supportline.desk import forms as f
from supportline.desk.selectors.links import ticket_links
from supportline.desk.selectors.ticket import TicketPage, ticket_for_page, ticket_page
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


def _form_kwargs(name: str, page: TicketPage) -> dict[str, Any]:
    if name == "refuse":
        return {"missing": page.eligibility.missing}
    return {}


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
            actions.append((name, action, bound))
        elif action.offered(user, ticket):
            form = action.form(prefix=name, ticket=ticket, **_form_kwargs(name, page))
            actions.append((name, action, form))
    context: dict[str, Any] = {
        "page": page,
        "ticket": ticket,
        "actions": actions,
        "failed": failed,
        "section": "queue",
        **workday.ticket_extras(user, ticket),
    }
    context.update(links_context(user, ticket))
    return render(request, "desk/ticket.html", context, status=status)


def links_context(user: User, ticket: Ticket) -> dict[str, Any]:
    """Issue 14 §6: the links panel, and the merge and link forms where the rules allow them."""
    return {
        "links": ticket_links(user, ticket),
        "may_link": access.is_line_worker(user, ticket),
        "may_merge": access.is_line(user) and ticket.status in MERGEABLE,
        "link_form": f.LinkForm(prefix="link"),
        "merge_form": f.MergeForm(prefix="merge"),
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
