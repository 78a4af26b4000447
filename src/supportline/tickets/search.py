"""The desk's ticket search (issue 14 §2): one box over everything the user may see.

The searched text of a ticket — number, subject, every message, organisation and its INN,
registration number, partner code, contact — is kept as plain words in `TicketSearch`, rebuilt by
`refresh` each time an action saves the ticket (`tickets.actions.steps.save`).

- PostgreSQL: `TicketSearch.vector` is `to_tsvector('russian', document)` under a GIN index;
  a query is `to_tsquery('russian', 'w1:* & w2:*')` — every word must match, by its Russian
  stem, as a prefix of a stem (so «печать» finds «печатаются»: Snowball stems them «печа» and
  «печата»).
- SQLite: the same words stemmed by Snowball (`lib.russian`) into `TicketSearch.stems`, and each
  query stem must begin one of them (`LIKE '% stem%'`).
The query is built from `lib.russian.words` only (letters and digits), never from raw input.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Q, QuerySet

from supportline.lib import russian, statements
from supportline.tickets.models import Ticket, TicketSearch

# A query of more words than this is cut: a search box, not a document.
MAX_QUERY_WORDS = 12
# A stem shorter than this is matched whole, not as a prefix (one letter would match all).
MIN_PREFIX = 3


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def document(ticket: Ticket, bodies: list[str] | None = None) -> str:
    """The words a ticket is found by, in one text (the caller saved the ticket): at most two
    queries, the registry's names (none when the ticket's registry rows are already loaded) and
    the messages' texts (none when `bodies`, all of them, are given: a ticket just registered)."""
    parts = [
        ticket.number or "",
        ticket.subject,
        ticket.organisation_name,
        ticket.registration_number,
        ticket.partner_code,
        ticket.contact_name,
        ticket.contact_email,
        ticket.contact_phone,
        ticket.configuration_name,
    ]
    registry = _loaded_registry(ticket)
    if registry is None:
        registry = _read_registry(ticket)
    parts += [value or "" for value in registry]
    parts += list(ticket.messages.values_list("body", flat=True)) if bodies is None else bodies
    return " ".join(russian.words(" ".join(p for p in parts if p)))


def _loaded_registry(ticket: Ticket) -> tuple[str | None, ...] | None:
    """The registry's names from the ticket's loaded relations, or None when one is not loaded."""
    meta = type(ticket)._meta
    related: dict[str, Any] = {}
    for name in ("organisation", "registration", "partner"):
        field = meta.get_field(name)
        if getattr(ticket, f"{name}_id") is None:
            related[name] = None
        elif field.is_cached(ticket):  # type: ignore[union-attr]
            related[name] = getattr(ticket, name)
        else:
            return None
    org, reg, partner = related["organisation"], related["registration"], related["partner"]
    return (
        org.name if org else None,
        org.full_name if org else None,
        org.inn if org else None,
        reg.number if reg else None,
        partner.name if partner else None,
        partner.code if partner else None,
    )


def _read_registry(ticket: Ticket) -> tuple[str | None, ...]:
    registry = (
        type(ticket)
        ._default_manager.filter(pk=ticket.pk)
        .values_list(
            "organisation__name",
            "organisation__full_name",
            "organisation__inn",
            "registration__number",
            "partner__name",
            "partner__code",
        )
        .first()
    )
    return tuple(registry or ())


def stems_of(text: str) -> str:
    """« stem1 stem2 … » with spaces around, for a prefix match at a word start."""
    return " " + " ".join(dict.fromkeys(russian.stem(w) for w in text.split())) + " "


def refresh(ticket: Ticket, bodies: list[str] | None = None) -> None:
    """Rebuild the ticket's search row (called from the actions' save step); `bodies`: every
    message's text, when the caller has them in memory."""
    statements.write([upsert(ticket, bodies)])


def upsert(ticket: Ticket, bodies: list[str] | None = None) -> statements.Part:
    """The search row's upsert (INSERT … ON CONFLICT DO UPDATE), to run alone (`refresh`) or
    in the one statement that writes a registration (PostgreSQL computes the vector too)."""
    text = document(ticket, bodies)
    if is_postgres():
        return statements.Part(
            'INSERT INTO "tickets_ticketsearch" (ticket_id, document, stems, vector) '
            "VALUES (%s, %s, %s, to_tsvector('russian', %s)) "
            "ON CONFLICT (ticket_id) DO UPDATE SET document = EXCLUDED.document, "
            "stems = EXCLUDED.stems, vector = EXCLUDED.vector",
            [ticket.pk, text, stems_of(text), text],
        )
    return statements.Part(
        'INSERT INTO "tickets_ticketsearch" (ticket_id, document, stems) VALUES (%s, %s, %s) '
        "ON CONFLICT (ticket_id) DO UPDATE SET document = excluded.document, "
        "stems = excluded.stems",
        [ticket.pk, text, stems_of(text)],
    )


def query_words(query: str) -> list[str]:
    return russian.words(query)[:MAX_QUERY_WORDS]


def matching(tickets: QuerySet[Ticket], query: str) -> QuerySet[Ticket]:
    """`tickets` narrowed to those matching every word of `query` (a ticket number typed
    whole matches too). An empty or meaningless query narrows nothing."""
    text = query.strip()
    terms = query_words(text)
    if not terms:
        return tickets if not text else tickets.filter(number__iexact=text)
    by_number = Q(number__iexact=text)
    if len(terms) == 1 and terms[0].isdigit():
        by_number |= Q(number__endswith="-" + terms[0].zfill(6))
    if is_postgres():
        raw = " & ".join(f"{t}:*" if len(t) >= MIN_PREFIX else t for t in terms)
        found = TicketSearch.objects.filter(
            vector=SearchQuery(raw, config="russian", search_type="raw")
        )
    else:
        found = TicketSearch.objects.all()
        for term in terms:
            stem = russian.stem(term)
            needle = f" {stem}" if len(stem) >= MIN_PREFIX else f" {stem} "
            found = found.filter(stems__contains=needle)
    return tickets.filter(by_number | Q(pk__in=found.values("ticket_id")))
