"""R13: the page behind a one-click rating link of the evaluation mail — no sign-in.

GET shows what the link will do (the ticket, the rating) with an optional comment and never
changes anything (mail scanners open links); POST, with the CSRF token, rates through
`ticket_evaluate_by_link`. A forged link answers 400, a used one 409, an expired one 410 —
each with a page that says so in Russian, never a 500.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from supportline.tickets import rating_links
from supportline.tickets.actions.lifecycle import evaluation_ends, ticket_evaluate_by_link
from supportline.tickets.errors import LinkExpired, TicketError, TransitionError
from supportline.tickets.models import Ticket

LABELS = {
    5: gettext_lazy("отлично"),
    4: gettext_lazy("хорошо"),
    3: gettext_lazy("удовлетворительно"),
    2: gettext_lazy("плохо"),
    1: gettext_lazy("очень плохо"),
}


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Комментарий (необязательно)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def _refused(request: HttpRequest, *, status: int, title: str, text: str) -> HttpResponse:
    return render(
        request,
        "portal/rate.html",
        {"state": "refused", "title": title, "text": text},
        status=status,
    )


def _forged(request: HttpRequest) -> HttpResponse:
    return _refused(
        request,
        status=400,
        title=_("Ссылка недействительна"),
        text=_(
            "Эта ссылка для оценки повреждена или подделана. Откройте её из письма целиком "
            "или оцените ответ на портале."
        ),
    )


def _used(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    return _refused(
        request,
        status=409,
        title=_("Ответ уже оценён"),
        text=_(
            "Ответ по обращению %(number)s уже оценён или обращение больше не ожидает оценки: "
            "ссылка больше не действует."
        )
        % {"number": ticket.number},
    )


def _expired(request: HttpRequest, ticket: Ticket) -> HttpResponse:
    return _refused(
        request,
        status=410,
        title=_("Срок оценки истёк"),
        text=_(
            "Срок оценки ответа по обращению %(number)s истёк, и ссылка больше не действует. "
            "Если вопрос остался, зарегистрируйте новое обращение."
        )
        % {"number": ticket.number},
    )


@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = rating_links.read(token)
    except rating_links.BadLink:
        return _forged(request)
    ticket = Ticket.objects.filter(pk=link.ticket_id).first()
    if ticket is None:
        return _forged(request)
    deadline = evaluation_ends(ticket)
    if deadline is None or rating_links.current_evaluation(ticket) != link.evaluation:
        return _used(request, ticket)
    now = timezone.now()
    if now > deadline:
        return _expired(request, ticket)
    form = CommentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket_evaluate_by_link(
                ticket=ticket,
                rating=link.rating,
                comment=form.cleaned_data["comment"],
                evaluation=link.evaluation,
                now=now,
            )
        except LinkExpired:
            return _expired(request, ticket)
        except TransitionError:
            return _used(request, ticket)
        except TicketError as error:
            form.add_error("comment", error.message)
        else:
            return render(
                request, "portal/rate.html", {"state": "done", "ticket": ticket, **_rating(link)}
            )
    return render(
        request,
        "portal/rate.html",
        {"state": "confirm", "ticket": ticket, "form": form, "deadline": deadline, **_rating(link)},
        status=400 if form.errors else 200,
    )


def _rating(link: rating_links.RatingLink) -> dict[str, object]:
    return {
        "rating": link.rating,
        "label": LABELS[link.rating],
        "stars": "★" * link.rating + "☆" * (5 - link.rating),
    }
