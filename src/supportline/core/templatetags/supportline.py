"""Template filters shared by the portal and the desk: Moscow (or the user's) time with the zone
named, and working-time durations. The wording lives in `core.formatting`, which the desk's
selectors call too; these are only its names for templates."""

from __future__ import annotations

from django import template
from django.utils import timezone

from supportline.core import rules
from supportline.core.formatting import minutes_hm, msk, utc_offset_label

register = template.Library()

register.filter("msk", msk)
register.filter("minutes_hm", minutes_hm)


@register.simple_tag
def display_zone_name() -> str:
    """Issue 14 §9: the zone times are shown in — the user's choice, else the line's —
    by its IANA name and UTC offset («Europe/Samara, UTC+4»)."""
    try:
        zone = rules.display_zone()
    except Exception:
        return "UTC"
    return f"{zone.key}, {utc_offset_label(timezone.now().astimezone(zone))}"
