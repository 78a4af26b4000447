"""Template filters shared by the portal and the desk: Moscow (or the user's) time with the zone
named, and working-time durations. The wording lives in `core.formatting`, which the desk's
selectors call too; these are only its names for templates. The tags name what the regulation
in force says (R21): the line, its contracts, its update-access level."""

from __future__ import annotations

from django import template

from supportline.core import rules
from supportline.core.formatting import minutes_hm, msk

register = template.Library()

register.filter("msk", msk)
register.filter("minutes_hm", minutes_hm)


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


@register.simple_tag
def zone_label() -> str:
    """How the line's zone is named next to a time («МСК», «ЕКБ»; else «UTC+5»)."""
    from django.utils import timezone

    from supportline.core.formatting import utc_offset_label

    label = rules.tr(rules.regulation().working_hours.zone_label)
    return label or utc_offset_label(timezone.now().astimezone(rules.line_zone()))


@register.simple_tag
def line_zone() -> str:
    """The line's zone for a sentence: «МСК, Europe/Moscow» (its label and IANA name)."""
    zone = rules.regulation().working_hours.time_zone
    return f"{zone_label()}, {zone}"
