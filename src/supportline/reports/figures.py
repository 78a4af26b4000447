"""The supervisor's report of a period (issue 16 §1, §4): figures from the event log through the
one SLA clock, in working hours of the line's calendar.

Steps of `compute_report`:

1. The period is local dates of the line (its zone): ``[first, last]``, i.e. the instants
   ``[start, end)``. Figures are "as of" ``min(now, end)``: a past period gives the same figures
   whenever it is asked for, because events are append-only.
2. The cohort is the tickets registered in the period; with them, the tickets registered
   earlier and still open at ``as_of`` (the backlog). One query for the tickets, one for their
   events (only the types the report reads; messages and assignments are left out), one for
   the ids of the automatically closed ones. On PostgreSQL the ticket rows come through the
   cursor with their instants as integer epoch microseconds (no per-row converters), and the
   garbage collector is held off while the rows are built (`bulk_allocation`).
3. Each ticket's clocks: the frozen figures of a ticket finished by ``as_of`` (R21 — what the
   ticket had when it finished, whatever the calendar or the regulation say later), otherwise
   `compute_sla` over its events up to ``as_of`` with the targets it kept (the same clock as
   the ticket page: no second implementation).
4. Sections are tables (rows of plain values) — the page, the charts, the XLSX/CSV export and
   the API all show the same rows.

Percentages: met / (met + breached) of the clocks the clock has judged (a clock still running
within its target is "in progress" and counted apart). Percentiles are nearest-rank over the
working minutes of the clocks that have stopped (reaction given, answer in evaluation or ticket
finished): the p-th percentile of n sorted values is value number ceil(p·n/100).
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final

from django.db import connection
from django.db.models import BigIntegerField, Count, DateTimeField, F, Func, Q, QuerySet
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.translation import gettext as _

from supportline.accounts.models import User
from supportline.core import rules
from supportline.regulation import Regulation
from supportline.sla import TicketSla, compute_sla
from supportline.sla.clock import ClockFigures, sla_figures
from supportline.tickets.clock import SLA_EVENT_OF, clock_event_rows, regulation_with_kept
from supportline.tickets.models import (
    CLOCK_EVENTS,
    FINAL_STATUSES,
    Complaint,
    EventType,
    Kind,
    Status,
    Ticket,
    TicketEvent,
    TransferTarget,
)
from supportline.worktime import Calendar
from supportline.worktime.yearfile import year_to_json

# The events the report reads: the clock's own and the ones the sections count. Messages,
# assignments and data changes are most of the log and are not read.
REPORT_EVENTS: Final = frozenset(
    {
        EventType.REGISTERED,
        EventType.ACCEPTED,
        EventType.ASKED,
        EventType.DATA_REQUESTED,
        EventType.CLIENT_REPLIED,
        EventType.ANSWERED,
        EventType.RESOLVED,
        EventType.REOPENED,
        EventType.CLOSED,
        EventType.REFUSED,
        EventType.REDIRECTED,
        EventType.LEVEL_CHANGED,
        EventType.TRANSFERRED,
        EventType.EXEMPTION_CONFIRMED,
    }
)
MET: Final = "met"
BREACHED: Final = "breached"
STOPPED_KINDS: Final = frozenset({"stopped", "evaluation"})
# Ageing buckets of open tickets, in working days (upper bounds; the last is open-ended).
AGE_BUCKETS: Final = (1, 2, 3, 5, 10)
LOW_RATING: Final = 3  # ratings up to this one are "low" (their comments are listed)
FORMAT: Final = 1  # of the report's JSON (kept in snapshots)


@dataclass(frozen=True)
class Period:
    """Local dates of the line, both inclusive."""

    first: dt.date
    last: dt.date

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        zone = rules.line_zone()
        start = dt.datetime.combine(self.first, dt.time(), zone)
        end = dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(), zone)
        return start.astimezone(dt.UTC), end.astimezone(dt.UTC)

    @classmethod
    def month_of(cls, day: dt.date) -> Period:
        first = day.replace(day=1)
        following = (first + dt.timedelta(days=32)).replace(day=1)
        return cls(first, following - dt.timedelta(days=1))

    @property
    def is_month(self) -> bool:
        return self == Period.month_of(self.first)

    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=i) for i in range((self.last - self.first).days + 1)]


@dataclass(slots=True)
class ClockFigure:
    state: str
    elapsed: int  # working minutes (floored, as the clock gives them)
    target: int
    paused: int
    stopped: bool  # reaction given / answer given or ticket finished


@dataclass(slots=True)
class TicketRow:
    """What the report knows of one ticket."""

    id: int
    number: str
    kind: str
    channel: str
    level: str
    category: str
    configuration: str
    version: str
    organisation: str
    partner: str
    registration_number: str
    status: str
    assignee_id: int | None
    rating: int | None
    rating_comment: str
    registered_at: dt.datetime
    closed_at: dt.datetime | None
    regulation_version: str
    sla_targets: dict[str, Any]
    sla_frozen: dict[str, Any] | None
    events: list[tuple[dt.datetime, str, int | None, dict[str, Any]]] = field(default_factory=list)
    reaction: ClockFigure | None = None
    resolution: ClockFigure | None = None
    waiting_since: dt.datetime | None = None  # resolution paused at as_of: since when
    in_cohort: bool = True
    auto_closed: bool = False  # closed automatically (R13) by as_of
    # The what-if reads the clock's events only: in the clock's vocabulary, instants in epoch
    # microseconds (`sla_figures`), with the level the ticket was registered at.
    clock_events: list[tuple[int, str, str | None]] = field(default_factory=list)
    initial_level: str | None = None
    changes_level: bool = False


def _hours(minutes: float | None) -> float | None:
    return None if minutes is None else round(minutes / 60, 2)


def _pct(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100 * part / whole, 1)


def percentile(values: Sequence[int], p: int) -> int | None:
    """Nearest-rank percentile of `values` (None for none)."""
    return _ranked(sorted(values), p)


def _ranked(ordered: Sequence[int], p: int) -> int | None:
    """`percentile` of values already sorted."""
    if not ordered:
        return None
    rank = max(1, math.ceil(p * len(ordered) / 100))
    return ordered[rank - 1]


def calendar_version(cal: Calendar, years: Iterable[int]) -> str:
    """Which calendar data the report used: a digest of the working hours, the years' data and
    the single-day overrides of those years (any change of them is another version)."""
    wanted = sorted(set(years))
    document = {
        "zone": str(cal.tz),
        "hours": [str(cal.day_start), str(cal.day_end), str(cal.short_day_end)],
        "years": [year_to_json(cal.years[y]) if y in cal.years else y for y in wanted],
        "overrides": sorted(
            (d.isoformat(), str(k)) for d, k in cal.overrides.items() if d.year in wanted
        ),
    }
    text = json.dumps(document, sort_keys=True, ensure_ascii=False, default=str)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


# ---------------------------------------------------------------- loading


_TICKET_FIELDS = (
    "id",
    "number",
    "kind",
    "channel",
    "level",
    "category",
    "configuration_name",
    "version",
    "organisation_name",
    "organisation__name",
    "partner__name",
    "registration_number",
    "status",
    "assignee_id",
    "rating",
    "rating_comment",
    "registered_us",
    "closed_us",
    "regulation_version",
)
# The frozen figures the report reads, extracted by the database (the intervals are not read:
# a finished ticket's clocks have both stopped, R7/R8).
_FROZEN_KEYS = (
    "reaction__state",
    "reaction__elapsed_minutes",
    "reaction__target_minutes",
    "reaction__paused_minutes",
    "resolution__state",
    "resolution__elapsed_minutes",
    "resolution__target_minutes",
    "resolution__paused_minutes",
)
# Events the sections read on every ticket (few per ticket); the clock's own events are read
# only for the tickets whose clocks are computed (`live`) and by the what-if.
RARE_EVENTS: Final = frozenset(
    {
        EventType.LEVEL_CHANGED,
        EventType.REFUSED,
        EventType.REDIRECTED,
        EventType.EXEMPTION_CONFIRMED,
    }
)


def _scope(start: dt.datetime, end: dt.datetime, as_of: dt.datetime) -> Q:
    carried = Q(registered_at__lt=start) & (Q(closed_at__isnull=True) | Q(closed_at__gt=as_of))
    return Q(registered_at__gte=start, registered_at__lt=end) | carried


_UNIX_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _epoch_us(column: str) -> Func:
    """The instant as integer microseconds since the Unix epoch, computed by the database:
    ``datetime + timedelta`` in Python is several times cheaper than parsing the ISO text
    (600k events in the what-if). Exact: PostgreSQL's EXTRACT(EPOCH) is numeric."""
    if connection.vendor == "postgresql":
        return Func(
            F(column),
            template="(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint",
            output_field=BigIntegerField(),
        )
    return Func(F(column), template="%(expressions)s", output_field=DateTimeField())


