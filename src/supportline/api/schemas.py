"""JSON shapes of the REST API.

Every text field is `Plain` (no NUL, no lone surrogate) and limited to the model column it fills
(`column(Model, "field")`, read from the model so a schema cannot drift from its column); numbers
and ids are bounded, times lie within the production calendar's years. The limits are in the
OpenAPI document (maxLength, minimum/maximum) and are answered with 422 naming the field.

Required fields are the ones no call can do without (the text of a question, a reason, a target).
What a person fills in on an intake — a ticket's R1 data, an update-access request (R17), a
complaint (R20) — is declared required in the OpenAPI document (`required_by_the_service`) but
checked by the service, which names every missing or wrong field with its own message in one
answer (422); the e-mail and messenger channels register a ticket without the R1 data and ask
for it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, cast

from django.db import models
from ninja import Schema
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from supportline.lib.emails import address_problem, clean_address
from supportline.lib.text import LONG_TEXT, REASON_LENGTH, column_length, text_problem
from supportline.registry.models import Configuration, RegistrationNumber
from supportline.tickets import limits, paging
from supportline.tickets.models import (
    Complaint,
    DevelopmentItem,
    Message,
    Ticket,
    UpdateAccessDetails,
)
from supportline.worktime import MAX_YEAR, MIN_YEAR

# The largest value of a PostgreSQL bigint: ids beyond it cannot exist.
BIGINT_MAX = 2**63 - 1
# Pages of a listing: far beyond any real count, and (page - 1) * page_size stays a bigint.
MAX_PAGE = 1_000_000
MAX_PAGE_SIZE = 200
MAX_QUEUE = 500
# Items of a list in a body (tickets of a complaint, configurations of an update access).
MAX_ITEMS = 100
# R1: what a ticket's filer must give (supportline.tickets.intake.REQUIRED_MESSAGES; a partner
# also its partner code, which only partners may give).
REQUIRED_TICKET_FIELDS = (
    "registration_number",
    "organisation",
    "configuration",
    "version",
    "subject",
    "body",
)


def _plain(value: str) -> str:
    problem = text_problem(value)
    if problem is not None:
        # The type picks the message (in the request's language) in `api.urls.on_validation`.
        raise PydanticCustomError(f"text_{problem}", "text that cannot be stored")
    return value


def _iso_only(value: object) -> object:
    """A time is written as ISO 8601 text; pydantic would also read a number as a Unix time."""
    if not isinstance(value, str | dt.datetime):
        raise PydanticCustomError("datetime_type", "not an ISO 8601 time")
    return value


def _in_calendar(value: dt.datetime) -> dt.datetime:
    """A moment within the years the working calendar covers (the SLA clock runs on it)."""
    try:
        utc_year = value.astimezone(dt.UTC).year
    except OverflowError:
        utc_year = 0
    if not (MIN_YEAR <= value.year <= MAX_YEAR and MIN_YEAR <= utc_year <= MAX_YEAR):
        raise PydanticCustomError(
            "datetime_calendar_range",
            "outside the calendar's years",
            {"min_year": MIN_YEAR, "max_year": MAX_YEAR},
        )
    return value


# After the length limit, so that pydantic checks the limit on the string itself.
Plain = AfterValidator(_plain)
CalendarDatetime = Annotated[
    AwareDatetime, BeforeValidator(_iso_only), AfterValidator(_in_calendar)
]
Id = Annotated[int, Field(ge=1, le=BIGINT_MAX)]


def _rating(value: int) -> int:
    if not 1 <= value <= 5:
        raise PydanticCustomError("rating_range", "a rating is 1 to 5")
    return value


# R13's rating, with the service's own message; the bounds are declared in the OpenAPI document.
Rating = Annotated[
    int, Field(json_schema_extra={"minimum": 1, "maximum": 5}), AfterValidator(_rating)
]


def column(model: type[models.Model], name: str) -> FieldInfo:
    """The length limit of the model column a text field fills."""
    return cast(FieldInfo, Field(max_length=column_length(model, name)))


def required_by_the_service(*names: str) -> ConfigDict:
    """Declare `names` required in the OpenAPI document while the schema keeps their defaults.

    The intake services check what a person fills in and name every missing field with its own
    message in one answer (422), so pydantic must not refuse a missing field first with its
    generic one; the document still tells a client which fields it must send."""

    def extra(schema: dict[str, Any]) -> None:
        schema["required"] = [*schema.get("required", []), *names]

    return ConfigDict(json_schema_extra=extra)


LongText = Annotated[str, Field(max_length=LONG_TEXT), Plain]
TicketNumber = Annotated[str, column(Ticket, "number"), Plain]
ComplaintNumber = Annotated[str, column(Complaint, "number"), Plain]
RegistrationNumberText = Annotated[str, column(RegistrationNumber, "number"), Plain]
TicketStatus = Annotated[str, column(Ticket, "status"), Plain]
TicketLevel = Annotated[str, column(Ticket, "level"), Plain]
Page = Annotated[int, Field(ge=1, le=MAX_PAGE)]
PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)]
QueueLimit = Annotated[int, Field(ge=1, le=MAX_QUEUE)]
Cursor = Annotated[str, Field(max_length=paging.MAX_CURSOR), Plain]


class Errors(Schema):
    # A service's refusal that belongs to no one field also carries it as `detail` (a string).
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
    """R1: the data every ticket filed through the API needs. The line registering a call
    (`channel` phone) gives them too; registering an e-mail or 1C-Connect ticket it may leave
    them empty: the ticket then asks the client for what is missing (R12)."""

    model_config = required_by_the_service(*REQUIRED_TICKET_FIELDS)

    registration_number: Annotated[str, column(Ticket, "registration_number"), Plain] = ""
    partner_code: Annotated[str, column(Ticket, "partner_code"), Plain] = ""
    organisation: Annotated[str, column(Ticket, "organisation_name"), Plain] = ""
    configuration: Annotated[str, column(Ticket, "configuration_name"), Plain] = ""
    version: Annotated[str, column(Ticket, "version"), Plain] = ""
    subject: Annotated[str, column(Ticket, "subject"), Plain] = ""
    body: Annotated[str, column(Message, "body"), Plain] = ""
    category: Annotated[str, column(Ticket, "category"), Plain] = ""
    channel: Annotated[str, column(Ticket, "channel"), Plain] = "api"
    contact_email: Annotated[str, column(Ticket, "contact_email"), Plain] = ""
    contact_name: Annotated[str, column(Ticket, "contact_name"), Plain] = ""
    # Phone calls (R6): the consultant gives the call's time as the registration time.
    registered_at: CalendarDatetime | None = None


class TextIn(Schema):
    """A message that must be written (a question, an answer, a reply)."""

    text: Annotated[str, column(Message, "body"), Plain]


class OptionalTextIn(Schema):
    """A message the line may leave to the regulation's standard text (accept, resolve)."""

    text: Annotated[str, column(Message, "body"), Plain] = ""


