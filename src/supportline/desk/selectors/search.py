"""The desk's search and views (issue 14 §2): every ticket the user may see, narrowed by one
search box (`tickets.search`: PostgreSQL `russian` full text, Snowball stems on SQLite), by
status (the finished ones too), level and assignee, sorted by a column, a page at a time by
keyset (the last row's sort value and id), never by OFFSET.

Views are named sets of these parameters: three the line shares («мои открытые», «ждут
клиента больше 3 рабочих дней», «сроки нарушены») and those a consultant saved (`SavedView`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

from django.core import signing
from django.db.models import (
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from supportline.accounts.models import User
from supportline.core import rules
from supportline.tickets import access, search
from supportline.tickets.models import (
    OPEN_STATUSES,
    EventType,
    SavedView,
    SlaState,
    Status,
    Ticket,
    TicketEvent,
)

PAGE_SIZE = 50
# «Ждут клиента больше 3 рабочих дней»: working days of the line's calendar since the line asked.
STALE_DAYS = 3
# A due time of a finished ticket (none) sorts after every real one.
FAR = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)

# Sortable columns: the expression sorted by (never NULL, so the keyset compares).
SORTS: dict[str, Any] = {
    "registered": F("registered_at"),
    "number": F("number"),
    "subject": F("subject"),
    "status": F("status"),
    "level": F("level"),
    "organisation": F("organisation_name"),
    "updated": F("updated_at"),
    "due": Coalesce("resolution_due_at", Value(FAR), output_field=DateTimeField()),
}
DATE_SORTS = frozenset({"registered", "updated", "due"})
DEFAULT_SORT = "registered"
CURSOR_SALT = "desk.search.cursor"


@dataclass(frozen=True)
class SearchParams:
    q: str = ""
    status: str = ""  # "" any, "open", or a Status value
    level: str = ""
    who: str = ""  # "" anyone, "mine", "unassigned"
    stale: bool = False  # waiting for the client more than STALE_DAYS working days
    breached: bool = False  # a clock past its due time
    sort: str = DEFAULT_SORT
    desc: bool = True
    after: str = ""  # the keyset cursor of the page (signed): rows after it
    before: str = ""  # …or rows before it (the previous page); `after` wins if both


@dataclass(frozen=True)
class BuiltinView:
    key: str
    name: Any
    query: str


# Each query in the order `desk.views.workday.VIEW_PARAMS` writes it, so the page can tell
# which view is open.
BUILTIN_VIEWS = (
    BuiltinView("mine", _("Мои открытые"), "status=open&who=mine"),
    BuiltinView(
        "stale",
        _("Ждут ответа клиента больше 3 рабочих дней"),
        f"status={Status.WAITING_CLIENT}&sort=updated&dir=asc&stale=1",
    ),
    BuiltinView("breached", _("Сроки нарушены"), "status=open&sort=due&dir=asc&breached=1"),
)


@dataclass
class SearchPage:
    tickets: list[Ticket]
    next_cursor: str
    first_page: bool
    params: SearchParams
    saved: list[SavedView] = field(default_factory=list)
    prev_cursor: str = ""  # the cursor of the previous page's link ("": this is the first)


def _filtered(user: User, p: SearchParams, now: dt.datetime) -> QuerySet[Ticket]:
    tickets = access.visible_tickets(user)
    if p.status == "open":
        tickets = tickets.filter(status__in=OPEN_STATUSES)
    elif p.status:
        tickets = tickets.filter(status=p.status)
    if p.level:
        tickets = tickets.filter(level=p.level)
    if p.who == "mine":
        tickets = tickets.filter(assignee=user)
    elif p.who == "unassigned":
        tickets = tickets.filter(assignee__isnull=True)
    if p.stale:
        # The cutoff is computed once: asked before it = waiting more than STALE_DAYS working
        # days (a weekend or a holiday in between does not count).
        cutoff = rules.calendar().working_days_before(now, STALE_DAYS)
        recent = TicketEvent.objects.filter(
            ticket=OuterRef("pk"),
            type__in=[EventType.ASKED, EventType.DATA_REQUESTED],
            at__gt=cutoff,
        )
        tickets = tickets.filter(status=Status.WAITING_CLIENT).exclude(Exists(recent))
    if p.breached:
        tickets = tickets.filter(status__in=OPEN_STATUSES).filter(
            Q(reaction_state=SlaState.BREACHED)
            | Q(resolution_state=SlaState.BREACHED)
            | Q(reaction_state=SlaState.RUNNING, reaction_due_at__lt=now)
            | Q(resolution_state=SlaState.RUNNING, resolution_due_at__lt=now)
        )
    if p.q:
        tickets = search.matching(tickets, p.q)
    return tickets


def cursor_for(ticket: Ticket, sort: str) -> str:
    value = getattr(ticket, "sort_key")  # noqa: B009 (an annotation, not a model field)
    if isinstance(value, dt.datetime):
        value = value.isoformat()
    return signing.dumps([value, ticket.pk], salt=CURSOR_SALT, compress=True)


def _key(cursor: str, sort: str) -> tuple[Any, int] | None:
    """A cursor's (sort value, id), or None for one we did not issue."""
    try:
        value, pk = signing.loads(cursor, salt=CURSOR_SALT)
        if sort in DATE_SORTS:
            value = dt.datetime.fromisoformat(value)
        return value, int(pk)
    except (signing.BadSignature, ValueError, TypeError):
        return None


def _beyond(tickets: QuerySet[Ticket], key: tuple[Any, int], down: bool) -> QuerySet[Ticket]:
    """Rows past (value, id) going down (descending) or up (ascending)."""
    value, pk = key
    if down:
        return tickets.filter(Q(sort_key__lt=value) | Q(sort_key=value, pk__lt=pk))
    return tickets.filter(Q(sort_key__gt=value) | Q(sort_key=value, pk__gt=pk))


def search_page(user: User, p: SearchParams, now: dt.datetime) -> SearchPage:
    """One page: PAGE_SIZE rows and cursors to the next and the previous (one query for the
    rows). Keyset both ways: `after` reads on in the page's order; `before` reads the rows
    before the cursor in the opposite order and turns them round. A bad cursor starts over."""
    sort = p.sort if p.sort in SORTS else DEFAULT_SORT
    tickets = cast(QuerySet[Ticket], _filtered(user, p, now).annotate(sort_key=SORTS[sort]))
    after = _key(p.after, sort) if p.after else None
    before = _key(p.before, sort) if p.before and not after else None
    backwards = before is not None
    if after:
        tickets = _beyond(tickets, after, down=p.desc)
    elif before:
        tickets = _beyond(tickets, before, down=not p.desc)
    down = p.desc != backwards
    order = ("-sort_key", "-pk") if down else ("sort_key", "pk")
    rows = list(
        tickets.select_related("assignee", "organisation").order_by(*order)[: PAGE_SIZE + 1]
    )
    more = len(rows) > PAGE_SIZE  # past this page in the direction read
    rows = rows[:PAGE_SIZE]
    if backwards:
        rows.reverse()
        has_next, has_prev = True, more
    else:
        has_next, has_prev = more, after is not None
    return SearchPage(
        tickets=rows,
        next_cursor=cursor_for(rows[-1], sort) if has_next and rows else "",
        first_page=not has_prev,
        params=p,
        saved=list(SavedView.objects.filter(user=user)),
        prev_cursor=cursor_for(rows[0], sort) if has_prev and rows else "",
    )
