"""The SLA clocks of a ticket as a pure function of its events (R7-R13, R16).

:func:`compute_sla` takes the ticket's initial level, the instant of calculation ``now`` and the
ticket's events, and returns both clocks — reaction (R7) and resolution (R8) — with the intervals
that explain every figure (R11). Working time comes from a :class:`WorkingCalendar` passed in
(the production calendar of R9 in the application, a simple one in tests); levels and targets
come from the :class:`~supportline.regulation.Regulation` (R21).

:func:`sla_figures` is the same state machine for many tickets at once (reports, the what-if):
instants as integer microseconds since the Unix epoch, only the figures (state, running and
paused working minutes), no intervals or due dates; property-tested equal to `compute_sla`.

Event types and what they do::

    registered      first event, exactly once; both clocks start (at the next working minute)
    accepted        stops the reaction clock (R7)
    asked           a person's question to the client: stops the reaction clock; pauses
                    resolution (R12); a second ``asked`` while already waiting keeps it paused
    data_requested  the AUTOMATIC request for missing R1 data: not a reaction (R7); pauses BOTH
                    clocks — the reaction clock only while it still runs — until the client
                    answers (the line may not consult without the data)
    client_replied  resumes resolution, and a reaction clock paused by ``data_requested``; only
                    while waiting for the client
    resolved        answer given, "Client evaluation": stops both clocks (R8); ends a pause
    reopened        the client rejects the answer: resolution runs again from the time it had
                    used (R13); only in client evaluation
    closed          stops both clocks for good (also ends a pause). A ``closed`` before any
                    reaction stops the reaction clock too: a closed ticket can no longer be
                    reacted to, and its reaction time is judged on the time it waited.
    refused         R2 refusal: stops both clocks for good
    redirected      R3 redirection: stops both clocks for good
    merged          a duplicate merged into another ticket: stops both clocks for good
    level_changed   carries the new level (R10)

Decisions on the points the rules leave open (documented here because the figures depend on
them):

* The targets are those of the level in force at ``now``, counted from registration, for BOTH
  clocks (R10): a ticket confirmed critical after a 5-hour reaction has breached the 4-hour
  Operational reaction target.
* No event is accepted after ``closed``/``refused``/``redirected`` — not even ``level_changed``:
  a finished ticket's verdict is final and cannot be re-graded by a later reclassification.
* ``asked``, ``data_requested`` and ``resolved`` during client evaluation are errors (the client first rejects the
  answer with ``reopened``); ``accepted`` is accepted in any open status (it only matters for the
  reaction clock, which only its first occurrence can stop).
* A person's act while the automatic request waits is the reaction (``accepted``, ``asked``
  stop the paused reaction clock); resolution stays paused until ``client_replied``. A pause has
  the reason of the event that began it (``asked`` or ``data_requested``); a later event that
  keeps the clock paused does not split the interval.
* Events at the same instant are allowed and applied in the given order.
* ``elapsed_minutes``/``paused_minutes`` are the exact working time floored to whole minutes;
  a clock is breached only when ``elapsed_minutes > target_minutes``, i.e. once a full minute
  beyond the target has elapsed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final, Generic, NamedTuple, Protocol, TypeVar

from supportline.regulation import Regulation

MINUTE: Final = dt.timedelta(minutes=1)

REGISTERED: Final = "registered"
ACCEPTED: Final = "accepted"
ASKED: Final = "asked"
DATA_REQUESTED: Final = "data_requested"
CLIENT_REPLIED: Final = "client_replied"
RESOLVED: Final = "resolved"
REOPENED: Final = "reopened"
CLOSED: Final = "closed"
REFUSED: Final = "refused"
REDIRECTED: Final = "redirected"
#: The ticket was merged into another one (a duplicate): both clocks stop for good, like
#: ``closed`` — the question is served, and measured, in the ticket it was merged into.
MERGED: Final = "merged"
LEVEL_CHANGED: Final = "level_changed"

EVENT_TYPES: Final = (
    REGISTERED,
    ACCEPTED,
    ASKED,
    DATA_REQUESTED,
    CLIENT_REPLIED,
    RESOLVED,
    REOPENED,
    CLOSED,
    REFUSED,
    REDIRECTED,
    MERGED,
    LEVEL_CHANGED,
)
#: R7: the first act of the line the client sees (and ``closed``, see the module docstring).
#: ``data_requested`` is automatic and is not among them.
REACTION_STOPPERS: Final = frozenset(
    {ACCEPTED, ASKED, RESOLVED, REFUSED, REDIRECTED, CLOSED, MERGED}
)
#: Events after which the ticket is finished and nothing else may happen.
FINAL_EVENTS: Final = frozenset({CLOSED, REFUSED, REDIRECTED, MERGED})


class WorkingCalendar(Protocol):
    """Working time (R9); ``supportline.worktime.default_calendar()`` is the production one."""

    def add_working_time(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """The earliest aware ``T >= start`` with working time in ``[start, T)`` == ``duration``."""
        ...

    def working_time_between(self, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
        """Working time in ``[a, b)``; negative if ``b < a``."""
        ...


class SlaEvent(NamedTuple):
    """One event of a ticket; plain ``(at, type, level)`` tuples are accepted as well."""

    at: dt.datetime
    type: str
    level: str | None = None


class SlaInputError(ValueError):
    """Invalid input to :func:`compute_sla`; the message names the offending event.

    ``index`` is the 0-based position of the event in the list (``None`` for errors not tied to
    one event), ``event_type`` and ``at`` are the event's type and time, ``reason`` the problem.
    """

    def __init__(
        self,
        reason: str,
        *,
        index: int | None = None,
        event_type: str | None = None,
        at: dt.datetime | str | None = None,
    ) -> None:
        self.reason = reason
        self.index = index
        self.event_type = event_type
        self.at = at
        super().__init__(self._format())

    def _format(self) -> str:
        if self.index is None:
            return self.reason
        details = [
            part
            for part in (
                self.event_type,
                self.at.isoformat() if isinstance(self.at, dt.datetime) else self.at,
            )
            if part
        ]
        where = f"events[{self.index}]" + (f" ({', '.join(details)})" if details else "")
        return f"ошибка в событии {where}: {self.reason}"


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"


class IntervalKind(StrEnum):
    RUNNING = "running"  # the clock counts
    PAUSED = "paused"  # waiting for the client's answer (R12) or R1 data (R7); see `reason`
    EVALUATION = "evaluation"  # client evaluation (R8, R13)
    STOPPED = "stopped"  # reaction given / ticket finished


# The kinds as plain names: an enum member read through its class is a descriptor lookup, and
# the clock reads them for every event of every ticket of a year (reports, the what-if).
_RUNNING: Final = IntervalKind.RUNNING
_PAUSED: Final = IntervalKind.PAUSED
_EVALUATION: Final = IntervalKind.EVALUATION
_STOPPED: Final = IntervalKind.STOPPED
_EVENT_TYPE_SET: Final = frozenset(EVENT_TYPES)


@dataclass(frozen=True)
class Interval:
    """A stretch of a clock's timeline between two state changes (R11).

    ``end`` is ``now`` for the current interval (``current`` is then true). A paused interval
    names its ``reason``: the event type that began the pause (``asked`` — a clarifying
    question, R12; ``data_requested`` — the automatic request for R1 data, R7); other kinds
    have none.
    """

    kind: IntervalKind
    start: dt.datetime
    end: dt.datetime
    working_time: dt.timedelta
    current: bool
    reason: str | None = None

    @property
    def working_minutes(self) -> int:
        """Working time of the interval floored to whole minutes.

        The floors of the intervals need not add up to the clock's figure, which floors the
        exact sum.
        """
        return self.working_time // MINUTE


@dataclass(frozen=True)
class LevelChange:
    """A ``level_changed`` event (R10): ``index`` is its position in the event list."""

    index: int
    at: dt.datetime
    from_level: str
    to_level: str


@dataclass(frozen=True)
class Clock:
    """One SLA clock at ``now``.

    ``elapsed``/``paused`` are exact; the ``*_minutes`` figures floor them. ``due_at`` is the
    instant the running time reaches the target — a past instant once reached (even if the clock
    has stopped since), a projection from ``now`` while running, ``None`` while paused or
    stopped short of the target. ``at_risk`` (R11: warn before a breach) is true while the clock
    is running or paused and has used at least the regulation's warning share of its target.
    """

    target_minutes: int
    elapsed_minutes: int
    paused_minutes: int
    due_at: dt.datetime | None
    state: ClockState
    elapsed: dt.timedelta
    paused: dt.timedelta
    at_risk: bool
    intervals: tuple[Interval, ...]

    @property
    def remaining_minutes(self) -> int:
        """Working minutes left before the target (0 once reached)."""
        return max(0, self.target_minutes - self.elapsed_minutes)


@dataclass(frozen=True)
class TicketSla:
    """Both SLA clocks of a ticket at ``now`` and what explains them (R11).

    ``level`` is the level in force at ``now`` (its targets apply, R10); ``level_changes`` lists
    every change; ``evaluation_since`` is when the ticket entered client evaluation if it is
    there now (R13, for the automatic closing).
    """

    level: str
    reaction: Clock
    resolution: Clock
    registered_at: dt.datetime
    now: dt.datetime
    level_changes: tuple[LevelChange, ...]
    evaluation_since: dt.datetime | None


class ClockFigures(NamedTuple):
    """One clock's figures without the explanation (:func:`sla_figures`): the same values as
    the :class:`Clock` of :func:`compute_sla` over the same events.

    ``stopped`` is true when the clock's current interval is ``stopped`` or ``evaluation``
    (reaction given / answer given or ticket finished); ``paused_since`` is the start of the
    current pause (epoch microseconds), ``None`` when the clock is not paused now.
    """

    state: ClockState
    elapsed_minutes: int
    target_minutes: int
    paused_minutes: int
    stopped: bool
    paused_since: int | None


class SlaFigures(NamedTuple):
    """Both clocks' figures at ``now`` (:func:`sla_figures`); ``level`` is the level in force."""

    level: str
    reaction: ClockFigures
    resolution: ClockFigures


