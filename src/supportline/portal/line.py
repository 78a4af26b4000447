"""What the public line page shows (R19), read from the regulation file (R21)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import timezone


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
    offers: list[str]


def line_info(now: dt.datetime | None = None) -> LineInfo:
    moscow = ZoneInfo("Europe/Moscow")
    now = (now or timezone.now()).astimezone(moscow)
    open_now = now.weekday() < 5 and dt.time(9) <= now.time() < dt.time(18)
    return LineInfo(
        name="Линия консультаций по продуктам 1С:CRM",
        vendor="1С-Рарус",
        hours_start="09:00",
        hours_end="18:00",
        short_day_end="17:00",
        now=now,
        open_now=open_now,
        channels=[
            Channel("Электронная почта", "crm-support@example.ru"),
            Channel("Телефон", "+7 (495) 000-00-00"),
            Channel("1С-Коннект", "линия «1С:CRM»"),
            Channel("Портал", "этот сайт"),
            Channel("REST API", "/api/docs"),
        ],
        quality_email="crm-quality@example.ru",
        levels=[
            LevelInfo("Оперативная поддержка", 4, 8),
            LevelInfo("Стандартная поддержка", 8, 24),
            LevelInfo("Запрос, пожелание по развитию", 8, 40),
        ],
        offers=["Учебные курсы", "Прямые эфиры", "Индивидуальное сопровождение по запросу"],
    )
