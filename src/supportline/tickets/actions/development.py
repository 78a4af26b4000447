"""The development side (R15): releases are created and scheduled by the development department;
development items get a target release with its planned date, and the clients whose tickets wait
for it are told when the release and date are set or moved, and again when it is published. The
line may resolve a transferred ticket with "fixed in release N (planned date)"."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from supportline.accounts.models import Role, User
from supportline.core import rules
from supportline.lib.versions import version_key
from supportline.registry.models import Configuration, Release
from supportline.tickets import access
from supportline.tickets.actions import lifecycle, steps
from supportline.tickets.errors import IntakeError, TicketError, TransitionError
from supportline.tickets.models import (
    FINAL_STATUSES,
    DevelopmentItem,
    EventType,
    Message,
    Notification,
    Ticket,
)


def release_values(release: Release) -> dict[str, str]:
    """The placeholders of the regulation's release texts (R15): {version}, {configuration}
    and {planned} — the planned-date note («(плановая дата 15.01.2027)») or nothing."""
    answers = rules.regulation().answers
    planned = (
        steps.say(answers.planned_date_note, date=f"{release.planned_date:%d.%m.%Y}")
        if release.planned_date is not None
        else ""
    )
    return {
        "version": release.version,
        "configuration": release.configuration.name,
        "planned": planned,
    }


def _clients_of(ticket: Ticket) -> set[User]:
    recipients = {ticket.created_by} if ticket.created_by is not None else set()
    if ticket.organisation_id is not None:
        recipients |= set(
            User.objects.filter(organisation_id=ticket.organisation_id, role=Role.CLIENT)
        )
    return {user for user in recipients if user is not None and access.is_client(user)}


def _tell(ticket: Ticket, *, text: str, kind: str, at: dt.datetime) -> list[Notification]:
    """A message on the ticket (mailed or sent to 1C-Connect through the outbox) and an in-app
    notification for each of the client's users."""
    steps.message(
        ticket,
        at=at,
        author=None,
        kind=Message.Author.SYSTEM,
        purpose=Message.Purpose.RELEASE if kind == "release_published" else Message.Purpose.NOTICE,
        body=text,
    )
    notices = []
    for user in _clients_of(ticket):
        # One notice per kind and ticket: a newer one replaces the text and is unread again.
        notice, _created = Notification.objects.update_or_create(
            user=user,
            ticket=ticket,
            kind=kind,
            defaults={"text": text, "created_at": at, "read_at": None},
        )
        notices.append(notice)
    return notices


def tell_plan(ticket: Ticket, *, release: Release, at: dt.datetime, moved: bool = False) -> None:
    """R15: the client learns the target release and its planned date (and when it moves)."""
    if ticket.status in FINAL_STATUSES:
        return
    answers = rules.regulation().answers
    text = steps.say(
        answers.release_moved if moved else answers.release_planned,
        number=ticket.number,
        **release_values(release),
    )
    _tell(ticket, text=text, kind="release_moved" if moved else "release_planned", at=at)


@transaction.atomic
def release_create(
    *,
    actor: User,
    configuration: Configuration,
    version: str,
    planned_date: dt.date | None = None,
    notes: str = "",
    now: dt.datetime | None = None,
) -> Release:
    """R15: the development department announces a release of a configuration."""
    access.require(
        access.may_publish_release(actor),
        # Translators: completes «Недостаточно прав: %(what)s» ("Not allowed: …").
        _("создавать релизы"),
    )
    version = version.strip()
    release = Release(
        configuration=configuration,
        version=version,
        planned_date=planned_date,
        notes=notes.strip(),
    )
    try:
        release.full_clean()
    except ValidationError as error:
        raise IntakeError(
            {
                field: " ".join(str(m) for m in messages)
                for field, messages in error.message_dict.items()
            }
        ) from None
    release.save()
    return release


