"""Input limits that follow from where a service stores a value, for the edges' schemas and forms.

An update-access request (`actions.update_access.update_access_request`, R17) stores the organisation's full
name in two columns (UpdateAccessDetails.organisation_full_name, 500, and Ticket.organisation_name,
300) and writes «Доступ к обновлениям: {configuration} {version}» as the ticket's subject (300):
what the request takes must fit the narrowest of them, or PostgreSQL refuses the row (a 500).
"""

from __future__ import annotations

from supportline.lib.text import column_length
from supportline.tickets.models import Ticket, UpdateAccessDetails

UPDATE_ACCESS_SUBJECT_PREFIX = "Доступ к обновлениям: "


def update_access_full_name_length() -> int:
    return min(
        column_length(UpdateAccessDetails, "organisation_full_name"),
        column_length(Ticket, "organisation_name"),
    )


def update_access_configuration_length() -> int:
    room = column_length(Ticket, "subject") - len(UPDATE_ACCESS_SUBJECT_PREFIX) - 1
    return min(column_length(Ticket, "configuration_name"), room - column_length(Ticket, "version"))