_US: Final = dt.timedelta(microseconds=1)


def _instant(value: int | dt.datetime) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    return _UNIX_EPOCH + dt.timedelta(microseconds=value)


def epoch_us(value: int | dt.datetime) -> int:
    """An instant as integer microseconds since the Unix epoch (see `_epoch_us`)."""
    if isinstance(value, dt.datetime):
        return (value - _UNIX_EPOCH) // _US
    return value


def _rows(query: QuerySet[Any, Any]) -> Iterable[tuple[Any, ...]]:
    """The rows of a `values_list` query. On PostgreSQL they are fetched through the cursor,
    as psycopg decodes them (integers, text), without Django's per-row converters — the
    columns read so are plain ones or computed integers (`_epoch_us`), which need none."""
    if connection.vendor != "postgresql":
        return query
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched: list[tuple[Any, ...]] = cursor.fetchall()
    return fetched


def load_tickets(
    start: dt.datetime, end: dt.datetime, as_of: dt.datetime, *, all_clock_events: bool = False
) -> list[TicketRow]:
    """The cohort (registered in ``[start, end)``) and the earlier tickets still open at
    ``as_of``, with the events the report needs up to ``as_of``: every report event of the
    tickets whose clocks are computed (not finished by ``as_of``) and of update-access requests,
    the rare ones (level changes, refusals…) of the rest. With ``all_clock_events`` (the
    what-if) only the clock's events, of every ticket. Three or four queries (the tickets, the
    targets of the computed ones, the events, the automatic closings)."""
    rows: dict[int, TicketRow] = {}
    frozen_keys = {f"f{i}": KT(f"sla_frozen__{key}") for i, key in enumerate(_FROZEN_KEYS)}
    tickets = (
        Ticket.objects.filter(_scope(start, end, as_of))
        .order_by("registered_at", "id")
        .annotate(
            registered_us=_epoch_us("registered_at"),
            closed_us=_epoch_us("closed_at"),
            **frozen_keys,
        )
        .values_list(*_TICKET_FIELDS, *frozen_keys)
    )
    live: list[int] = []
    for v in _rows(tickets):
        registered_at = _instant(v[16])
        closed_at = None if v[17] is None else _instant(v[17])
        # Frozen when the ticket finished (its closing instant): finished by as_of, its
        # figures are the frozen ones.
        reaction = resolution = None
        if v[19] is not None and closed_at is not None and closed_at <= as_of:
            reaction = ClockFigure(v[19], int(v[20]), int(v[21]), int(v[22]), True)
            resolution = ClockFigure(v[23], int(v[24]), int(v[25]), int(v[26]), True)
        # Positional, in the order of TicketRow's fields (a year is 100,000 of them).
        row = TicketRow(
            v[0],  # id
            v[1] or "",  # number
            v[2],  # kind
            v[3],  # channel
            v[4],  # level
            v[5],  # category
            v[6],  # configuration
            v[7],  # version
            v[8] or v[9] or "",  # organisation
            v[10] or "",  # partner
            v[11],  # registration_number
            v[12],  # status
            v[13],  # assignee_id
            v[14],  # rating
            v[15],  # rating_comment
            registered_at,
            closed_at,
            v[18],  # regulation_version
            {},  # sla_targets
            None,  # sla_frozen
            [],  # events
            reaction,
            resolution,
            None,  # waiting_since
            start <= registered_at < end,  # in_cohort
        )
        if reaction is None or row.kind == Kind.UPDATE_ACCESS:
            live.append(row.id)
        rows[row.id] = row
    # The targets the computed tickets kept (R21), read for them only.
    for ticket_id, targets in Ticket.objects.filter(pk__in=live).values_list("id", "sla_targets"):
        rows[ticket_id].sla_targets = targets or {}
    if all_clock_events:
        # The what-if: only the clock's events, with the one data key the clock reads, as
        # integers (`sla_figures`): ~500k events of a year are read without making datetimes.
        clock_rows = (
            # The cohort's events are at or after the period's start (carried tickets are not
            # replayed); the indexed instant bounds the scan.
            TicketEvent.objects.filter(at__gte=start, at__lte=as_of, type__in=CLOCK_EVENTS)
            .order_by("ticket_id", "at", "id")
            .annotate(level_key=KT("data__level"), at_us=_epoch_us("at"))
            .values_list("ticket_id", "at_us", "type", "level_key")
        )
        sla_kind = SLA_EVENT_OF
        owner: TicketRow | None = None
        for ticket_id, at_us, kind, level in _rows(clock_rows):
            if owner is None or owner.id != ticket_id:
                owner = rows.get(ticket_id)
                if owner is None:
                    continue
            if kind == EventType.LEVEL_CHANGED:
                owner.changes_level = True
            elif level is not None:
                if kind == EventType.REGISTERED and owner.initial_level is None:
                    owner.initial_level = level
                level = None
            owner.clock_events.append((epoch_us(at_us), sla_kind[kind], level))
        return list(rows.values())
    # The cohort's events happen at or after the period's start: the indexed instant bounds
    # the scan (other tickets' events in the period are skipped below); the tickets whose
    # clocks are computed get all their events.
    cohort = Q(at__gte=start)
    wanted = Q(ticket_id__in=live, type__in=REPORT_EVENTS) | (cohort & Q(type__in=RARE_EVENTS))
    wanted |= cohort & Q(type=EventType.ANSWERED, data__reason="outdated_release")
    events = (
        TicketEvent.objects.filter(wanted, at__lte=as_of)
        .order_by("ticket_id", "at", "id")
        .values_list("ticket_id", "at", "type", "author_id", "data")
    )
    # Fetched at once, not through a server-side cursor: a cursor's fast-start plan is slower.
    for ticket_id, at, kind, author, data in events:
        owner = rows.get(ticket_id)
        if owner is not None:
            owner.events.append((at, kind, author, data))
    # The automatic closings (a third of a year's tickets): which tickets, not the events.
    auto_closed = TicketEvent.objects.filter(
        cohort, at__lte=as_of, type=EventType.CLOSED, data__reason="auto_close"
    ).values_list("ticket_id")
    for (ticket_id,) in _rows(auto_closed):
        owner = rows.get(ticket_id)
        if owner is not None:
            owner.auto_closed = True
    return list(rows.values())


