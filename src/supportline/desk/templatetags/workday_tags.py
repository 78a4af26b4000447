"""Template filters of the desk's working day (issue 14)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html

from supportline.core.files import previewable
from supportline.desk.selectors.search import DEFAULT_SORT

register = template.Library()
register.filter("preview_kind", previewable)


@register.simple_tag(takes_context=True)
def sort_link(context: dict[str, Any], column: str, label: str) -> str:
    """A column heading that sorts by it (again: the other way), from the first page."""
    request = context["request"]
    params = request.GET.copy()
    params.pop("after", None)
    current = params.get("sort") or DEFAULT_SORT
    descending = params.get("dir", "desc") != "asc"
    params["sort"] = column
    params["dir"] = "asc" if current == column and descending else "desc"
    mark = ""
    if current == column:
        mark = " ↓" if descending else " ↑"
    href = reverse("desk:search") + "?" + params.urlencode()
    return format_html('<a href="{}">{}{}</a>', href, label, mark)
