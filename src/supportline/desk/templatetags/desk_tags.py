"""Template helpers of the desk: regulation names, and one SLA clock cell (R11)."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from supportline.core import formatting
from supportline.desk.selectors.common import AT_RISK, MET, ON_TRACK, PAUSED, ClockCell

register = template.Library()


@register.filter
def level_name(level_id: str) -> str:
    """The level's name from the regulation file (R21), in the active language."""
    return formatting.level_name(level_id)


@register.filter
def category_name(category_id: str) -> str:
    return formatting.category_name(category_id) if category_id else ""


@register.simple_tag
def clock(cell: ClockCell, title: str = "") -> SafeString:
    """A clock as remaining working time with its state in colour AND words.

    Built here rather than in a template: the queue shows two per row, and an included
    template per cell was most of the page's time (issue 15)."""
    parts: list[str] = [format_html('<span class="sla sla-{}">', cell.state)]
    if title:
        parts.append(format_html('<span class="sla-title">{}:</span> ', title))
    parts.append(format_html("<strong>{}</strong>", cell.label))
    counting = cell.state in (ON_TRACK, AT_RISK) or (
        cell.state == PAUSED and cell.remaining_minutes is not None
    )
    if counting:
        left = formatting.minutes_hm(cell.remaining_minutes)
        parts.append(" · " + _("осталось %(left)s") % {"left": conditional_escape(left)})
    elif cell.overdue_minutes:
        over = formatting.minutes_hm(cell.overdue_minutes)
        parts.append(" · " + _("просрочено на %(over)s") % {"over": conditional_escape(over)})
    if cell.due_at and cell.state != MET:
        iso = date_filter(localtime(cell.due_at), "c")
        due = formatting.msk(cell.due_at)
        text = _('срок <time datetime="%(iso)s">%(due)s</time>') % {
            "iso": conditional_escape(iso),
            "due": conditional_escape(due),
        }
        parts.append(f"<br><small>{text}</small>")
    parts.append("</span>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