class MicrosecondCalendar(Protocol):
    """Working time on integer instants (microseconds since the Unix epoch);
    ``supportline.worktime.Calendar`` is one."""

    def working_us_between(self, a: int, b: int) -> int:
        """Working microseconds in ``[a, b)``; negative if ``b < a``."""
        ...


_I = TypeVar("_I", dt.datetime, int)
_Segment = tuple[IntervalKind, _I, _I, str | None]


def _is_aware(moment: dt.datetime) -> bool:
    return moment.tzinfo is not None and moment.utcoffset() is not None


class _Timeline(Generic[_I]):
    """Builds the intervals of one clock as its kind changes."""

    __slots__ = ("kind", "reason", "segments", "start")

    def __init__(self, kind: IntervalKind, start: _I) -> None:
        self.kind = kind
        self.start: _I = start
        self.reason: str | None = None
        self.segments: list[_Segment[_I]] = []

    def switch(self, kind: IntervalKind, at: _I, reason: str | None = None) -> None:
        """Change the kind at ``at``; ``reason`` is kept for a pause (the event that began it)."""
        if kind is not self.kind:
            self.segments.append((self.kind, self.start, at, self.reason))
            self.kind = kind
            self.start = at
            self.reason = reason if kind == _PAUSED else None

    def close(self, now: _I) -> list[_Segment[_I]]:
        segments = list(self.segments)
        segments.append((self.kind, self.start, now, self.reason))
        return segments