@transaction.atomic
def release_reschedule(
    *, release: Release, actor: User, planned_date: dt.date, now: dt.datetime | None = None
) -> Release:
    """R15: a new planned date; every client waiting for the release is told it moved."""
    now = steps.moment(now)
    access.require(
        access.may_plan_development(actor),
        # Translators: completes «Недостаточно прав: %(what)s» ("Not allowed: …").
        _("планировать релиз"),
    )
    release = Release.objects.select_for_update().select_related("configuration").get(pk=release.pk)
    if release.published_at is not None:
        raise TransitionError(_("Релиз %(version)s уже опубликован") % {"version": release.version})
    if release.planned_date == planned_date:
        return release
    release.planned_date = planned_date
    release.save(update_fields=["planned_date"])
    waiting = Ticket.objects.filter(development_item__target_release=release).exclude(
        status__in=FINAL_STATUSES
    )
    for ticket in waiting:
        steps.event(
            ticket,
            EventType.DATA_CHANGED,
            now,
            actor,
            target_release=release.version,
            planned_date=planned_date.isoformat(),
        )
        tell_plan(ticket, release=release, at=now, moved=True)
    return release


@transaction.atomic
def development_item_plan(
    *, item: DevelopmentItem, actor: User, release: Release, now: dt.datetime | None = None
) -> DevelopmentItem:
    """R15: the release date is set during diagnosis — the item gets a target release, and the
    clients of its tickets learn the release and its planned date."""
    now = steps.moment(now)
    access.require(
        access.may_plan_development(actor),
        # Translators: completes «Недостаточно прав: %(what)s» ("Not allowed: …").
        _("планировать релиз"),
    )
    if release.published_at is not None:
        raise TransitionError(_("Релиз %(version)s уже опубликован") % {"version": release.version})
    unchanged = item.target_release_id == release.pk
    item.target_release = release
    item.save(update_fields=["target_release"])
    for ticket in item.tickets.all():
        steps.event(
            ticket, EventType.DATA_CHANGED, now, actor, target_release=release.version, item=item.pk
        )
        if not unchanged:
            tell_plan(ticket, release=release, at=now)
    return item


def _newer_current(release: Release) -> Release | None:
    """The configuration's current release when it is newer than `release`."""
    current = (
        Release.objects.filter(configuration=release.configuration, is_current=True)
        .exclude(pk=release.pk)
        .first()
    )
    if current is not None and version_key(current.version) > version_key(release.version):
        return current
    return None


def publish_would_be_current(release: Release) -> bool:
    """What the confirmation asks about: publishing an older release never makes it current."""
    return _newer_current(release) is None


@transaction.atomic
def release_publish(
    *, release: Release, actor: User, now: dt.datetime | None = None
) -> list[Notification]:
    """R15: a published release notifies every client whose ticket is linked to it. It becomes
    the configuration's current release (R4) unless a newer one already is."""
    now = steps.moment(now)
    access.require(
        access.may_publish_release(actor),
        # Translators: completes «Недостаточно прав: %(what)s» ("Not allowed: …").
        _("публиковать релизы"),
    )
    release = Release.objects.select_for_update().get(pk=release.pk)  # two publishers: one wins
    if release.published_at is not None:
        raise TransitionError(_("Релиз %(version)s уже опубликован") % {"version": release.version})
    if _newer_current(release) is None:
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
        text = steps.say(
            rules.regulation().answers.release_published,
            number=ticket.number,
            **release_values(release),
        )
        steps.message(
            ticket,
            at=now,
            author=None,
            kind=Message.Author.SYSTEM,
            purpose=Message.Purpose.RELEASE,
            body=text,
        )
        for user in _clients_of(ticket):
            notice, _created = Notification.objects.get_or_create(
                user=user,
                ticket=ticket,
                kind="release_published",
                defaults={"text": text, "created_at": now},
            )
            notices.append(notice)
    return notices


@transaction.atomic
def ticket_resolve_in_release(
    *, ticket: Ticket, actor: User, text: str = "", now: dt.datetime | None = None
) -> Ticket:
    """R15: the line resolves a transferred ticket with "fixed in release N (planned date)";
    the development item keeps its own life until the release is published."""
    ticket = steps.lock(ticket)
    item = ticket.development_item
    release = item.target_release if item is not None else None
    if release is None:
        raise TicketError(
            _("У обращения %(number)s нет задачи разработки с запланированным релизом")
            % {"number": ticket.number}
        )
    answer = steps.say(
        rules.regulation().answers.fixed_in_release,
        number=ticket.number,
        **release_values(release),
    )
    if text.strip():
        answer += "\n\n" + text.strip()
    return lifecycle.ticket_resolve(ticket=ticket, actor=actor, text=answer, now=now)


__all__ = [
    "development_item_plan",
    "publish_would_be_current",
    "release_create",
    "release_publish",
    "release_reschedule",
    "ticket_resolve_in_release",
]
