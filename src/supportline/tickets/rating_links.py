"""R13: the one-click rating links of the evaluation mail — signed, one ticket, one rating.

A link's token is ``"<ticket id>.<rating>.<evaluation>:<signature>"``, signed with the secret
key under its own salt (`django.core.signing.Signer`, HMAC-SHA256), so it cannot be forged or
moved to another ticket or rating. ``evaluation`` is the id of the resolution event that opened
the client evaluation the mail was sent for: a link from an earlier evaluation does not work in
a later one. When it stops working — the evaluation is over, or its period has ended (the
automatic close's deadline) — is decided by `lifecycle.ticket_evaluate_by_link` under the
ticket's row lock; this module only signs and reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing

from supportline.tickets.models import EventType, Status, Ticket

SALT = "supportline.tickets.rating-link"
RATINGS = (5, 4, 3, 2, 1)  # the order the mail lists them in


class BadLink(Exception):
    """The token is not one we signed (forged, altered, truncated)."""


@dataclass(frozen=True)
class RatingLink:
    ticket_id: int
    rating: int
    evaluation: int


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def current_evaluation(ticket: Ticket) -> int | None:
    """The id of the resolution event of the ticket's current evaluation (None: not in one)."""
    if ticket.status != Status.CLIENT_EVALUATION:
        return None
    event = ticket.events.filter(type=EventType.RESOLVED).order_by("-at", "-id").first()
    return None if event is None else event.pk


def tokens(ticket: Ticket) -> dict[int, str]:
    """A signed token per rating for the ticket's current evaluation ({} when not in one)."""
    evaluation = current_evaluation(ticket)
    if evaluation is None:
        return {}
    return {r: _signer().sign(f"{ticket.pk}.{r}.{evaluation}") for r in RATINGS}


def read(token: str) -> RatingLink:
    """The link a token stands for; `BadLink` unless we signed exactly this token."""
    try:
        value = _signer().unsign(token)
    except signing.BadSignature:
        raise BadLink(token) from None
    parts = value.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise BadLink(token)
    ticket_id, rating, evaluation = (int(p) for p in parts)
    if rating not in RATINGS:
        raise BadLink(token)
    return RatingLink(ticket_id=ticket_id, rating=rating, evaluation=evaluation)
