"""REST API endpoints: parse the input, call a service, render the result (STYLE §2)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, NamedTuple, cast

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status, UploadedFile
from ninja.responses import NinjaJSONEncoder

from supportline.accounts.models import User
from supportline.api import schemas as s
from supportline.api.idempotency import idempotent
from supportline.core import rules
from supportline.core.files import PREVIEW_TYPES, file_response
from supportline.registry.models import Configuration, Release
from supportline.sla.jsonio import sla_to_json
from supportline.tickets import access, paging
from supportline.tickets.actions.attachments import check_attachment_size, ticket_attach
from supportline.tickets.actions.complaints import complaint_answer, complaint_file
from supportline.tickets.actions.development import (
    development_item_plan,
    release_create,
    release_publish,
    release_reschedule,
    ticket_resolve_in_release,
)
from supportline.tickets.actions.escalation import (
    ticket_change_level,
    ticket_redirect,
    ticket_refuse,
    ticket_transfer,
)
from supportline.tickets.actions.lifecycle import (
    ticket_accept,
    ticket_answer,
    ticket_ask,
    ticket_client_reply,
    ticket_evaluate,
    ticket_resolve,
)
from supportline.tickets.actions.merge import ticket_link, ticket_merge, ticket_unlink
from supportline.tickets.actions.notes import note_add
from supportline.tickets.actions.queue import queue_take_next
from supportline.tickets.actions.registration import (
    ticket_complete_data,
    ticket_confirm_exemption,
    ticket_reclassify,
    ticket_register,
)
from supportline.tickets.actions.steps import WORKING
from supportline.tickets.actions.update_access import (
    update_access_decide as update_access_decide_action,
)
from supportline.tickets.actions.update_access import update_access_request
from supportline.tickets.attachment_storage import (
    STORAGE_FAILED,
    files_cleaned_up_on_failure,
    safe_content_type,
)
from supportline.tickets.clock import ticket_sla
from supportline.tickets.errors import AccessDenied, IntakeError, TicketError
from supportline.tickets.intake import IntakeData
from supportline.tickets.models import (
    Attachment,
    Channel,
    Complaint,
    DevelopmentItem,
    EventType,
    InternalNote,
    Notification,
    Ticket,
)

router = Router()
log = logging.getLogger(__name__)

# The error bodies, by status (api.urls answers them): every operation declares the ones it
# can return, so a client — and schemathesis — knows each answer's shape.
_ERROR_BODIES: dict[int, Any] = {
    401: s.Detail,  # no valid token
    403: s.Detail,  # an action the caller may not take
    404: s.Detail,  # what the caller may not see, or what does not exist
    409: s.Detail,  # an action the ticket's status does not allow
    413: s.Errors,  # a request body over DATA_UPLOAD_MAX_MEMORY_SIZE
    422: s.Errors,  # invalid input, per field
    429: s.Detail,  # too many unknown tokens from the caller's address (api.auth)
    507: s.Errors,  # the attachment storage could not write the file
}

# What each error status means, in the OpenAPI document (api.urls adds them to every answer).
ERROR_DESCRIPTIONS: dict[int, str] = {
    401: (
        "Нет действующего токена; `detail` называет причину: заголовка "
        "`Authorization: Bearer <токен>` нет, токен неизвестен, отозван (в том числе сменой "
        "пароля: `supportline token --revoke`, админка), истёк его срок (`--days`), или "
        "пользователь отключён. Неизвестные токены считаются попытками подбора (429)."
    ),
    403: "Действие не разрешено роли вызывающего; `detail` говорит, какое",
    404: "Объект не найден или не виден вызывающему (существование не раскрывается)",
    409: "Статус обращения (релиза) не допускает действия; `detail` говорит почему",
    413: "Тело запроса больше DATA_UPLOAD_MAX_MEMORY_SIZE, или слишком много полей и файлов",
    422: "Неверные данные: `errors` — сообщение для каждого поля (или `body`, или заголовка)",
    429: (
        "Слишком много неизвестных токенов с адреса клиента (20 за 15 минут): любой запрос "
        "с токеном с этого адреса отклоняется до конца окна; повторите через Retry-After секунд"
    ),
    507: "Хранилище вложений не смогло записать файл; ничего не сохранено",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Через сколько секунд повторить запрос",
        "schema": {"type": "integer", "minimum": 1},
    }
}


def answers(ok: dict[int, Any], *errors: int) -> dict[int, Any]:
    """The responses of an operation: its success, 401 and 429 (every call with a token is
    authenticated and throttled), and the error statuses it can give."""
    return {**ok, **{code: _ERROR_BODIES[code] for code in (401, 429, *errors)}}


# What each kind of operation can answer besides its success.
READ = (404, 422)  # a path parameter: bounded (422) and looked up (404)
CHANGE = (403, 404, 409, 413, 422)  # a ticket action with a JSON body
LIFECYCLE = answers({200: s.TicketDetailOut}, *CHANGE)


def _user(request: HttpRequest) -> User:
    return cast(User, request.auth)  # type: ignore[attr-defined]


def _visible(request: HttpRequest, number: s.TicketNumber) -> Ticket:
    """A ticket the caller may see, or 404 — existence is not leaked to outsiders."""
    return get_object_or_404(access.visible_tickets(_user(request)), number=number)


def _name(user: User | None) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.username


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    """API times are ISO 8601 in the line's zone (Moscow, +03:00) so people can read them."""
    return moment.astimezone(rules.line_zone()) if moment is not None else None


