"""URL path converters of the desk and the portal.

`<number:number>` is a ticket's or a complaint's number as it can exist: no control character
(a NUL was a 500 on PostgreSQL), no longer than the column. Anything else is no such page: 404.
"""

from __future__ import annotations

from django.urls import register_converter

from supportline.lib.text import column_length
from supportline.tickets.models import Complaint, Ticket

_LONGEST = max(column_length(Ticket, "number"), column_length(Complaint, "number"))


class NumberConverter:
    regex = r"[^/\x00-\x1f\x7f]{1,%s}" % _LONGEST  # noqa: UP031 (regex braces)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(NumberConverter, "number")
