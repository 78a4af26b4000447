"""What the public line page shows (R19), read from the regulation file (R21)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from supportline.core import rules


@dataclass(frozen=True)
class Channel:
    name: str
    contact: str


@dataclass(frozen=True)
class LevelInfo:
    name: str
    reaction_hours: float
    resolution_hours: float


@dataclass(frozen=True)
class OfferInfo:
    id: str
    name: str
    on_request: bool


@dataclass(frozen=True)
class LineInfo:
    name: str
    vendor: str
    hours_start: str
    hours_end: str
    short_day_end: str
    now: dt.datetime
    open_now: bool
    channels: list[Channel]
    quality_email: str
    levels: list[LevelInfo]
    offers: list[OfferInfo]


def _hours(minutes: int) -> float:
    return minutes / 60 if minutes % 60 else minutes // 60


def line_info(now: dt.datetime | None = None) -> LineInfo:
    regulation = rules.regulation()
    hours = regulation.working_hours
    now = (now or timezone.now()).astimezone(rules.line_zone())
    return LineInfo(
        name=rules.tr(regulation.line_name),
        vendor=rules.tr(regulation.vendor),
        hours_start=hours.start.strftime("%H:%M"),
        hours_end=hours.end.strftime("%H:%M"),
        short_day_end=hours.short_day_end.strftime("%H:%M"),
        now=now,
        open_now=rules.is_open(now),
        channels=[Channel(rules.tr(c.name), c.address or "") for c in regulation.channels],
        quality_email=regulation.contacts.quality_email,
        levels=[
            LevelInfo(rules.tr(lv.name), _hours(lv.reaction_minutes), _hours(lv.resolution_minutes))
            for lv in regulation.levels
        ],
        offers=[OfferInfo(o.id, rules.tr(o.name), o.on_request) for o in regulation.offers],
    )
