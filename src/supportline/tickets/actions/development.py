"""The development side (R15): development items get a target release; a published release
notifies the clients whose tickets wait for it."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from supportline.accounts.models import Role, User
from supportline.registry.models import Release
from supportline.tickets import access
from supportline.tickets.actions import steps
from supportline.tickets.errors import TransitionError
from supportline.tickets.models import (
    DevelopmentItem,
    EventType,
    Message,
    Notification,
    Ticket,
)


@transaction.atomic
def development_item_plan(
    *, item: DevelopmentItem, actor: User, release: Release, now: dt.datetime | None = None
) -> DevelopmentItem:
    """R15: the release date is set during diagnosis — the item gets a target release."""
    now = steps.moment(now)
    access.require(
        access.may_plan_development(actor),
        # Translators: completes «Недостаточно прав: %(what)s» ("Not allowed: …").
        _("планировать релиз"),
    )
    item.target_release = release
    item.save(update_fields=["target_release"])
    for ticket in item.tickets.all():
        steps.event(
            ticket, EventType.DATA_CHANGED, now, actor, target_release=release.version, item=item.pk
        )
    return item


@transaction.atomic
def release_publish(
    *, release: Release, actor: User, now: dt.datetime | None = None
) -> list[Notification]:
    """R15: a published release notifies every client whose ticket is linked to it."""
    now = steps.moment(now)
    access.require(
        access.may_publish_release(actor),
        # Translators: completes «Недостаточно прав: %(what)s» ("Not allowed: …").
        _("публиковать релизы"),
    )
    release = Release.objects.select_for_update().get(pk=release.pk)  # two publishers: one wins
    if release.published_at is not None:
        raise TransitionError(_("Релиз %(version)s уже опубликован") % {"version": release.version})
    Release.objects.filter(configuration=release.configuration).update(is_current=False)
    release.is_current = True
    release.published_at = now
    release.save(update_fields=["is_current", "published_at"])
    notices = []
    tickets = Ticket.objects.filter(development_item__target_release=release).select_related(
        "created_by"
    )
    for ticket in tickets:
        # Stored (message and notification) for the client: the line's language, Russian.
        text = (
            f"Вышел релиз {release.version} конфигурации «{release.configuration.name}»: в него "
            f"вошло решение по вашему обращению № {ticket.number}."
        )
        steps.message(
            ticket,
            at=now,
            author=None,
            kind=Message.Author.SYSTEM,
            purpose=Message.Purpose.RELEASE,
            body=text,
        )
        recipients = {ticket.created_by} if ticket.created_by is not None else set()
        if ticket.organisation_id is not None:
            recipients |= set(
                User.objects.filter(organisation_id=ticket.organisation_id, role=Role.CLIENT)
            )
        for user in recipients:
            if user is None or not access.is_client(user):
                continue
            notice, _created = Notification.objects.get_or_create(
                user=user,
                ticket=ticket,
                kind="release_published",
                defaults={"text": text, "created_at": now},
            )
            notices.append(notice)
    return notices
