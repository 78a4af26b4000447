"""A consultant's own working set on the desk (issue 14 §2, §5): reply templates (personal or,
for supervisors, shared) and saved views of the search."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from supportline.accounts.models import User
from supportline.tickets import access
from supportline.tickets.actions import steps
from supportline.tickets.errors import TicketError
from supportline.tickets.models import ReplyTemplate, SavedView


@transaction.atomic
def reply_template_save(
    *,
    actor: User,
    title: str,
    body: str,
    shared: bool,
    template: ReplyTemplate | None = None,
    now: dt.datetime | None = None,
) -> ReplyTemplate:
    """Create (or change) a template: a personal one of the actor, or a shared one."""
    access.require(access.is_staff_member(actor), _("вести шаблоны ответов"))
    if shared:
        access.require(access.may_share_templates(actor), _("вести общие шаблоны ответов"))
    if template is not None:
        access.require(access.may_edit_template(actor, template), _("изменять этот шаблон"))
    if not title.strip() or not body.strip():
        raise TicketError(_("Укажите название и текст шаблона"))
    row = template or ReplyTemplate(created_at=steps.moment(now))
    row.title = title.strip()
    row.body = body.strip()
    row.owner = None if shared else actor
    row.save()
    return row


@transaction.atomic
def reply_template_delete(*, actor: User, template: ReplyTemplate) -> None:
    access.require(access.may_edit_template(actor, template), _("удалять этот шаблон"))
    template.delete()


@transaction.atomic
def saved_view_save(
    *, actor: User, name: str, query: str, now: dt.datetime | None = None
) -> SavedView:
    """Save the search's parameters under a name of the actor's (the same name replaces)."""
    access.require(access.may_search_desk(actor), _("сохранять виды"))
    name = name.strip()
    if not name:
        raise TicketError(_("Укажите название вида"))
    try:
        with transaction.atomic():
            view, _created = SavedView.objects.update_or_create(
                user=actor, name=name, defaults={"query": query, "created_at": steps.moment(now)}
            )
    except IntegrityError:  # the same name saved a moment ago by another tab
        view = SavedView.objects.get(user=actor, name=name)
    return view


@transaction.atomic
def saved_view_delete(*, actor: User, view: SavedView) -> None:
    access.require(access.may_edit_view(actor, view), _("удалять чужие виды"))
    view.delete()