def _level_error(level: str, regulation: Regulation) -> str:
    return f"неизвестный уровень поддержки {level!r}; в регламенте есть: " + ", ".join(
        regulation.level_ids
    )


def _datetime_problem(at: object) -> str | None:
    if not isinstance(at, dt.datetime):
        return "время события должно быть датой и временем"
    if not _is_aware(at):
        return "время без часового пояса: укажите смещение, например 2025-03-03T10:00:00+03:00"
    return None


_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_US: Final = dt.timedelta(microseconds=1)
_MINUTE_US: Final = 60_000_000


class _Invalid(Exception):
    """What is wrong with the event being read (`_walk` names the event)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _shown_datetime(at: object) -> dt.datetime | str:
    return at if isinstance(at, dt.datetime | str) else repr(at)


def _shown_microseconds(at: object) -> dt.datetime | str:
    if isinstance(at, int) and not isinstance(at, bool):
        return _show_microseconds(at)
    return _shown_datetime(at)


def _microsecond_problem(at: object) -> str | None:
    if not isinstance(at, int) or isinstance(at, bool):
        return "время события должно быть целым числом микросекунд от начала эпохи Unix"
    return None


def _show_microseconds(at: int) -> str:
    try:
        return (_EPOCH + at * _US).isoformat()
    except OverflowError:
        return str(at)


class _Walk(NamedTuple, Generic[_I]):
    level: str
    level_changes: list[tuple[int, _I, str, str]]
    reaction: _Timeline[_I]
    resolution: _Timeline[_I]


def _walk(
    level: str,
    now: _I,
    events: Sequence[tuple[_I, str, str | None]],
    regulation: Regulation,
    problem: Callable[[object], str | None],
    show: Callable[[_I], str],
    shown: Callable[[object], dt.datetime | str],
) -> _Walk[_I]:
    """The state machine of both clocks over the events (the rules of the module docstring),
    shared by :func:`compute_sla` (datetimes) and :func:`sla_figures` (epoch microseconds):
    `problem` says what is wrong with an instant of the wrong kind, `show` prints an instant in
    a message, `shown` is the instant an error names."""
    if not regulation.has_level(level):
        raise SlaInputError("начальный уровень: " + _level_error(level, regulation))
    if not events:
        raise SlaInputError("нет событий: первым событием должно быть registered")

    current_level = level
    level_changes: list[tuple[int, _I, str, str]] = []
    registered_at = events[0][0]
    reaction = _Timeline(_RUNNING, registered_at)
    resolution = _Timeline(_RUNNING, registered_at)
    final_event: tuple[int, str] | None = None
    previous: tuple[str, _I] | None = None

    for index, event in enumerate(events):
        try:
            at, kind, event_level = event

            wrong = problem(at)
            if wrong is not None:
                raise _Invalid(wrong)
            if at > now:
                raise _Invalid(f"событие позже момента расчёта now ({show(now)})")
            if previous is not None and at < previous[1]:
                raise _Invalid(
                    "события должны идти в хронологическом порядке: это событие раньше "
                    f"предыдущего ({previous[0]}, {show(previous[1])})"
                )
            previous = (kind, at)
            if kind not in _EVENT_TYPE_SET:
                raise _Invalid(f"неизвестный тип события; допустимые: {', '.join(EVENT_TYPES)}")
            if kind == LEVEL_CHANGED:
                if event_level is None:
                    raise _Invalid("у события level_changed не указан новый уровень (level)")
                if not regulation.has_level(event_level):
                    raise _Invalid(_level_error(event_level, regulation))
            elif event_level is not None:
                raise _Invalid("уровень (level) указывается только у события level_changed")
            if index == 0 and kind != REGISTERED:
                raise _Invalid("первым событием должно быть registered")
            if index > 0 and kind == REGISTERED:
                raise _Invalid(
                    "повторная регистрация: registered допускается один раз, первым событием"
                )
            if final_event is not None:
                raise _Invalid(
                    f"обращение уже завершено событием events[{final_event[0]}] ({final_event[1]}): "
                    "после closed, refused, redirected или merged события не допускаются"
                )

            state = resolution.kind
            # R7: the reaction clock stops at the first act of the line the client sees; the
            # automatic request for R1 data only pauses it while the client is asked.
            if kind in REACTION_STOPPERS:
                reaction.switch(_STOPPED, at)
            elif kind == DATA_REQUESTED and reaction.kind == _RUNNING:
                reaction.switch(_PAUSED, at, DATA_REQUESTED)
            elif kind == CLIENT_REPLIED and reaction.kind == _PAUSED:
                reaction.switch(_RUNNING, at)

            if kind in (ASKED, DATA_REQUESTED):
                if state == _EVALUATION:
                    raise _Invalid(
                        "вопрос клиенту в статусе «Оценка клиентом» невозможен: сначала клиент "
                        "отклоняет ответ (reopened)"
                    )
                # R12, R7 (stays paused, with its first reason, if already waiting)
                resolution.switch(_PAUSED, at, kind)
            elif kind == CLIENT_REPLIED:
                if state != _PAUSED:
                    raise _Invalid("нет предшествующего вопроса клиенту (asked)")
                resolution.switch(_RUNNING, at)  # R12: the answer resumes the clock
            elif kind == RESOLVED:
                if state == _EVALUATION:
                    raise _Invalid("обращение уже в статусе «Оценка клиентом» (повторный resolved)")
                resolution.switch(_EVALUATION, at)  # R8
            elif kind == REOPENED:
                if state != _EVALUATION:
                    raise _Invalid(
                        "обращение не в статусе «Оценка клиентом»: нет предшествующего ответа "
                        "(resolved)"
                    )
                resolution.switch(_RUNNING, at)  # R13: from the time it had used
            elif kind in FINAL_EVENTS:
                resolution.switch(_STOPPED, at)
                final_event = (index, kind)
            elif kind == LEVEL_CHANGED:
                assert event_level is not None
                level_changes.append((index, at, current_level, event_level))
                current_level = event_level
        except _Invalid as bad:
            raise SlaInputError(bad.reason, index=index, event_type=kind, at=shown(at)) from None
    return _Walk(current_level, level_changes, reaction, resolution)


def compute_sla(
    level: str,
    now: dt.datetime,
    events: Sequence[tuple[dt.datetime, str, str | None]],
    *,
    calendar: WorkingCalendar,
    regulation: Regulation,
) -> TicketSla:
    """Both SLA clocks of a ticket at ``now`` from its initial ``level`` and ``events``.

    Raises :class:`SlaInputError` for invalid input (see the module docstring for the rules).
    """
    if not isinstance(now, dt.datetime) or not _is_aware(now):
        raise SlaInputError(
            "момент расчёта now должен быть датой и временем с часовым поясом, например "
            "2025-03-03T10:00:00+03:00"
        )
    walk = _walk(
        level, now, events, regulation, _datetime_problem, dt.datetime.isoformat, _shown_datetime
    )
    targets = regulation.level(walk.level)
    reaction_clock = _clock(
        walk.reaction.close(now), targets.reaction_minutes, now, calendar, regulation
    )
    resolution_clock = _clock(
        walk.resolution.close(now), targets.resolution_minutes, now, calendar, regulation
    )
    resolution = walk.resolution
    return TicketSla(
        level=walk.level,
        reaction=reaction_clock,
        resolution=resolution_clock,
        registered_at=events[0][0],
        now=now,
        level_changes=tuple(LevelChange(*change) for change in walk.level_changes),
        evaluation_since=resolution.start if resolution.kind == _EVALUATION else None,
    )


def sla_figures(
    level: str,
    now: int,
    events: Sequence[tuple[int, str, str | None]],
    *,
    calendar: MicrosecondCalendar,
    regulation: Regulation,
) -> SlaFigures:
    """The figures of :func:`compute_sla` without the explanation, for many tickets at once
    (reports, the what-if): instants are integer microseconds since the Unix epoch, the same
    state machine runs over the events, and only the running and paused stretches are
    measured — no intervals, due dates or datetimes are made. Same errors as `compute_sla`.
    """
    if not isinstance(now, int) or isinstance(now, bool):
        raise SlaInputError(
            "момент расчёта now должен быть целым числом микросекунд от начала эпохи Unix"
        )
    walk = _walk(
        level,
        now,
        events,
        regulation,
        _microsecond_problem,
        _show_microseconds,
        _shown_microseconds,
    )
    targets = regulation.level(walk.level)
    return SlaFigures(
        walk.level,
        _figures(walk.reaction, targets.reaction_minutes, now, calendar),
        _figures(walk.resolution, targets.resolution_minutes, now, calendar),
    )


def _figures(
    timeline: _Timeline[int], target_minutes: int, now: int, calendar: MicrosecondCalendar
) -> ClockFigures:
    elapsed = paused = 0
    between = calendar.working_us_between
    for kind, start, end, _reason in timeline.segments:
        if kind is _RUNNING:
            elapsed += between(start, end)
        elif kind is _PAUSED:
            paused += between(start, end)
    kind_now = timeline.kind
    if kind_now is _RUNNING:
        elapsed += between(timeline.start, now)
    elif kind_now is _PAUSED:
        paused += between(timeline.start, now)
    elapsed_minutes = elapsed // _MINUTE_US
    return ClockFigures(
        _state(elapsed_minutes, target_minutes, kind_now),
        elapsed_minutes,
        target_minutes,
        paused // _MINUTE_US,
        kind_now in _STOPPED_NOW,
        timeline.start if kind_now is _PAUSED else None,
    )


_STOPPED_NOW: Final = frozenset({_STOPPED, _EVALUATION})


def _state(elapsed_minutes: int, target_minutes: int, kind_now: IntervalKind) -> ClockState:
    """A clock's state from its floored running minutes and the kind of its current interval."""
    if elapsed_minutes > target_minutes:
        return ClockState.BREACHED
    if kind_now in _STOPPED_NOW:
        return ClockState.MET
    if kind_now == _PAUSED:
        return ClockState.PAUSED
    return ClockState.RUNNING