def _live_clock(sla: TicketSla, which: str) -> ClockFigure:
    clock = sla.reaction if which == "reaction" else sla.resolution
    last = clock.intervals[-1].kind.value if clock.intervals else "stopped"
    return ClockFigure(
        state=clock.state.value,
        elapsed=clock.elapsed_minutes,
        target=clock.target_minutes,
        paused=clock.paused_minutes,
        stopped=last in STOPPED_KINDS,
    )


def replay(
    row: TicketRow, as_of: dt.datetime, *, calendar: Calendar, regulation: Regulation
) -> TicketSla:
    """The ticket's clocks at ``as_of`` computed from its events (the pure clock)."""
    clock_rows = clock_event_rows((at, kind, data) for at, kind, _a, data in row.events)
    initial = row.level
    for _at, kind, _author, data in row.events:
        if kind == EventType.REGISTERED:
            initial = str(data.get("level", row.level))
            break
    last = max((e[0] for e in row.events), default=as_of)
    return compute_sla(
        initial, max(as_of, last), clock_rows, calendar=calendar, regulation=regulation
    )


def attach_clocks(rows: Iterable[TicketRow], as_of: dt.datetime, cal: Calendar) -> None:
    """Step 3: the clock over the events where the ticket had not finished by ``as_of`` (the
    frozen figures of the others were read with the ticket)."""
    current = rules.regulation()
    for row in rows:
        if row.reaction is not None and row.resolution is not None:
            continue
        sla = replay(
            row, as_of, calendar=cal, regulation=regulation_with_kept(current, row.sla_targets)
        )
        row.reaction = _live_clock(sla, "reaction")
        row.resolution = _live_clock(sla, "resolution")
        paused = [i for i in sla.resolution.intervals if i.kind.value == "paused" and i.current]
        row.waiting_since = paused[0].start if paused else None