def ticket_out(t: Ticket) -> dict[str, Any]:
    return {
        "number": t.number,
        "kind": t.kind,
        "subject": t.subject,
        "status": t.status,
        "status_label": str(t.get_status_display()),
        "level": t.level,
        "channel": t.channel,
        "category": t.category,
        "registered_at": _local(t.registered_at),
        "registration_number": t.registration_number,
        "partner_code": t.partner_code,
        "organisation": t.organisation_name or (t.organisation.name if t.organisation else ""),
        "configuration": t.configuration_name,
        "version": t.version,
        "missing_fields": t.missing_fields,
        "exemption": t.exemption,
        "version_unreleased": t.version_unreleased,
        "organisation_mismatch": t.organisation_mismatch,
        "assignee": _name(t.assignee),
        "out_of_turn": t.out_of_turn,
        "transferred_to": t.transferred_to,
        "rating": t.rating,
        "reaction_due_at": _local(t.reaction_due_at),
        "reaction_state": t.reaction_state,
        "resolution_due_at": _local(t.resolution_due_at),
        "resolution_state": t.resolution_state,
    }


# What a client may read of an event's data: the line's internal reasons (transfer, level
# change, assignment) stay with the line.
CLIENT_EVENT_DATA = frozenset({"level", "channel", "rating", "accepted"})
INTERNAL_EVENTS = frozenset({EventType.ASSIGNED, EventType.TRANSFERRED, EventType.DATA_CHANGED})


def ticket_detail(t: Ticket, viewer: User) -> dict[str, Any]:
    """Events, messages (with attachments) in three queries; the SLA computed once. A ticket
    just registered brings what it wrote (`Ticket.written`): nothing is read back."""
    written = t.written
    if written is not None:
        events, messages, sla = written.events, written.messages, written.sla
    else:
        events = list(t.events.select_related("author").order_by("at", "id"))
        sla = ticket_sla(t, now=timezone.now(), events=events)
        messages = list(
            t.messages.select_related("author").prefetch_related("attachments").order_by("at", "id")
        )
    inside = access.is_staff_member(viewer)
    shown = [e for e in events if inside or e.type not in INTERNAL_EVENTS]
    return {
        **ticket_out(t),
        "sla": sla_to_json(sla, tz=rules.line_zone()),
        "events": [
            {
                "at": _local(e.at),
                "type": e.type,
                "author": _name(e.author) if inside or e.author_id == viewer.pk else None,
                "data": e.data
                if inside
                else {k: v for k, v in e.data.items() if k in CLIENT_EVENT_DATA},
            }
            for e in shown
        ],
        "messages": [
            {
                "at": _local(m.at),
                "attachments": []
                if written is not None  # a new ticket's messages have none yet
                else [
                    {"id": a.pk, "name": a.name, "size": a.size, "content_type": a.content_type}
                    for a in m.attachments.all()
                ],
                "author_kind": m.author_kind,
                "author": _name(m.author),
                "channel": m.channel,
                "body": m.body,
            }
            for m in messages
        ],
    }


