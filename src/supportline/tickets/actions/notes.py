"""Internal notes of the line on a ticket (issue 14 §4): for the hand-off to a methodologist or
developer and back. A note is not a message: it never reaches the client (no outbox job, not on
the portal, not in the API for clients), and it moves no clock (R7, R8 read only messages'
events). An @mention of a colleague («@consultant2») notifies them in the app.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import transaction
from django.utils.translation import gettext as _

from supportline.accounts.models import User
from supportline.tickets import access
from supportline.tickets.actions import steps
from supportline.tickets.errors import TicketError
from supportline.tickets.models import InternalNote, Ticket
from supportline.tickets.notify import notify_mentioned

# «@username»: Django's username characters (letters, digits, @ . + - _), not ending in a dot.
MENTION = re.compile(r"(?<![\w@])@([\w.+-]*[\w+-])")
# The first characters of a note quoted in the notification.
EXCERPT = 200


def mentioned_users(text: str, *, author: User) -> list[User]:
    """The users a text @mentions (active, never the author); `notify_mentioned` decides who
    of them may be notified."""
    names = {m.lower() for m in MENTION.findall(text)}
    if not names:
        return []
    found = User.objects.filter(username__in=_cased(text), is_active=True).exclude(pk=author.pk)
    return [u for u in found if u.username.lower() in names]


def _cased(text: str) -> list[str]:
    """Usernames as typed and lower-cased (usernames are case-sensitive in Django)."""
    typed = MENTION.findall(text)
    return list({*typed, *(t.lower() for t in typed)})


@transaction.atomic
def note_add(
    *, ticket: Ticket, actor: User, text: str, now: dt.datetime | None = None
) -> InternalNote:
    """A note of a consultant, methodologist or developer working the ticket."""
    access.require(access.may_write_note(actor, ticket), _("писать внутренние заметки"))
    body = text.strip()
    if not body:
        raise TicketError(_("Напишите текст заметки"))
    now = steps.moment(now)
    note = InternalNote.objects.create(ticket=ticket, at=now, author=actor, body=body)
    users = [u for u in mentioned_users(body, author=actor) if access.may_be_mentioned(u)]
    if users:
        note.mentioned.set(users)
        who = actor.get_full_name() or actor.username
        excerpt = body if len(body) <= EXCERPT else body[:EXCERPT] + "…"
        # Stored for the line's people: in the line's language, like the other notices.
        notify_mentioned(
            users,
            ticket=ticket,
            by=actor,
            key=str(note.pk),
            text=f"{who} упоминает вас в заметке к обращению {ticket.number}: «{excerpt}»",
            now=now,
        )
    return note
