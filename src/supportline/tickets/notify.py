"""Notifications of the line's people (issue 14 §7): the one helper every cause calls — client
reply, rejection in evaluation (R13), new complaint (R20), assignment, @mention, SLA warning and
breach (R11), release published (R15).

Each is an in-app notification (the header's badge, the queue's unread marker); a user who
chose «also by mail» (`User.notify_by_mail`) gets it mailed too — a job written in the cause's
own transaction (the outbox), sent by the worker after commit (`mail.send_notification`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from supportline.accounts.models import Role, User
from supportline.jobs.core import enqueue
from supportline.tickets.models import Notification, Ticket

MAIL_JOB = "mail.send_notification"


def notify(
    users: Iterable[User],
    *,
    ticket: Ticket | None,
    kind: str,
    text: str,
    now: dt.datetime,
    renew: bool = False,
) -> int:
    """Once per (user, ticket, kind): repeated calls (a job run twice) add nothing. With
    `renew`, a repeated cause (another reply of the client, say) makes the existing notice
    unread again with the new text and instant. Returns how many notices were made or
    renewed; each of them is also mailed to a user who asked for mail."""
    made = 0
    for user in {u.pk: u for u in users}.values():
        if renew:
            notice, created = Notification.objects.update_or_create(
                user=user,
                ticket=ticket,
                kind=kind,
                defaults={"text": text, "created_at": now, "read_at": None},
            )
        else:
            notice, created = Notification.objects.get_or_create(
                user=user, ticket=ticket, kind=kind, defaults={"text": text, "created_at": now}
            )
        if not (created or renew):
            continue
        made += 1
        if user.notify_by_mail and user.email:
            enqueue(
                MAIL_JOB,
                {"notification": notice.pk},
                dedupe_key=f"mail:notification:{notice.pk}:{int(now.timestamp())}",
            )
    return made


def notify_one(
    user: User | None, *, ticket: Ticket | None, kind: str, text: str, now: dt.datetime
) -> int:
    """One person (an assignee, a mentioned colleague); nobody when `user` is None."""
    if user is None or not user.is_active:
        return 0
    return notify([user], ticket=ticket, kind=kind, text=text, now=now, renew=True)


def notify_mentioned(
    users: Iterable[User], *, ticket: Ticket, by: User, key: str, text: str, now: dt.datetime
) -> int:
    """An @mention of colleagues (in an internal note, say): each of them who may be mentioned
    (`access.may_be_mentioned`: the line's active staff) except the author, once per `key`
    (the note's id)."""
    from supportline.tickets import access  # access imports the models this module uses

    return notify(
        [u for u in users if u.pk != by.pk and u.is_active and access.may_be_mentioned(u)],
        ticket=ticket,
        kind=f"mention:{key}",
        text=text,
        now=now,
    )


def supervisors() -> list[User]:
    return list(User.objects.filter(role__in=[Role.SUPERVISOR], is_active=True))


def consultants_for(ticket: Ticket) -> list[User]:
    """The assignee, or every active consultant while nobody has taken the ticket."""
    if ticket.assignee is not None:
        return [ticket.assignee]
    return list(User.objects.filter(role=Role.CONSULTANT, is_active=True))
