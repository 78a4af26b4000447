"""SLA clocks of tickets (R7-R13) as a pure function of their events.

See :mod:`supportline.sla.clock` for the rules and the decisions taken on ambiguous points,
:mod:`supportline.sla.jsonio` for the JSON form used by ``supportline sla explain``
(:mod:`supportline.sla.cli`).
"""

from __future__ import annotations

from supportline.sla.clock import (
    EVENT_TYPES,
    Clock,
    ClockFigures,
    ClockState,
    Interval,
    IntervalKind,
    LevelChange,
    MicrosecondCalendar,
    SlaEvent,
    SlaFigures,
    SlaInputError,
    TicketSla,
    WorkingCalendar,
    compute_sla,
    sla_figures,
)

__all__ = [
    "EVENT_TYPES",
    "Clock",
    "ClockFigures",
    "ClockState",
    "Interval",
    "IntervalKind",
    "LevelChange",
    "MicrosecondCalendar",
    "SlaEvent",
    "SlaFigures",
    "SlaInputError",
    "TicketSla",
    "WorkingCalendar",
    "compute_sla",
    "sla_figures",
]
