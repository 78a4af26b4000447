"""Template helpers of the desk: regulation names, and one SLA clock cell (R11)."""

from __future__ import annotations

from typing import Any

from django import template

from supportline.core import formatting
from supportline.desk.selectors.common import ClockCell

register = template.Library()


@register.filter
def level_name(level_id: str) -> str:
    """The level's name from the regulation file (R21), in the active language."""
    return formatting.level_name(level_id)


@register.filter
def category_name(category_id: str) -> str:
    return formatting.category_name(category_id) if category_id else ""


@register.inclusion_tag("desk/_clock.html")
def clock(cell: ClockCell, title: str = "") -> dict[str, Any]:
    """A clock as remaining working time with its state in colour AND words."""
    return {"cell": cell, "title": title}
