"""Keyset (cursor) pages of ticket lists (issue 15): a page starts after the last row of the
previous one, so page 1 and page 20 000 cost the same index range — no OFFSET, no COUNT(*).

A cursor is opaque to clients: the sort key of the last row shown, URL-safe base64. Two orders:
- `NEWEST`: newest first (`-registered_at`, `-id`), the ticket lists;
- `QUEUE`: the queue's regulation order (R14): out of turn first, then FIFO (`-out_of_turn`,
  `registered_at`, `id`).
A cursor that does not decode (edited, truncated, of the other order) is a `BadCursor`: the
edge answers 422 naming the `cursor` field, never 500.

Counts are capped (`capped_count`): up to `COUNT_CAP` rows are counted exactly, past that the
answer says "more than".
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Q, QuerySet

from supportline.tickets.models import Ticket

NEWEST = "n"
QUEUE = "q"
ORDERING = {
    NEWEST: ("-registered_at", "-id"),
    QUEUE: ("-out_of_turn", "registered_at", "id"),
}
# Rows a list counts exactly; beyond it the count is "more than COUNT_CAP" (no full scan).
COUNT_CAP = 1000
# The longest cursor we read (a real one is about 40 characters).
MAX_CURSOR = 120


class BadCursor(ValueError):
    """The cursor is not one we issued for this list."""


@dataclass(frozen=True)
class Key:
    out_of_turn: bool
    registered_at: dt.datetime
    id: int


# A list's rows: tickets, or their `values()` (with `id`, `out_of_turn` and `registered_at`).
Row = TypeVar("Row", Ticket, dict[str, Any])


def encode(order: str, ticket: Ticket | Mapping[str, Any]) -> str:
    if isinstance(ticket, Mapping):
        turn, at, pk = ticket["out_of_turn"], ticket["registered_at"], ticket["id"]
    else:
        turn, at, pk = ticket.out_of_turn, ticket.registered_at, ticket.pk
    raw = f"{order}|{int(turn)}|{at.isoformat()}|{pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(order: str, cursor: str) -> Key:
    if not cursor or len(cursor) > MAX_CURSOR:
        raise BadCursor(cursor)
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, turn, at, pk = raw.split("|")
        moment = dt.datetime.fromisoformat(at)
        key = Key(turn == "1", moment, int(pk))
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise BadCursor(cursor) from None
    if kind != order or turn not in {"0", "1"} or moment.tzinfo is None or key.id < 1:
        raise BadCursor(cursor)
    return key


def after(tickets: QuerySet[Ticket, Row], order: str, cursor: str | None) -> QuerySet[Ticket, Row]:
    """`tickets` in `order`, starting after the row `cursor` names (from the start: None)."""
    tickets = tickets.order_by(*ORDERING[order])
    if not cursor:
        return tickets
    key = decode(order, cursor)
    at, pk = key.registered_at, key.id
    if order == NEWEST:
        # The redundant `registered_at <= at` is the index range; the OR only trims its edge.
        return tickets.filter(registered_at__lte=at).filter(
            Q(registered_at__lt=at) | Q(registered_at=at, id__lt=pk)
        )
    later = Q(registered_at__gt=at) | Q(registered_at=at, id__gt=pk)
    if key.out_of_turn:
        return tickets.filter(Q(out_of_turn=False) | Q(out_of_turn=True) & later)
    # The redundant `registered_at >= at` is the index range, as above.
    return tickets.filter(out_of_turn=False, registered_at__gte=at).filter(later)


def page(
    tickets: QuerySet[Ticket, Row], order: str, cursor: str | None, size: int
) -> tuple[list[Row], str | None]:
    """One page and the cursor of the next one (None: this is the last page). One query."""
    return cut(list(after(tickets, order, cursor)[: size + 1]), order, size)


def cut(rows: list[Row], order: str, size: int) -> tuple[list[Row], str | None]:
    """A page from the `size + 1` rows read after a cursor, and the next page's cursor."""
    more = len(rows) > size
    rows = rows[:size]
    return rows, (encode(order, rows[-1]) if more and rows else None)


def page_before(
    tickets: QuerySet[Ticket], cursor: str, size: int
) -> tuple[list[Ticket], str | None]:
    """The page of a `NEWEST` list just before the row `cursor` names (the previous page), in
    list order, and the cursor for the one before it (None: it is the first page). Read
    upwards from the cursor by the same index, then turned round. One query."""
    key = decode(NEWEST, cursor)
    at, pk = key.registered_at, key.id
    newer = tickets.filter(registered_at__gte=at).filter(
        Q(registered_at__gt=at) | Q(registered_at=at, id__gt=pk)
    )
    rows = list(newer.order_by("registered_at", "id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    rows.reverse()
    return rows, (encode(NEWEST, rows[0]) if more and rows else None)


def capped_count(tickets: QuerySet[Ticket], cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many rows, counted up to `cap` (True: exact; False: there are more than `cap`)."""
    n = tickets.order_by()[: cap + 1].count()
    return min(n, cap), n <= cap