def _listing(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return tickets.select_related("assignee", "organisation")


# ---------------------------------------------------------------- the read paths (issue 15)
#
# The lists and the ticket detail are read as plain rows (`values_list`, no model instances)
# and rendered straight to the JSON ninja would write, without the second pass through the
# response schema: each row costs a few dict operations instead of a model, a `get_FOO_display`
# (which hashes every lazy label) and a pydantic validation. The declared schemas stay the
# OpenAPI document's; tests/api/test_fast_read.py proves the bytes equal the schema's output.

# What a list row reads (`ticket_out` of a row), in this order.
ROW_FIELDS = (
    "id",
    "number",
    "kind",
    "subject",
    "status",
    "level",
    "channel",
    "category",
    "registered_at",
    "registration_number",
    "partner_code",
    "organisation_name",
    "organisation__name",
    "configuration_name",
    "version",
    "missing_fields",
    "exemption",
    "version_unreleased",
    "organisation_mismatch",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__username",
    "out_of_turn",
    "transferred_to",
    "rating",
    "reaction_due_at",
    "reaction_state",
    "resolution_due_at",
    "resolution_state",
)


def json_time(moment: dt.datetime | None, zone: dt.tzinfo) -> str | None:
    """`moment` in the line's zone, written as ninja's encoder writes a datetime
    (DjangoJSONEncoder: ISO 8601 cut to milliseconds, "Z" for UTC)."""
    if moment is None:
        return None
    text = moment.astimezone(zone).isoformat()
    if moment.microsecond:
        text = text[:23] + text[26:]
    if text.endswith("+00:00"):
        text = text[:-6] + "Z"
    return text


def person(first: str | None, last: str | None, username: str | None) -> str | None:
    """`_name` of a user read as three columns (None: no user)."""
    if username is None:
        return None
    return f"{first} {last}".strip() or username


def status_labels() -> dict[str, str]:
    """Each status's label in the active language (what `get_status_display` gives)."""
    return {str(k): str(v) for k, v in Ticket._meta.get_field("status").flatchoices}


def row_out(row: dict[str, Any], zone: dt.tzinfo, labels: dict[str, str]) -> dict[str, Any]:
    """`ticket_out` of a list row (`ROW_FIELDS`), times already in their JSON form."""
    status = row["status"]
    return {
        "number": row["number"],
        "kind": row["kind"],
        "subject": row["subject"],
        "status": status,
        "status_label": labels.get(status, status),
        "level": row["level"],
        "channel": row["channel"],
        "category": row["category"],
        "registered_at": json_time(row["registered_at"], zone),
        "registration_number": row["registration_number"],
        "partner_code": row["partner_code"],
        "organisation": row["organisation_name"] or row["organisation__name"] or "",
        "configuration": row["configuration_name"],
        "version": row["version"],
        "missing_fields": row["missing_fields"],
        "exemption": row["exemption"],
        "version_unreleased": row["version_unreleased"],
        "organisation_mismatch": row["organisation_mismatch"],
        "assignee": person(
            row["assignee__first_name"], row["assignee__last_name"], row["assignee__username"]
        ),
        "out_of_turn": row["out_of_turn"],
        "transferred_to": row["transferred_to"],
        "rating": row["rating"],
        "reaction_due_at": json_time(row["reaction_due_at"], zone),
        "reaction_state": row["reaction_state"],
        "resolution_due_at": json_time(row["resolution_due_at"], zone),
        "resolution_state": row["resolution_state"],
    }


def rows_out(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    zone, labels = rules.line_zone(), status_labels()
    return [row_out(row, zone, labels) for row in rows]


def json_answer(status: int, data: object) -> HttpResponse:
    """`data` as a JSON answer with `status`, written as ninja's renderer writes it."""
    return HttpResponse(
        json.dumps(data, cls=NinjaJSONEncoder),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def json_body(response: HttpResponse, data: object) -> HttpResponse:
    """`data` (already in its JSON form) as the body of ninja's response, as its renderer
    writes it."""
    response.content = json.dumps(data, cls=NinjaJSONEncoder)
    return response


class EventRow(NamedTuple):
    at: dt.datetime
    type: str
    data: dict[str, Any]
    author_id: int | None
    first_name: str | None
    last_name: str | None
    username: str | None


class MessageRow(NamedTuple):
    id: int
    at: dt.datetime
    author_kind: str
    first_name: str | None
    last_name: str | None
    username: str | None
    channel: str
    body: str


def detail_out(t: Ticket, viewer: User) -> dict[str, Any]:
    """`ticket_detail` of a stored ticket (`t` with its assignee and organisation) in its JSON
    form: events, messages and their attachments in three queries of plain rows."""
    zone = rules.line_zone()
    events = [
        EventRow(*row)
        for row in t.events.order_by("at", "id").values_list(
            "at",
            "type",
            "data",
            "author_id",
            "author__first_name",
            "author__last_name",
            "author__username",
        )
    ]
    sla = ticket_sla(t, now=timezone.now(), events=events)
    messages = [
        MessageRow(*row)
        for row in t.messages.order_by("at", "id").values_list(
            "id",
            "at",
            "author_kind",
            "author__first_name",
            "author__last_name",
            "author__username",
            "channel",
            "body",
        )
    ]
    files: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if messages:
        attachments = Attachment.objects.filter(message__ticket=t).order_by("id")
        for message_id, pk, name, size, content_type in attachments.values_list(
            "message_id", "id", "name", "size", "content_type"
        ):
            files[message_id].append(
                {"id": pk, "name": name, "size": size, "content_type": content_type}
            )
    inside = access.is_staff_member(viewer)
    return {
        **row_out(_as_row(t), zone, status_labels()),
        "sla": sla_to_json(sla, tz=zone),
        "events": [
            {
                "at": json_time(e.at, zone),
                "type": e.type,
                "author": (
                    person(e.first_name, e.last_name, e.username)
                    if inside or e.author_id == viewer.pk
                    else None
                ),
                "data": e.data
                if inside
                else {k: v for k, v in e.data.items() if k in CLIENT_EVENT_DATA},
            }
            for e in events
            if inside or e.type not in INTERNAL_EVENTS
        ],
        "messages": [
            {
                "at": json_time(m.at, zone),
                "attachments": files.get(m.id, []),
                "author_kind": m.author_kind,
                "author": person(m.first_name, m.last_name, m.username),
                "channel": m.channel,
                "body": m.body,
            }
            for m in messages
        ],
    }


def _as_row(t: Ticket) -> dict[str, Any]:
    """A ticket (with its assignee and organisation) as a list row."""
    assignee, organisation = t.assignee, t.organisation
    row = {name: getattr(t, name) for name in ROW_FIELDS if "__" not in name}
    row["organisation__name"] = organisation.name if organisation else None
    row["assignee__first_name"] = assignee.first_name if assignee else None
    row["assignee__last_name"] = assignee.last_name if assignee else None
    row["assignee__username"] = assignee.username if assignee else None
    return row


@router.post(
    "/tickets", response=answers({201: s.TicketDetailOut}, 403, 413, 422), tags=["tickets"]
)
@idempotent
def create_ticket(request: HttpRequest, payload: s.TicketIn) -> Status[Any] | HttpResponse:
    """Register a ticket (R1–R4). Missing data → 422 with a message per field."""
    user = _user(request)
    if payload.channel not in Channel.values:
        message = _("Неизвестный канал «%(channel)s»") % {"channel": payload.channel}
        return Status(422, {"errors": {"channel": message}})
    if payload.channel != Channel.API and not access.is_line(user):
        # E-mail, phone and the messenger come in through their own channels; a client
        # choosing one would skip the R1 refusal of the API (and could date tickets back).
        return Status(
            422, {"errors": {"channel": _("Через API клиент подаёт обращение с каналом «api»")}}
        )
    data = IntakeData(**payload.dict(exclude={"channel", "registered_at"}))
    ticket = ticket_register(
        actor=user, channel=payload.channel, data=data, registered_at=payload.registered_at
    )
    # Written as ninja writes it, without validating our own answer again (intake's hot path,
    # issue 15); the schema is the declared one (schemathesis checks it).
    return json_answer(201, ticket_detail(ticket, user))


@router.get("/tickets", response=answers({200: s.TicketPage}, 422), tags=["tickets"])
def list_tickets(
    request: HttpRequest,
    response: HttpResponse,
    status: s.TicketStatus | None = None,
    level: s.TicketLevel | None = None,
    page: s.Page = 1,
    page_size: s.PageSize = 50,
    cursor: s.Cursor | None = None,
) -> Status[Any] | HttpResponse:
    """The caller's visible tickets, newest first; filters by status and level.

    Page on with `cursor` = the previous page's `next_cursor` (keyset: every page costs the
    same); `page` (OFFSET) still works for small numbers. `count` is exact up to 1000
    (`count_exact`), else it says "more than 1000"."""
    tickets = access.visible_tickets(_user(request))
    if status:
        tickets = tickets.filter(status=status)
    if level:
        tickets = tickets.filter(level=level)
    total, exact = paging.capped_count(tickets)
    rows = tickets.values(*ROW_FIELDS)
    try:
        if cursor:
            chunk, following = paging.page(rows, paging.NEWEST, cursor, page_size)
        else:
            ordered = rows.order_by(*paging.ORDERING[paging.NEWEST])
            chunk = list(ordered[(page - 1) * page_size : page * page_size + 1])
            following = (
                paging.encode(paging.NEWEST, chunk[page_size - 1])
                if len(chunk) > page_size
                else None
            )
            chunk = chunk[:page_size]
    except paging.BadCursor:
        return Status(422, {"errors": {"cursor": _("Курсор страницы недействителен")}})
    return json_body(
        response,
        {
            "count": total,
            "count_exact": exact,
            "page": page,
            "page_size": page_size,
            "items": rows_out(chunk),
            "next_cursor": following,
        },
    )


@router.get(
    "/tickets/{number}", response=answers({200: s.TicketDetailOut}, *READ), tags=["tickets"]
)
def get_ticket(
    request: HttpRequest, response: HttpResponse, number: s.TicketNumber
) -> HttpResponse:
    """A ticket with its events and both SLA clocks in `supportline sla explain` shape."""
    user = _user(request)
    ticket = get_object_or_404(_listing(access.visible_tickets(user)), number=number)
    return json_body(response, detail_out(ticket, user))


@router.post("/tickets/{number}/accept", response=LIFECYCLE, tags=["lifecycle"])
def accept(
    request: HttpRequest, number: s.TicketNumber, payload: s.OptionalTextIn
) -> dict[str, Any]:
    """R7: accept for service (the reaction)."""
    t = ticket_accept(ticket=_visible(request, number), actor=_user(request), text=payload.text)
    return ticket_detail(t, _user(request))


@router.post("/tickets/{number}/ask", response=LIFECYCLE, tags=["lifecycle"])
def ask(request: HttpRequest, number: s.TicketNumber, payload: s.TextIn) -> dict[str, Any]:
    """R12: a question to the client; the resolution clock pauses."""
    t = ticket_ask(ticket=_visible(request, number), actor=_user(request), text=payload.text)
    return ticket_detail(t, _user(request))


@router.post("/tickets/{number}/reply", response=LIFECYCLE, tags=["lifecycle"])
def reply(request: HttpRequest, number: s.TicketNumber, payload: s.TextIn) -> dict[str, Any]:
    """The client's message; an answer to a question resumes the clock (R12)."""
    t = ticket_client_reply(
        ticket=_visible(request, number),
        actor=_user(request),
        text=payload.text,
        channel=Channel.API,
    )
    return ticket_detail(t, _user(request))


@router.post("/tickets/{number}/answer", response=LIFECYCLE, tags=["lifecycle"])
def answer(request: HttpRequest, number: s.TicketNumber, payload: s.TextIn) -> dict[str, Any]:
    t = ticket_answer(ticket=_visible(request, number), actor=_user(request), text=payload.text)
    return ticket_detail(t, _user(request))


@router.post("/tickets/{number}/resolve", response=LIFECYCLE, tags=["lifecycle"])
def resolve(
    request: HttpRequest, number: s.TicketNumber, payload: s.OptionalTextIn
) -> dict[str, Any]:
    """R8: to client evaluation; the resolution clock stops."""
    t = ticket_resolve(ticket=_visible(request, number), actor=_user(request), text=payload.text)
    return ticket_detail(t, _user(request))


@router.post("/tickets/{number}/resolve-in-release", response=LIFECYCLE, tags=["lifecycle"])
def resolve_in_release(
    request: HttpRequest, number: s.TicketNumber, payload: s.OptionalTextIn
) -> dict[str, Any]:
    """R15: resolve a transferred ticket with "fixed in release N (planned date)"."""
    t = ticket_resolve_in_release(
        ticket=_visible(request, number), actor=_user(request), text=payload.text
    )
    return ticket_detail(t, _user(request))


@router.post("/tickets/{number}/evaluate", response=LIFECYCLE, tags=["lifecycle"])
def evaluate(request: HttpRequest, number: s.TicketNumber, payload: s.EvaluateIn) -> dict[str, Any]:
    """R13: accept with a 1–5 rating (→ closed) or reject with a comment (→ in progress)."""
    t = ticket_evaluate(
        ticket=_visible(request, number),
        actor=_user(request),
        accepted=payload.accepted,
        rating=payload.rating,
        comment=payload.comment,
    )
    return ticket_detail(t, _user(request))


@router.post("/tickets/{number}/change-level", response=LIFECYCLE, tags=["lifecycle"])
def change_level(
    request: HttpRequest, number: s.TicketNumber, payload: s.LevelIn
) -> dict[str, Any]:
    """R10: targets of the new level apply from the registration instant."""
    t = ticket_change_level(
        ticket=_visible(request, number),
        actor=_user(request),
        level=payload.level,
        reason=payload.reason,
    )
    return ticket_detail(t, _user(request))


@router.post("/tickets/{number}/transfer", response=LIFECYCLE, tags=["lifecycle"])
def transfer(request: HttpRequest, number: s.TicketNumber, payload: s.TransferIn) -> dict[str, Any]:
    """R15: to a methodologist or development, linked to a development item."""
    item = None
    if payload.development_item is not None:
        item = get_object_or_404(DevelopmentItem, pk=payload.development_item)
    t = ticket_transfer(
        ticket=_visible(request, number),
        actor=_user(request),
        to=payload.to,
        kind=payload.kind,
        reason=payload.reason,
        title=payload.title,
        development_item=item,
    )
    return ticket_detail(t, _user(request))


@router.post("/tickets/{number}/redirect", response=LIFECYCLE, tags=["lifecycle"])
def redirect(request: HttpRequest, number: s.TicketNumber, payload: s.RedirectIn) -> dict[str, Any]:
    """R3: out of scope, with the regulation's standard answer."""
    t = ticket_redirect(
        ticket=_visible(request, number),
        actor=_user(request),
        category=payload.category,
        text=payload.text,
    )
    return ticket_detail(t, _user(request))


@router.post("/tickets/{number}/refuse", response=LIFECYCLE, tags=["lifecycle"])
def refuse(request: HttpRequest, number: s.TicketNumber, payload: s.RefuseIn) -> dict[str, Any]:
    """R2: no valid contract."""
    t = ticket_refuse(ticket=_visible(request, number), actor=_user(request), reason=payload.reason)
    return ticket_detail(t, _user(request))


MAX_FILES = 10  # per upload; each file is limited by MAX_ATTACHMENT_BYTES


@router.post(
    "/tickets/{number}/attachments",
    response=answers({200: s.TicketDetailOut}, *CHANGE, 507),
    tags=["lifecycle"],
)
def attach(
    request: HttpRequest,
    number: s.TicketNumber,
    files: File[list[UploadedFile]],
    # Form[…] of an Annotated type would lose the default (the text is optional).
    text: s.LongText = Form(""),  # type: ignore[type-arg]
) -> Any:
    """Files (multipart, field `files`) on a new message; each within MAX_ATTACHMENT_BYTES.
    507 when the attachment storage cannot write: then no file and no message are kept."""
    ticket = _visible(request, number)
    if len(files) > MAX_FILES:
        raise TicketError(_("Не больше %(n)s файлов за раз") % {"n": MAX_FILES})
    parts = []
    for upload in files:
        check_attachment_size(upload.name or "file", upload.size or 0)
        parts.append((upload.name or "file", upload.read(), safe_content_type(upload.content_type)))
    try:
        with files_cleaned_up_on_failure(ticket):
            ticket_attach(ticket=ticket, actor=_user(request), files=parts, text=text)
    except OSError:
        log.exception("attachment storage failed for %s", ticket.number)
        return Status(507, {"errors": {"files": str(STORAGE_FAILED)}})
    return ticket_detail(Ticket.objects.get(pk=ticket.pk), _user(request))


def note_out(note: InternalNote) -> dict[str, Any]:
    return {
        "id": note.pk,
        "at": _local(note.at),
        "author": _name(note.author),
        "text": note.body,
        "mentioned": [u.username for u in note.mentioned.all()],
    }


@router.get(
    "/tickets/{number}/notes", response=answers({200: list[s.NoteOut]}, 403, *READ), tags=["notes"]
)
def notes(request: HttpRequest, number: s.TicketNumber) -> list[dict[str, Any]]:
    """Internal notes of the line on the ticket (issue 14 §4): 403 for clients and partners —
    they never see a note — and 404 for a ticket the caller may not see."""
    ticket = _visible(request, number)
    access.require(access.may_read_notes(_user(request), ticket), _("читать внутренние заметки"))
    rows = ticket.notes.select_related("author").prefetch_related("mentioned")
    return [note_out(n) for n in rows]


@router.post(
    "/tickets/{number}/notes",
    response=answers({201: s.NoteOut}, *CHANGE),
    tags=["notes"],
)
def add_note(request: HttpRequest, number: s.TicketNumber, payload: s.TextIn) -> Status[Any]:
    """A note of a consultant, methodologist or developer working the ticket; `@login`
    notifies that colleague. Never sent to the client."""
    note = note_add(ticket=_visible(request, number), actor=_user(request), text=payload.text)
    return Status(201, note_out(note))


# ------------------------------------------------------------- merge and link (issue 14 §6)


def _line_ticket(request: HttpRequest, number: s.TicketNumber, what: str) -> Ticket:
    """A ticket the caller may see (404 otherwise), for the line's staff only (403)."""
    ticket = _visible(request, number)
    access.require(access.is_staff_member(_user(request)), what)
    return ticket


def links_out(user: User, ticket: Ticket) -> list[dict[str, Any]]:
    """The related tickets the caller may see, oldest first (one query)."""
    related = (
        access.visible_tickets(user)
        .filter(
            pk__in=Ticket.related_tickets.through.objects.filter(from_ticket_id=ticket.pk).values(
                "to_ticket_id"
            )
        )
        .only("number", "subject", "status")
        .order_by("registered_at", "id")
    )
    return [{"number": t.number, "subject": t.subject, "status": t.status} for t in related]


@router.post(
    "/tickets/{number}/merge",
    response=answers({200: s.TicketDetailOut}, *CHANGE),
    tags=["links"],
)
def merge(request: HttpRequest, number: s.TicketNumber, payload: s.MergeIn) -> dict[str, Any]:
    """Merge the duplicate `number` into `into` (the same client's): its messages and files
    move, it closes with a link and its clocks stop; both logs keep the event. Answers the
    kept ticket. 403 for clients and partners, 404 for a ticket the caller may not see, 409
    when either ticket's status does not allow it, 422 for a pair of different clients."""
    # Translators: completes «Недостаточно прав: %(what)s» ("Not allowed: …").
    duplicate = _line_ticket(request, number, _("объединять обращения может сотрудник линии"))
    into = _visible(request, payload.into)
    kept = ticket_merge(ticket=duplicate, into=into, actor=_user(request), reason=payload.reason)
    return ticket_detail(kept, _user(request))


@router.post(
    "/tickets/{number}/links",
    response=answers({200: list[s.LinkOut]}, *CHANGE),
    tags=["links"],
)
def link(request: HttpRequest, number: s.TicketNumber, payload: s.LinkIn) -> list[dict[str, Any]]:
    """Link a related ticket (both ways; linking again changes nothing). Answers the ticket's
    links. 403 for clients and partners and for staff not working the ticket."""
    # Translators: completes «Недостаточно прав: %(what)s» ("Not allowed: …").
    ticket = _line_ticket(request, number, _("связывать эти обращения"))
    ticket = ticket_link(
        ticket=ticket, other=_visible(request, payload.other), actor=_user(request)
    )
    return links_out(_user(request), ticket)


@router.delete(
    "/tickets/{number}/links/{other}",
    response=answers({200: list[s.LinkOut]}, 403, 404, 409, 422),
    tags=["links"],
)
def unlink(
    request: HttpRequest, number: s.TicketNumber, other: s.TicketNumber
) -> list[dict[str, Any]]:
    """Remove a link (the events of linking stay in both logs). Answers the remaining links."""
    # Translators: completes «Недостаточно прав: %(what)s» ("Not allowed: …").
    ticket = _line_ticket(request, number, _("снимать связь этих обращений"))
    ticket = ticket_unlink(ticket=ticket, other=_visible(request, other), actor=_user(request))
    return links_out(_user(request), ticket)


# The file itself, not JSON: declared for OpenAPI by hand (ninja describes JSON bodies).
FILE_ANSWER = {
    "responses": {
        200: {
            "description": "Файл вложения (Content-Disposition: attachment)",
            # core.files: raster images and PDF keep their type, anything else is a download.
            "content": {
                kind: {"schema": {"type": "string", "format": "binary"}}
                for kind in ("application/octet-stream", *sorted(PREVIEW_TYPES))
            },
        }
    }
}


@router.get(
    "/tickets/{number}/attachments/{attachment_id}",
    response=answers({}, *READ),
    openapi_extra=FILE_ANSWER,
    tags=["tickets"],
)
def attachment(request: HttpRequest, number: s.TicketNumber, attachment_id: s.Id) -> Any:
    """A file of the ticket's messages, for whoever may see the ticket (issue 14 §1); always a
    download with `X-Content-Type-Options: nosniff`. 404 for a ticket or a file the caller may
    not see."""
    item = get_object_or_404(
        access.visible_attachments(_user(request)), pk=attachment_id, message__ticket__number=number
    )
    return file_response(item)


@router.post("/tickets/{number}/complete-data", response=LIFECYCLE, tags=["lifecycle"])
def complete_data(
    request: HttpRequest, number: s.TicketNumber, payload: s.CompleteDataIn
) -> dict[str, Any]:
    """R1: the line fills in data missing from an e-mail/phone ticket; triage then runs."""
    t = ticket_complete_data(
        ticket=_visible(request, number), actor=_user(request), data=IntakeData(**payload.dict())
    )
    return ticket_detail(t, _user(request))


@router.post(
    "/tickets/{number}/exemption",
    response=LIFECYCLE,
    tags=["lifecycle"],
)
def exemption(request: HttpRequest, number: s.TicketNumber, payload: s.ExemptionIn) -> Status[Any]:
    """R2: the line decides a licensing/protection exemption of a ticket without valid
    contracts: `confirm` (served as usual) or `reclassify` (optional new `category`; refused
    with the R2 explanation). 409 when the ticket does not wait for that decision."""
    ticket, user = _visible(request, number), _user(request)
    if payload.decision == "confirm":
        ticket = ticket_confirm_exemption(ticket=ticket, actor=user)
    else:
        ticket = ticket_reclassify(
            ticket=ticket, actor=user, category=payload.category, reason=payload.reason
        )
    return Status(200, ticket_detail(ticket, user))


@router.get("/queue", response=answers({200: list[s.TicketOut]}, 403, 422), tags=["queue"])
def queue(
    request: HttpRequest,
    response: HttpResponse,
    limit: s.QueueLimit = 100,
    cursor: s.Cursor | None = None,
) -> Status[Any] | HttpResponse:
    """R14: open tickets in regulation order — Operational out of turn, then FIFO.

    More than `limit` rows: the `X-Next-Cursor` header is the `cursor` of the next page."""
    # Translators: completes «Недостаточно прав: %(what)s» ("Not allowed: …").
    access.require(access.is_line(_user(request)), _("очередь видна сотрудникам линии"))
    open_tickets = Ticket.objects.filter(status__in=WORKING).values(*ROW_FIELDS)
    try:
        rows, following = paging.page(open_tickets, paging.QUEUE, cursor, limit)
    except paging.BadCursor:
        return Status(422, {"errors": {"cursor": _("Курсор страницы недействителен")}})
    if following:
        response[NEXT_CURSOR] = following
    return json_body(response, rows_out(rows))


# The queue's next page (its body stays a plain list, as before cursors).
NEXT_CURSOR = "X-Next-Cursor"


@router.post("/queue/take", response=answers({200: s.TicketDetailOut}, 403, 404), tags=["queue"])
def take_next(request: HttpRequest) -> Status[Any]:
    """R14: the next ticket for the calling consultant; each caller gets a different one."""
    ticket = queue_take_next(actor=_user(request))
    if ticket is None:
        return Status(404, {"detail": _("Очередь пуста")})
    return Status(200, ticket_detail(ticket, _user(request)))


# ------------------------------------------------------------- update access (R17–R18)


@router.post(
    "/update-access",
    response=answers({201: s.TicketDetailOut}, 403, 413, 422),
    tags=["update access"],
)
@idempotent
def update_access(request: HttpRequest, payload: s.UpdateAccessIn) -> Status[Any]:
    """R17: a request for access to updates (Operational level; INN check digits verified)."""
    t = update_access_request(actor=_user(request), channel=Channel.API, **payload.dict())
    return Status(201, ticket_detail(t, _user(request)))


@router.post("/update-access/{number}/decide", response=LIFECYCLE, tags=["update access"])
def update_access_decide(
    request: HttpRequest, number: s.TicketNumber, payload: s.DecideIn
) -> dict[str, Any]:
    """R18: grant (login, configurations) when both contracts are valid; refuse otherwise."""
    t = update_access_decide_action(
        ticket=_visible(request, number),
        actor=_user(request),
        login=payload.login,
        configurations=payload.configurations,
    )
    return ticket_detail(t, _user(request))


# ------------------------------------------------------------- complaints (R20)


def complaint_out(c: Complaint) -> dict[str, Any]:
    return {
        "number": c.number,
        "received_at": _local(c.received_at),
        "subject": c.subject,
        "text": c.text,
        "state": c.state,
        "tickets": [t.number for t in c.tickets.all()],
        "answer": c.answer,
        "answered_at": _local(c.answered_at),
    }


@router.post(
    "/complaints", response=answers({201: s.ComplaintOut}, 403, 413, 422), tags=["complaints"]
)
@idempotent
def file_complaint(request: HttpRequest, payload: s.ComplaintIn) -> Status[Any]:
    c = complaint_file(
        actor=_user(request),
        subject=payload.subject,
        text=payload.text,
        ticket_numbers=payload.tickets,
        channel=Channel.API,
    )
    return Status(201, complaint_out(c))


@router.get("/complaints", response=answers({200: list[s.ComplaintOut]}), tags=["complaints"])
def list_complaints(request: HttpRequest) -> list[dict[str, Any]]:
    """R20: the quality manager's queue (a client sees its own complaints)."""
    complaints = access.visible_complaints(_user(request)).prefetch_related("tickets")
    return [complaint_out(c) for c in complaints]


@router.post(
    "/complaints/{number}/answer",
    response=answers({200: s.ComplaintOut}, *CHANGE),
    tags=["complaints"],
)
def answer_complaint(
    request: HttpRequest, number: s.ComplaintNumber, payload: s.TextIn
) -> dict[str, Any]:
    c = get_object_or_404(access.visible_complaints(_user(request)), number=number)
    return complaint_out(complaint_answer(complaint=c, actor=_user(request), text=payload.text))


# ------------------------------------------------------------- registries, releases (R15)


def _require_staff(request: HttpRequest) -> User:
    user = _user(request)
    if not access.is_staff_member(user):
        raise AccessDenied(_("Реестры доступны сотрудникам линии"))
    return user


@router.get(
    "/registry/registrations/{number}",
    response=answers({200: s.RegistrationOut}, *READ),
    tags=["registry"],
)
def registration(request: HttpRequest, number: s.RegistrationNumberText) -> dict[str, Any]:
    """A registration number with its contracts (R2) — line staff, or the holder itself."""
    regs = (
        access.visible_registrations(_user(request))
        .select_related("organisation", "partner", "product")
        .prefetch_related("contracts")
    )
    reg = get_object_or_404(regs, number=number)
    today = rules.local_date(timezone.now())
    return {
        "number": reg.number,
        "kind": reg.kind,
        "organisation": reg.organisation.name if reg.organisation else None,
        "partner": reg.partner.code if reg.partner else None,
        "product": reg.product.name,
        "contracts": [
            {
                "kind": c.kind,
                "number": c.number,
                "valid_from": c.valid_from,
                "valid_to": c.valid_to,
                "its_level": c.its_level,
                "valid_today": c.is_valid_on(today),
            }
            for c in reg.contracts.all()
        ],
    }


@router.get(
    "/registry/configurations", response=answers({200: list[s.ConfigurationOut]}), tags=["registry"]
)
def configurations(request: HttpRequest) -> list[dict[str, Any]]:
    """Products and configurations with their current release (R4) — any signed-in user."""
    confs = Configuration.objects.select_related("product").prefetch_related(
        Prefetch("releases", queryset=Release.objects.filter(is_current=True), to_attr="current")
    )
    return [
        {
            "name": c.name,
            "product": c.product.name,
            "support_status": c.support_status
            if c.product.support_status == "supported"
            else "withdrawn",
            "current_release": c.current[0].version if c.current else None,
        }
        for c in confs
    ]


@router.get(
    "/registry/releases", response=answers({200: list[s.ReleaseOut]}, 403), tags=["registry"]
)
def releases(request: HttpRequest) -> list[dict[str, Any]]:
    _require_staff(request)
    return [
        {
            "id": r.pk,
            "configuration": r.configuration.name,
            "version": r.version,
            "is_current": r.is_current,
            "published_at": _local(r.published_at),
            "planned_date": r.planned_date,
        }
        for r in Release.objects.select_related("configuration")
    ]


def release_out(r: Release) -> dict[str, Any]:
    return {
        "id": r.pk,
        "configuration": r.configuration.name,
        "version": r.version,
        "is_current": r.is_current,
        "published_at": _local(r.published_at),
        "planned_date": r.planned_date,
    }


@router.post("/releases", response=answers({201: s.ReleaseOut}, 403, 413, 422), tags=["releases"])
def create_release(request: HttpRequest, payload: s.ReleaseIn) -> Status[Any]:
    """R15: the development department announces a release with its planned date."""
    user = _require_staff(request)
    configuration = Configuration.objects.filter(name=payload.configuration.strip()).first()
    if configuration is None:
        raise IntakeError(
            {
                "configuration": _("Конфигурация «%(name)s» не найдена")
                % {"name": payload.configuration.strip()}
            }
        )
    release = release_create(
        actor=user,
        configuration=configuration,
        version=payload.version,
        planned_date=payload.planned_date,
        notes=payload.notes,
    )
    return Status(201, release_out(release))


@router.post(
    "/releases/{release_id}/reschedule",
    response=answers({200: s.ReleaseOut}, 403, 404, 409, 413, 422),
    tags=["releases"],
)
def reschedule_release(
    request: HttpRequest, release_id: s.Id, payload: s.RescheduleIn
) -> dict[str, Any]:
    """R15: a new planned date; every waiting client is told the release moved."""
    user = _require_staff(request)
    release = get_object_or_404(Release.objects.select_related("configuration"), pk=release_id)
    return release_out(
        release_reschedule(release=release, actor=user, planned_date=payload.planned_date)
    )


@router.post(
    "/releases/{release_id}/publish",
    response=answers({200: list[s.NotificationOut]}, 403, 404, 409, 422),
    tags=["releases"],
)
def publish_release(request: HttpRequest, release_id: s.Id) -> list[dict[str, Any]]:
    """R15: publish a release; every client linked through a development item is notified."""
    user = _require_staff(request)
    release = get_object_or_404(Release, pk=release_id)
    return [notification_out(n) for n in release_publish(release=release, actor=user)]


@router.get(
    "/development-items",
    response=answers({200: list[s.DevelopmentItemOut]}, 403),
    tags=["releases"],
)
def development_items(request: HttpRequest) -> list[dict[str, Any]]:
    user = _require_staff(request)
    # The linked tickets the caller may open (a developer sees only what reached development).
    items = DevelopmentItem.objects.select_related("target_release").prefetch_related(
        Prefetch("tickets", queryset=access.visible_tickets(user))
    )
    return [
        {
            "id": i.pk,
            "title": i.title,
            "kind": i.kind,
            "target_release": i.target_release.version if i.target_release else None,
            "planned_date": i.target_release.planned_date if i.target_release else None,
            "tickets": [t.number for t in i.tickets.all()],
        }
        for i in items
    ]


@router.post(
    "/development-items/{item_id}/plan",
    response=answers({200: s.DevelopmentItemOut}, *CHANGE),
    tags=["releases"],
)
def plan_item(request: HttpRequest, item_id: s.Id, payload: s.PlanIn) -> dict[str, Any]:
    """R15: set the target release during diagnosis."""
    user = _require_staff(request)
    item = get_object_or_404(DevelopmentItem, pk=item_id)
    release = get_object_or_404(Release, pk=payload.release_id)
    item = development_item_plan(item=item, actor=user, release=release)
    return {
        "id": item.pk,
        "title": item.title,
        "kind": item.kind,
        "target_release": release.version,
        "planned_date": release.planned_date,
        "tickets": [t.number for t in item.tickets.all()],
    }


def notification_out(n: Notification) -> dict[str, Any]:
    return {
        "id": n.pk,
        "kind": n.kind,
        "text": n.text,
        "ticket": n.ticket.number if n.ticket else None,
        "created_at": _local(n.created_at),
        "read": n.read_at is not None,
    }


@router.get(
    "/notifications", response=answers({200: list[s.NotificationOut]}), tags=["notifications"]
)
def notifications(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        notification_out(n)
        for n in Notification.objects.filter(user=_user(request)).select_related("ticket")[:200]
    ]