class EvaluateIn(Schema):
    """R13: `accepted` with a `rating` (1–5), or rejected with a `comment` saying why."""

    accepted: bool
    rating: Rating | None = None
    comment: Annotated[str, column(Ticket, "rating_comment"), Plain] = ""


class LevelIn(Schema):
    level: Annotated[str, column(Ticket, "level"), Plain]
    reason: LongText


class TransferIn(Schema):
    to: Annotated[str, column(Ticket, "transferred_to"), Plain]
    kind: Annotated[str, column(DevelopmentItem, "kind"), Plain]
    reason: Annotated[str, column(DevelopmentItem, "description"), Plain]
    title: Annotated[str, column(DevelopmentItem, "title"), Plain] = ""
    development_item: Id | None = None


class RedirectIn(Schema):
    category: Annotated[str, column(Ticket, "category"), Plain]
    text: Annotated[str, column(Message, "body"), Plain] = ""


class MergeIn(Schema):
    """Issue 14 §6: the ticket that stays (the one in the path is the duplicate), and why."""

    into: TicketNumber
    reason: Annotated[str, Field(max_length=REASON_LENGTH), Plain] = ""


class LinkIn(Schema):
    other: TicketNumber


class LinkOut(Schema):
    """A ticket linked to this one (seen by the line only)."""

    number: str
    subject: str
    status: str


