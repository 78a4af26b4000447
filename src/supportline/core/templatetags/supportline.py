"""Template helpers shared by the portal and the desk: Moscow time with the zone named."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.translation import gettext as _

from supportline.core import rules

register = template.Library()


@register.filter
def msk(moment: dt.datetime | None, fmt: str = "%d.%m.%Y %H:%M") -> str:
    """24.11.2026 10:00 МСК — every time a person reads is Moscow time, zone named."""
    if moment is None:
        return "—"
    return f"{moment.astimezone(rules.line_zone()).strftime(fmt)} {_('МСК')}"


@register.filter
def minutes_hm(minutes: int | None) -> str:
    """570 → «9 ч 30 мин» (working time)."""
    if minutes is None:
        return "—"
    sign = "−" if minutes < 0 else ""
    hours, rest = divmod(abs(int(minutes)), 60)
    if hours and rest:
        return f"{sign}{hours} {_('ч')} {rest} {_('мин')}"
    if hours:
        return f"{sign}{hours} {_('ч')}"
    return f"{sign}{rest} {_('мин')}"