def _clock(
    segments: list[_Segment[dt.datetime]],
    target_minutes: int,
    now: dt.datetime,
    calendar: WorkingCalendar,
    regulation: Regulation,
) -> Clock:
    target = target_minutes * MINUTE
    intervals = tuple(
        Interval(
            kind=kind,
            start=start,
            end=end,
            working_time=calendar.working_time_between(start, end),
            current=position == len(segments) - 1,
            reason=reason,
        )
        for position, (kind, start, end, reason) in enumerate(segments)
        # Events at the same instant leave empty intervals: they explain nothing.
        if end > start or position == len(segments) - 1
    )
    running = [i for i in intervals if i.kind == IntervalKind.RUNNING]
    elapsed = sum((i.working_time for i in running), dt.timedelta())
    paused = sum(
        (i.working_time for i in intervals if i.kind == IntervalKind.PAUSED), dt.timedelta()
    )
    kind_now = segments[-1][0]

    due_at: dt.datetime | None = None
    if elapsed >= target:
        # Reached: the exact instant inside the running interval where the target was used up.
        used = dt.timedelta()
        for interval in running:
            if used + interval.working_time >= target:
                due_at = calendar.add_working_time(interval.start, target - used)
                break
            used += interval.working_time
    elif kind_now == IntervalKind.RUNNING:
        due_at = calendar.add_working_time(now, target - elapsed)

    elapsed_minutes = elapsed // MINUTE
    state = _state(elapsed_minutes, target_minutes, kind_now)
    at_risk = state in (ClockState.RUNNING, ClockState.PAUSED) and elapsed >= target * (
        regulation.warning_share
    )
    return Clock(
        target_minutes=target_minutes,
        elapsed_minutes=elapsed_minutes,
        paused_minutes=paused // MINUTE,
        due_at=due_at,
        state=state,
        elapsed=elapsed,
        paused=paused,
        at_risk=at_risk,
        intervals=intervals,
    )