def clock_figure(clock: ClockFigures) -> ClockFigure:
    return ClockFigure(
        clock.state.value,
        clock.elapsed_minutes,
        clock.target_minutes,
        clock.paused_minutes,
        clock.stopped,
    )


def figures_of(
    row: TicketRow, as_of_us: int, *, calendar: Calendar, regulation: Regulation
) -> tuple[str, ClockFigure, ClockFigure]:
    """The clocks at ``as_of`` of a row loaded with its clock's events (`load_tickets` with
    ``all_clock_events``): the same state machine as `replay`, figures only."""
    events = row.clock_events
    last = max((e[0] for e in events), default=as_of_us)
    sla = sla_figures(
        row.initial_level or row.level,
        max(as_of_us, last),
        events,
        calendar=calendar,
        regulation=regulation,
    )
    return sla.level, clock_figure(sla.reaction), clock_figure(sla.resolution)


def attach_clock_figures(rows: Iterable[TicketRow], as_of: dt.datetime, cal: Calendar) -> None:
    """`attach_clocks` for rows loaded with ``all_clock_events`` (the what-if's real side)."""
    current = rules.regulation()
    as_of_us = epoch_us(as_of)
    for row in rows:
        if row.reaction is not None and row.resolution is not None:
            continue
        _level, row.reaction, row.resolution = figures_of(
            row, as_of_us, calendar=cal, regulation=regulation_with_kept(current, row.sla_targets)
        )


# ---------------------------------------------------------------- figures


def clock_summary(clocks: Sequence[ClockFigure]) -> dict[str, Any]:
    met = breached = 0
    stopped: list[int] = []
    for c in clocks:  # one pass and one sort: called per level and per week of a year
        if c.state == MET:
            met += 1
        elif c.state == BREACHED:
            breached += 1
        if c.stopped:
            stopped.append(c.elapsed)
    stopped.sort()
    return {
        "met": met,
        "breached": breached,
        "in_progress": len(clocks) - met - breached,
        "met_pct": _pct(met, met + breached),
        "median_minutes": _ranked(stopped, 50),
        "p90_minutes": _ranked(stopped, 90),
    }