class RefuseIn(Schema):
    reason: Annotated[str, Field(max_length=REASON_LENGTH), Plain]


class CompleteDataIn(Schema):
    registration_number: Annotated[str, column(Ticket, "registration_number"), Plain] = ""
    partner_code: Annotated[str, column(Ticket, "partner_code"), Plain] = ""
    organisation: Annotated[str, column(Ticket, "organisation_name"), Plain] = ""
    configuration: Annotated[str, column(Ticket, "configuration_name"), Plain] = ""
    version: Annotated[str, column(Ticket, "version"), Plain] = ""
    category: Annotated[str, column(Ticket, "category"), Plain] = ""


class AttachmentOut(Schema):
    id: int  # GET /tickets/{number}/attachments/{id} downloads it
    name: str
    size: int
    content_type: str


class NoteOut(Schema):
    """An internal note of the line (issue 14 §4): for the line's staff only."""

    id: int
    at: dt.datetime
    author: str | None
    text: str
    mentioned: list[str]


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
    # Counted up to a cap (issue 15): `count_exact` false means "more than `count`".
    count: int
    count_exact: bool
    page: int
    page_size: int
    items: list[TicketOut]
    # The next page: pass it back as `cursor` (null: this is the last page).
    next_cursor: str | None


class UpdateAccessIn(ContactEmailChecked):
    """R17: a request for access to updates; `previous_login` only when there was one."""

    model_config = required_by_the_service(
        "organisation_full_name", "inn", "registration_number", "configuration", "version"
    )

    # The full name and the configuration are stored in narrower places too (tickets.limits).
    organisation_full_name: Annotated[
        str, Field(max_length=limits.update_access_full_name_length()), Plain
    ] = ""
    inn: Annotated[str, column(UpdateAccessDetails, "inn"), Plain] = ""
    registration_number: Annotated[str, column(Ticket, "registration_number"), Plain] = ""
    configuration: Annotated[
        str, Field(max_length=limits.update_access_configuration_length()), Plain
    ] = ""
    version: Annotated[str, column(Ticket, "version"), Plain] = ""
    previous_login: Annotated[str, column(UpdateAccessDetails, "previous_login"), Plain] = ""
    contact_email: Annotated[str, column(Ticket, "contact_email"), Plain] = ""


class DecideIn(Schema):
    """R18: granting needs the `login` (both contracts valid); without valid contracts the
    request is refused with the reason and nothing else is needed."""

    login: Annotated[str, column(UpdateAccessDetails, "granted_login"), Plain] = ""
    configurations: (
        Annotated[
            list[Annotated[str, column(Configuration, "name"), Plain]], Field(max_length=MAX_ITEMS)
        ]
        | None
    ) = None


class ComplaintIn(Schema):
    """R20: a complaint about the line's work, optionally naming the caller's tickets."""

    model_config = required_by_the_service("subject", "text")

    subject: Annotated[str, column(Complaint, "subject"), Plain] = ""
    text: Annotated[str, column(Complaint, "text"), Plain] = ""
    tickets: Annotated[list[TicketNumber], Field(max_length=MAX_ITEMS)] = []


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

    configuration: Annotated[str, Field(min_length=1, max_length=200), Plain]
    version: Annotated[str, Field(min_length=1, max_length=40), Plain]
    planned_date: dt.date | None = None
    notes: Annotated[str, Field(max_length=4000), Plain] = ""


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
    release_id: Id


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
    # reclassify: the question's real category (not contract-exempt), and why
    category: Annotated[str, column(Ticket, "category"), Plain] = ""
    reason: Annotated[str, Field(max_length=REASON_LENGTH), Plain] = ""
