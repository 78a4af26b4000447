"""Template filters shared by the portal and the desk: Moscow (or the user's) time with the zone
named, and working-time durations. The wording lives in `core.formatting`, which the desk's
selectors call too; these are only its names for templates. The tags name what the regulation
in force says (R21): the line, its contracts, its update-access level."""

from __future__ import annotations

from django import template
from django.utils import timezone

from supportline.core import rules
from supportline.core.formatting import minutes_hm, msk, utc_offset_label, zone_label

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


@register.simple_tag
def line_name() -> str:
    """The line's name from the regulation, in the active language."""
    return rules.tr(rules.regulation().line_name)


@register.simple_tag
def contract_names() -> str:
    """The contracts the regulation requires (R2), «1С:ИТС, 1С:КП Отраслевой»."""
    return ", ".join(rules.tr(kind.name) for kind in rules.regulation().contracts)


@register.simple_tag
def update_access_level() -> str:
    """The name of the level update-access requests are served at (R17)."""
    regulation = rules.regulation()
    return rules.tr(regulation.level(regulation.update_access_level_id).name)


register.simple_tag(zone_label, name="zone_label")


@register.simple_tag
def line_zone() -> str:
    """The line's zone for a sentence: «МСК, Europe/Moscow» (its label and IANA name)."""
    zone = rules.regulation().working_hours.time_zone
    return f"{zone_label()}, {zone}"


@register.simple_tag
def line_hours() -> str:
    """The line's working day, «09:00–18:00» (R9, R21)."""
    hours = rules.regulation().working_hours
    return f"{hours.start:%H:%M}–{hours.end:%H:%M}"


@register.simple_tag
def out_of_turn_levels() -> str:
    """The names of the levels handled out of turn (R14), «Оперативная поддержка»."""
    levels = rules.regulation().levels
    return ", ".join(rules.tr(level.name) for level in levels if level.out_of_turn) or "—"