def _level_rows(cohort: list[TicketRow], regulation: Regulation) -> list[dict[str, Any]]:
    by_level: dict[str, list[TicketRow]] = defaultdict(list)
    for row in cohort:
        by_level[row.level].append(row)
    ids = [lv.id for lv in regulation.levels] + sorted(set(by_level) - set(regulation.level_ids))
    result = []
    for level_id in ids:
        rows = by_level.get(level_id, [])
        reactions = [r.reaction for r in rows if r.reaction]
        resolutions = [r.resolution for r in rows if r.resolution]
        elapsed = sum(c.elapsed for c in resolutions)
        paused = sum(c.paused for c in resolutions)
        targets = regulation.targets().get(level_id)
        result.append(
            {
                "level": level_id,
                "name": _level_name(regulation, level_id),
                "tickets": len(rows),
                "reaction_target_minutes": targets[0] if targets else None,
                "resolution_target_minutes": targets[1] if targets else None,
                "reaction": clock_summary(reactions),
                "resolution": clock_summary(resolutions),
                "paused_share_pct": _pct(paused, elapsed + paused),
            }
        )
    return result


def _level_name(regulation: Regulation, level_id: str) -> str:
    return rules.tr(regulation.level(level_id).name) if regulation.has_level(level_id) else level_id


def _counts(values: Iterable[str], label: Callable[[str], str] = lambda v: v) -> list[list[Any]]:
    """Counts by value, most first; `label` names each distinct value once."""
    return [[label(k) or "—", n] for k, n in Counter(values).most_common()]


