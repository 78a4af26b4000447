"""JSON shapes of the REST API."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import AwareDatetime, Field, field_validator
from pydantic_core import PydanticCustomError

from supportline.lib.emails import address_problem, clean_address


class Errors(Schema):
    errors: dict[str, str]


class Detail(Schema):
    detail: str


class ContactEmailChecked(Schema):
    """`contact_email`, when given, is one plain address (supportline.lib.emails): the line
    writes to it, so a list or a display name would make it a mail relay."""

    @field_validator("contact_email", check_fields=False)
    @classmethod
    def _one_address(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return ""
        problem = address_problem(value)
        if problem is not None:
            raise PydanticCustomError("email_address", problem)
        return clean_address(value)


class TicketIn(ContactEmailChecked):
    registration_number: str = ""
    partner_code: str = ""
    organisation: str = ""
    configuration: str = ""
    version: str = ""
    subject: str = ""
    body: str = ""
    category: str = ""
    channel: str = "api"
    contact_email: str = ""
    contact_name: str = ""
    # Phone calls (R6): the consultant gives the call's time as the registration time.
    registered_at: AwareDatetime | None = None


class TextIn(Schema):
    text: str = ""


class EvaluateIn(Schema):
    accepted: bool
    rating: int | None = None
    comment: str = ""


class LevelIn(Schema):
    level: str
    reason: str = ""


class TransferIn(Schema):
    to: str
    kind: str
    reason: str = ""
    title: str = ""
    development_item: int | None = None


class RedirectIn(Schema):
    category: str
    text: str = ""


class RefuseIn(Schema):
    reason: str = ""


class CompleteDataIn(Schema):
    registration_number: str = ""
    partner_code: str = ""
    organisation: str = ""
    configuration: str = ""
    version: str = ""
    category: str = ""


class AttachmentOut(Schema):
    name: str
    size: int
    content_type: str


class MessageOut(Schema):
    at: dt.datetime
    attachments: list[AttachmentOut] = []
    author_kind: str
    author: str | None
    channel: str
    body: str


class EventOut(Schema):
    at: dt.datetime
    type: str
    author: str | None
    data: dict[str, Any]


class TicketOut(Schema):
    number: str
    kind: str
    subject: str
    status: str
    status_label: str
    level: str
    channel: str
    category: str
    registered_at: dt.datetime
    registration_number: str
    partner_code: str
    organisation: str
    configuration: str
    version: str
    missing_fields: list[str]
    exemption: str  # R2: "" | pending | confirmed | reclassified
    version_unreleased: bool  # R4: newer than every known release (flagged for the line)
    organisation_mismatch: bool  # R1: the typed name differs from the registry's
    assignee: str | None
    out_of_turn: bool
    transferred_to: str
    rating: int | None
    reaction_due_at: dt.datetime | None
    reaction_state: str
    resolution_due_at: dt.datetime | None
    resolution_state: str


class TicketDetailOut(TicketOut):
    sla: dict[str, Any]
    events: list[EventOut]
    messages: list[MessageOut]


class TicketPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[TicketOut]


class UpdateAccessIn(ContactEmailChecked):
    organisation_full_name: str = ""
    inn: str = ""
    registration_number: str = ""
    configuration: str = ""
    version: str = ""
    previous_login: str = ""
    contact_email: str = ""


class DecideIn(Schema):
    login: str = ""
    configurations: list[str] | None = None


class ComplaintIn(Schema):
    subject: str = ""
    text: str = ""
    tickets: list[str] = []


class ComplaintOut(Schema):
    number: str
    received_at: dt.datetime
    subject: str
    text: str
    state: str
    tickets: list[str]
    answer: str
    answered_at: dt.datetime | None


class ContractOut(Schema):
    kind: str
    number: str
    valid_from: dt.date
    valid_to: dt.date
    its_level: str
    valid_today: bool


class RegistrationOut(Schema):
    number: str
    kind: str
    organisation: str | None
    partner: str | None
    product: str
    contracts: list[ContractOut]


class ReleaseOut(Schema):
    id: int
    configuration: str
    version: str
    is_current: bool
    published_at: dt.datetime | None
    planned_date: dt.date | None = None


class ReleaseIn(Schema):
    """R15: a release the development department announces."""

    configuration: str = Field(min_length=1, max_length=200)
    version: str = Field(min_length=1, max_length=40)
    planned_date: dt.date | None = None
    notes: str = Field("", max_length=4000)


class RescheduleIn(Schema):
    planned_date: dt.date


class ConfigurationOut(Schema):
    name: str
    product: str
    support_status: str
    current_release: str | None


class DevelopmentItemOut(Schema):
    id: int
    title: str
    kind: str
    target_release: str | None
    tickets: list[str]
    planned_date: dt.date | None = None


class PlanIn(Schema):
    release_id: int


class NotificationOut(Schema):
    id: int
    kind: str
    text: str
    ticket: str | None
    created_at: dt.datetime
    read: bool


# ------------------------------------------------------------- R2 exemption decision


class ExemptionIn(Schema):
    """R2: `confirm` the licensing/protection exemption, or `reclassify` the question."""

    decision: Literal["confirm", "reclassify"]
    category: str = ""  # reclassify: the question's real category (not contract-exempt)
    reason: str = ""