def _local(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(rules.line_zone()).strftime("%d.%m.%Y %H:%M")


def _age_bucket(days: float) -> str:
    low = 0
    for high in AGE_BUCKETS:
        if days < high:
            return f"{low}–{high}"
        low = high
    return f"≥{AGE_BUCKETS[-1]}"


def _names(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    return {
        u.pk: (u.get_full_name() or u.username)
        for u in User.objects.filter(pk__in=wanted).only("first_name", "last_name", "username")
    }


@contextmanager
def bulk_allocation() -> Iterator[None]:
    """The cyclic garbage collector held off while a report builds its rows: a year makes
    hundreds of thousands of small objects with no reference cycles, and the collector's
    passes over them (and the whole heap) were half the time of loading a year. Re-enabled
    on the way out if it was enabled on the way in."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def compute_report(period: Period, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """The report of `period` as JSON-ready values (see the module docstring)."""
    with bulk_allocation():
        return _compute_report(period, now=now)


def _compute_report(period: Period, *, now: dt.datetime | None) -> dict[str, Any]:
    now = now or timezone.now()
    start, end = period.bounds()
    as_of = min(now, end)
    cal = rules.calendar()
    regulation = rules.regulation()
    rows = load_tickets(start, end, as_of)
    attach_clocks(rows, as_of, cal)
    cohort = [r for r in rows if r.in_cohort]
    open_now = [
        r for r in rows if r.registered_at < as_of and (r.closed_at is None or r.closed_at > as_of)
    ]
    levels = _level_rows(cohort, regulation)
    people = _names([r.assignee_id for r in cohort] + [e[2] for r in cohort for e in r.events])
    hours = regulation.working_hours
    day_minutes = (
        dt.datetime.combine(period.first, hours.end)
        - dt.datetime.combine(period.first, hours.start)
    ) // dt.timedelta(minutes=1)
    norm_days = sum(1 for d in period.days() if cal.working_hours(d) is not None)
    tables: dict[str, list[list[Any]]] = {}

    # Volume (§1).
    tables["volume_channel"] = _counts((r.channel for r in cohort), _channel_label)
    tables["volume_level"] = _counts(
        (r.level for r in cohort), lambda lv: _level_name(regulation, lv)
    )
    tables["volume_category"] = _counts(
        (r.category for r in cohort), lambda c: _category_label(regulation, c)
    )
    tables["volume_configuration"] = _counts(
        f"{r.configuration} {r.version}".strip() for r in cohort
    )
    tables["volume_organisation"] = _counts(r.organisation for r in cohort)
    tables["volume_partner"] = _counts(r.partner for r in cohort if r.partner)
    tables["per_day"] = _per_day(cohort, period)

    # SLA (§1): per level, breaches, level changes, weekly trend, distributions.
    tables["sla_levels"] = [
        [
            lv["name"],
            lv["tickets"],
            _hours(lv["reaction_target_minutes"]),
            lv["reaction"]["met"],
            lv["reaction"]["breached"],
            lv["reaction"]["in_progress"],
            lv["reaction"]["met_pct"],
            _hours(lv["reaction"]["median_minutes"]),
            _hours(lv["reaction"]["p90_minutes"]),
            _hours(lv["resolution_target_minutes"]),
            lv["resolution"]["met"],
            lv["resolution"]["breached"],
            lv["resolution"]["in_progress"],
            lv["resolution"]["met_pct"],
            _hours(lv["resolution"]["median_minutes"]),
            _hours(lv["resolution"]["p90_minutes"]),
            lv["paused_share_pct"],
        ]
        for lv in levels
    ]
    tables["breaches"] = _breaches(cohort, regulation)
    tables["level_changes"] = [
        [
            r.number,
            _local(at),
            _level_name(regulation, str(data.get("previous", ""))),
            _level_name(regulation, str(data.get("level", ""))),
            str(data.get("reason", "")),
            people.get(author or 0, ""),
        ]
        for r in cohort
        for at, kind, author, data in r.events
        if kind == EventType.LEVEL_CHANGED
    ]
    tables["met_per_week"] = _per_week(cohort)
    tables["reaction_histogram"] = _histogram(cohort, regulation, "reaction")
    tables["resolution_histogram"] = _histogram(cohort, regulation, "resolution")

    # Backlog (§1).
    open_at_start = Ticket.objects.filter(registered_at__lt=start).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gt=start)
    )
    ages = {
        r.id: cal.working_time_between(r.registered_at, as_of) / dt.timedelta(minutes=day_minutes)
        for r in open_now
    }
    age_counts = Counter(_age_bucket(ages[r.id]) for r in open_now)
    tables["ageing"] = [
        [label, age_counts.get(label, 0)]
        for label in [
            *(f"{lo}–{hi}" for lo, hi in zip((0, *AGE_BUCKETS[:-1]), AGE_BUCKETS, strict=True)),
            f"≥{AGE_BUCKETS[-1]}",
        ]
    ]
    waiting = sorted(
        (r for r in open_now if r.waiting_since is not None),
        key=lambda r: r.waiting_since or as_of,
    )
    tables["waiting_client"] = [
        [
            r.number,
            r.organisation,
            _local(r.waiting_since),
            round(
                cal.working_time_between(r.waiting_since or as_of, as_of)
                / dt.timedelta(minutes=day_minutes),
                2,
            ),
        ]
        for r in waiting
    ]
    tables["development"] = _development(end)

    # Per consultant, CSAT, contracts and scope, update access, complaints (§1).
    tables["consultants"] = _consultants(cohort, start, end, as_of)
    csat = _csat(cohort)
    tables["ratings"] = [[score, csat["distribution"].get(score, 0)] for score in range(1, 6)]
    tables["low_ratings"] = [
        [r.number, r.rating, people.get(r.assignee_id or 0, ""), r.rating_comment]
        for r in cohort
        if r.rating is not None and r.rating <= LOW_RATING
    ]
    tables.update(_contracts(cohort, regulation))
    update_access = _update_access(cohort, cal)
    tables["update_access"] = update_access["rows"]
    complaints = _complaints(start, end, as_of, cal)

    reaction_all = clock_summary([r.reaction for r in cohort if r.reaction])
    resolution_all = clock_summary([r.resolution for r in cohort if r.resolution])
    paused_total = sum(r.resolution.paused for r in cohort if r.resolution)
    elapsed_total = sum(r.resolution.elapsed for r in cohort if r.resolution)
    return {
        "format": FORMAT,
        "first_day": period.first.isoformat(),
        "last_day": period.last.isoformat(),
        "as_of": as_of.isoformat(),
        "computed_at": now.isoformat(),
        "zone": hours.time_zone,
        "zone_label": rules.tr(hours.zone_label),
        "regulation": {
            "id": regulation.id,
            "version": regulation.version,
            "ticket_versions": sorted(
                {r.regulation_version for r in cohort if r.regulation_version}
            ),
        },
        "calendar": {
            "id": hours.calendar,
            "version": calendar_version(cal, range(period.first.year, period.last.year + 1)),
        },
        "norm": {
            "working_days": norm_days,
            "working_hours": _hours(
                cal.working_time_between(start, end) // dt.timedelta(minutes=1)
            ),
        },
        "summary": {
            "tickets": len(cohort),
            "reaction": reaction_all,
            "resolution": resolution_all,
            "paused_share_pct": _pct(paused_total, paused_total + elapsed_total),
            "open_at_start": open_at_start.count(),
            "open_at_end": len(open_now),
            "waiting_client": len(waiting),
            "csat_mean": csat["mean"],
            "rated": csat["rated"],
            "closed": csat["closed"],
            "auto_closed_unrated": csat["auto_closed_unrated"],
            "rated_pct": _pct(csat["rated"], csat["closed"]),
            "update_access_requests": update_access["requests"],
            "update_access_granted": update_access["granted"],
            "update_access_refused": update_access["refused"],
            "update_access_median_hours": update_access["median_hours"],
            **complaints,
        },
        "levels": levels,
        "histograms": {
            which: {
                "width_minutes": histogram_width(regulation, which),
                "targets": [
                    [_level_name(regulation, lv.id), getattr(lv, f"{which}_minutes")]
                    for lv in regulation.levels
                ],
            }
            for which in ("reaction", "resolution")
        },
        "tables": tables,
    }


def _channel_label(channel: str) -> str:
    from supportline.tickets.models import Channel

    return str(Channel(channel).label) if channel in Channel.values else channel


def _status_label(status: str) -> str:
    return str(Status(status).label) if status in Status.values else status


def _category_label(regulation: Regulation, category: str) -> str:
    if not category:
        return ""
    try:
        return rules.tr(regulation.scope_category(category).name)
    except KeyError:
        return category


def _per_day(cohort: list[TicketRow], period: Period) -> list[list[Any]]:
    zone = rules.line_zone()
    counts = Counter(r.registered_at.astimezone(zone).date() for r in cohort)
    return [[d.strftime("%d.%m"), counts.get(d, 0)] for d in period.days()]


def _per_week(cohort: list[TicketRow]) -> list[list[Any]]:
    weeks: dict[dt.date, list[TicketRow]] = defaultdict(list)
    zone = rules.line_zone()
    for r in cohort:
        day = r.registered_at.astimezone(zone).date()
        weeks[day - dt.timedelta(days=day.weekday())].append(r)
    result = []
    for monday in sorted(weeks):
        rows = weeks[monday]
        reaction = clock_summary([r.reaction for r in rows if r.reaction])
        resolution = clock_summary([r.resolution for r in rows if r.resolution])
        result.append(
            [monday.strftime("%d.%m"), len(rows), reaction["met_pct"], resolution["met_pct"]]
        )
    return result


HISTOGRAM_BINS: Final = 16


def histogram_width(regulation: Regulation, which: str) -> int:
    """Bin width in working minutes: an eighth of the longest target, in whole hours."""
    index = 0 if which == "reaction" else 1
    longest = max((t[index] for t in regulation.targets().values()), default=480)
    return max(60, math.ceil(longest / 8 / 60) * 60)


def _histogram(cohort: list[TicketRow], regulation: Regulation, which: str) -> list[list[Any]]:
    """Stopped clocks by working hours, in bins of an eighth of the longest target."""
    width = histogram_width(regulation, which)
    bins = HISTOGRAM_BINS
    counts = [0] * (bins + 1)
    for r in cohort:
        clock = r.reaction if which == "reaction" else r.resolution
        if clock is not None and clock.stopped:
            counts[min(clock.elapsed // width, bins)] += 1
    rows: list[list[Any]] = [
        [f"{i * width // 60}–{(i + 1) * width // 60}", counts[i]] for i in range(bins)
    ]
    rows.append([f"≥{bins * width // 60}", counts[bins]])
    return rows


def _breaches(cohort: list[TicketRow], regulation: Regulation) -> list[list[Any]]:
    result = []
    reaction, resolution = _("реакция"), _("решение")
    names: dict[str, str] = {}
    for r in cohort:
        for name, clock in ((reaction, r.reaction), (resolution, r.resolution)):
            if clock is not None and clock.state == BREACHED:
                level = names.get(r.level)
                if level is None:
                    level = names[r.level] = _level_name(regulation, r.level)
                result.append(
                    [
                        r.number,
                        level,
                        name,
                        _hours(clock.elapsed),
                        _hours(clock.target),
                        _hours(clock.elapsed - clock.target),
                    ]
                )
    return result


def _development(end: dt.datetime) -> list[list[Any]]:
    tickets = (
        Ticket.objects.filter(
            status=Status.TRANSFERRED,
            transferred_to=TransferTarget.DEVELOPMENT,
            registered_at__lt=end,
        )
        .select_related("development_item__target_release")
        .order_by("registered_at", "id")
    )
    result = []
    for t in tickets:
        dev = t.development_item
        release = dev.target_release if dev else None
        result.append(
            [
                t.number,
                t.organisation_name,
                dev.title if dev else "",
                release.version if release else "",
                release.planned_date.strftime("%d.%m.%Y")
                if release and release.planned_date
                else "",
            ]
        )
    return result


def _consultants(
    cohort: list[TicketRow], start: dt.datetime, end: dt.datetime, as_of: dt.datetime
) -> list[list[Any]]:
    """Per person: acceptances, answers and transfers they made on the period's tickets, the
    rejections (reopenings) of the tickets assigned to them per answer, their mean rating."""
    tickets = Ticket.objects.filter(registered_at__gte=start, registered_at__lt=end).values("id")
    acts = (
        TicketEvent.objects.filter(
            ticket_id__in=tickets,
            at__gte=start,
            at__lte=as_of,
            author__isnull=False,
            type__in=(EventType.ACCEPTED, EventType.RESOLVED, EventType.TRANSFERRED),
        )
        .order_by()
        .values_list("author_id", "type")
        .annotate(n=Count("id"))
    )
    counts: dict[tuple[int, str], int] = {(who, kind): n for who, kind, n in acts}
    reopened: dict[int, int] = {
        who: n
        for who, n in TicketEvent.objects.filter(
            ticket_id__in=tickets, at__gte=start, at__lte=as_of, type=EventType.REOPENED
        )
        .exclude(ticket__assignee_id=None)
        .order_by()
        .values_list("ticket__assignee_id")
        .annotate(n=Count("id"))
    }
    ratings: dict[int, list[int]] = defaultdict(list)
    for r in cohort:
        if r.rating is not None and r.assignee_id is not None:
            ratings[r.assignee_id].append(r.rating)
    who = {person for person, _kind in counts} | set(ratings) | set(reopened)
    people = _names(who)
    rows = []
    for person in who:
        scores = ratings.get(person, [])
        resolved = counts.get((person, EventType.RESOLVED), 0)
        rows.append(
            [
                people.get(person, str(person)),
                counts.get((person, EventType.ACCEPTED), 0),
                resolved,
                _pct(reopened.get(person, 0), resolved),
                round(sum(scores) / len(scores), 2) if scores else None,
                counts.get((person, EventType.TRANSFERRED), 0),
            ]
        )
    return sorted(rows, key=lambda row: str(row[0]))


def _csat(cohort: list[TicketRow]) -> dict[str, Any]:
    closed = [r for r in cohort if r.status == Status.CLOSED]
    rated = [r.rating for r in cohort if r.rating is not None]
    auto = sum(1 for r in closed if r.rating is None and r.auto_closed)
    return {
        "mean": round(sum(rated) / len(rated), 2) if rated else None,
        "distribution": Counter(rated),
        "rated": len(rated),
        "closed": len(closed),
        "auto_closed_unrated": auto,
    }


def _contracts(cohort: list[TicketRow], regulation: Regulation) -> dict[str, list[list[Any]]]:
    refusals: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    redirections: Counter[str] = Counter()
    outdated: Counter[tuple[str, str]] = Counter()
    exemptions: Counter[str] = Counter()
    for r in cohort:
        for _at, kind, _author, data in r.events:
            if kind == EventType.REFUSED and r.kind == Kind.CONSULTATION:
                key = (r.organisation, r.partner, r.registration_number)
                refusals[key].append(str(data.get("reason", "")))
            elif kind == EventType.REDIRECTED:
                redirections[_category_label(regulation, str(data.get("category", "")))] += 1
            elif kind == EventType.ANSWERED and data.get("reason") == "outdated_release":
                outdated[(r.configuration, str(data.get("release", "")))] += 1
            elif kind == EventType.EXEMPTION_CONFIRMED:
                exemptions[_category_label(regulation, str(data.get("category", "")))] += 1
    return {
        "refusals": [
            [org, partner, number, len(reasons), "; ".join(sorted(set(reasons)))]
            for (org, partner, number), reasons in sorted(refusals.items())
        ],
        "redirections": [[k or "—", n] for k, n in redirections.most_common()],
        "outdated_release": [[c, rel, n] for (c, rel), n in sorted(outdated.items())],
        "exemptions": [[k or "—", n] for k, n in exemptions.most_common()],
    }


def _update_access(cohort: list[TicketRow], cal: Calendar) -> dict[str, Any]:
    requests = [r for r in cohort if r.kind == Kind.UPDATE_ACCESS]
    rows = []
    granted_minutes = []
    refused = 0
    for r in requests:
        grant = next(
            (
                at
                for at, kind, _a, data in r.events
                if kind == EventType.RESOLVED and data.get("granted_login")
            ),
            None,
        )
        was_refused = any(kind == EventType.REFUSED for _at, kind, _a, _d in r.events)
        refused += was_refused
        minutes = (
            cal.working_time_between(r.registered_at, grant) // dt.timedelta(minutes=1)
            if grant
            else None
        )
        if minutes is not None:
            granted_minutes.append(minutes)
        rows.append([r.number, r.organisation, _hours(minutes), _status_label(r.status)])
    return {
        "rows": rows,
        "requests": len(requests),
        "granted": len(granted_minutes),
        "refused": refused,
        "median_hours": _hours(percentile(granted_minutes, 50)),
    }


def _complaints(
    start: dt.datetime, end: dt.datetime, as_of: dt.datetime, cal: Calendar
) -> dict[str, Any]:
    received = list(
        Complaint.objects.filter(received_at__gte=start, received_at__lt=end).values_list(
            "received_at", "answered_at", "due_at"
        )
    )
    answer_minutes = [
        cal.working_time_between(got, answered) // dt.timedelta(minutes=1)
        for got, answered, _due in received
        if answered is not None and answered <= as_of
    ]
    overdue = sum(
        1
        for _got, answered, due in received
        if due is not None
        and ((answered is None and due < as_of) or (answered is not None and answered > due))
    )
    return {
        "complaints": len(received),
        "complaints_answered": len(answer_minutes),
        "complaints_median_answer_hours": _hours(percentile(answer_minutes, 50)),
        "complaints_overdue": overdue,
    }


def is_final(status: str) -> bool:
    return status in FINAL_STATUSES
