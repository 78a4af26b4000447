"""The REST API (django-ninja); its OpenAPI document is served at /api/openapi.json.

Errors answer in the request's language (Accept-Language; Russian by default): 401 without a valid token, 403 for an action the caller may not
take, 404 for what the caller may not see (no existence leak), 409 for an action the ticket's
status does not allow, 422 `{"errors": {field: message}}` for invalid input.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import connection
from django.db.utils import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI, Schema, Status, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.parser import Parser
from ninja.types import DictStrAny

from supportline.api.auth import BearerToken, TokenRejected, TokenThrottled
from supportline.api.reports import router as reports_router
from supportline.api.schemas import Detail
from supportline.api.views import ERROR_DESCRIPTIONS, NEXT_CURSOR, RETRY_AFTER, router
from supportline.core import rules
from supportline.lib.text import NUL_MESSAGE, SURROGATE_MESSAGE
from supportline.ops.ready import router as ready_router
from supportline.tickets.errors import AccessDenied, IntakeError, TicketError, TransitionError


class BodyError(Exception):
    """A request body that is not a JSON object; answered 422 `{"errors": {"body": …}}`."""

    def __init__(self, message: Promise | str) -> None:
        super().__init__(str(message))
        self.message = message


class JsonObjectParser(Parser):
    """Bodies are JSON objects sent as application/json; anything else is a clear 422.

    ninja wraps whatever the parser raises into HttpError(400, "Cannot parse request body");
    `on_http_error` finds the BodyError behind it and answers in the README's shape."""

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        content_type = request.content_type or ""
        if content_type != "application/json" and not (
            content_type.startswith("application/") and content_type.endswith("+json")
        ):
            raise BodyError(
                gettext_lazy(
                    "Ожидается тело запроса в формате JSON (Content-Type: application/json)"
                )
            )
        try:
            data = json.loads(request.body.decode("utf-8-sig"))  # a BOM may be ignored (RFC 8259)
        except (UnicodeDecodeError, ValueError, RecursionError):
            # RecursionError: JSON nested deeper than Python's recursion limit.
            raise BodyError(_PYDANTIC_MESSAGES["json_invalid"]) from None
        if not isinstance(data, dict):
            raise BodyError(gettext_lazy("Тело запроса должно быть JSON-объектом {…}"))
        return data


class SupportLineApi(NinjaAPI):
    """ninja's API, whose OpenAPI document says what each error status means (ninja writes
    only the status's name) and that a 429 carries Retry-After. Every operation that takes a
    token declares 401 and 429 (the token check answers them before any view runs), also one
    whose view does not list them."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: DictStrAny | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        detail = {"application/json": {"schema": {"$ref": "#/components/schemas/Detail"}}}
        schema["components"]["schemas"].setdefault("Detail", Detail.model_json_schema())
        for operations in schema["paths"].values():
            for operation in operations.values():
                if operation.get("security"):
                    for status in (401, 429):
                        if status not in operation["responses"]:
                            operation["responses"][status] = {"content": detail}
                for status, response in operation["responses"].items():
                    if int(status) in ERROR_DESCRIPTIONS:
                        response["description"] = ERROR_DESCRIPTIONS[int(status)]
                    if int(status) == 429:
                        response["headers"] = RETRY_AFTER
        for path, operations in schema["paths"].items():
            if path.endswith("/v1/queue") and "get" in operations:
                operations["get"]["responses"][200]["headers"] = QUEUE_NEXT_CURSOR
        return schema


# GET /v1/queue answers a plain list; the next page's cursor travels in a header.
QUEUE_NEXT_CURSOR = {
    NEXT_CURSOR: {
        "description": "Курсор следующей страницы (параметр `cursor`); нет заголовка — "
        "страница последняя",
        "schema": {"type": "string"},
    }
}


def _description() -> str:
    """R21: the line's name comes from the regulation in force, not from code."""
    return _(
        "REST API линии консультаций SupportLine (%(line)s). Авторизация: заголовок "
        "`Authorization: Bearer <токен>`; токен выдаёт команда `supportline token ИМЯ`."
    ) % {"line": rules.tr(rules.regulation().line_name)}


_lazy_description = lazy(_description, str)


api = SupportLineApi(
    title="SupportLine API",
    version="1",
    # Lazy: the OpenAPI document is built per request, in the request's language (Django's JSON
    # encoder renders lazy strings); ninja's annotation says `str`.
    description=_lazy_description(),
    openapi_url="/openapi.json",
    docs_url="/docs",
    # Offline: Swagger UI from our static files (ninja is an installed app), and no badge that
    # sends the schema to validator.swagger.io.
    docs=Swagger(settings={"validatorUrl": None}),
    urls_namespace="api",
    auth=BearerToken(),
    parser=JsonObjectParser(),
)
api.add_router("/v1", router)
api.add_router("/v1", reports_router)  # /v1/reports/sla (issue 16)
api.add_router("/v1", ready_router)  # /v1/ready (operations; /v1/health below is liveness)


class Health(Schema):
    status: str
    database: str


@api.get("/v1/health", response={200: Health, 503: Health}, tags=["health"], auth=None)
def health(request: HttpRequest) -> Status[Health]:
    """Is the service up and its database reachable?"""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return Status(503, Health(status="error", database="unreachable"))
    return Status(200, Health(status="ok", database=connection.vendor))


def _field(loc: list[Any] | tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path", "form", "file")]
    return ".".join(parts) or "body"


# pydantic's error types in words; lazy, made `str` in the request's language when answering.
# %(name)s takes the error's context (the limit that was exceeded).
_PYDANTIC_MESSAGES: dict[str, Promise] = {
    "missing": gettext_lazy("Обязательное поле"),
    "bool_parsing": gettext_lazy("Ожидается true или false"),
    "bool_type": gettext_lazy("Ожидается true или false"),
    "int_parsing": gettext_lazy("Ожидается целое число"),
    "int_type": gettext_lazy("Ожидается целое число"),
    "string_type": gettext_lazy("Ожидается строка"),
    "timezone_aware": gettext_lazy(
        "Укажите время с часовым поясом, например 2026-11-24T09:30:00+03:00"
    ),
    "datetime_parsing": gettext_lazy("Ожидается дата и время в формате ISO 8601"),
    "datetime_from_date_parsing": gettext_lazy("Ожидается дата и время в формате ISO 8601"),
    "json_invalid": gettext_lazy("Тело запроса — не корректный JSON"),
    "list_type": gettext_lazy("Ожидается список"),
    "email_address": gettext_lazy(
        "Укажите один адрес электронной почты, например ivanov@example.ru"
    ),
    "string_too_long": gettext_lazy("Не длиннее %(max_length)s символов"),
    "too_long": gettext_lazy("Не больше %(max_length)s элементов"),
    "greater_than_equal": gettext_lazy("Не меньше %(ge)s"),
    "less_than_equal": gettext_lazy("Не больше %(le)s"),
    "int_from_float": gettext_lazy("Ожидается целое число"),
    "finite_number": gettext_lazy("Ожидается целое число"),
    "string_unicode": SURROGATE_MESSAGE,
    "text_surrogate": SURROGATE_MESSAGE,
    "text_nul": NUL_MESSAGE,
    "datetime_calendar_range": gettext_lazy(
        "Дата вне лет производственного календаря: %(min_year)s–%(max_year)s"
    ),
    "datetime_type": gettext_lazy("Ожидается дата и время в формате ISO 8601"),
    "model_attributes_type": gettext_lazy("Ожидается JSON-объект {…}"),
    "rating_range": gettext_lazy("Оценка — целое число от 1 до 5"),
    "dict_type": gettext_lazy("Ожидается JSON-объект {…}"),
}


def _message(error: dict[str, Any]) -> str:
    message = _PYDANTIC_MESSAGES.get(error.get("type", ""))
    if message is None:
        return _("Некорректное значение")
    try:
        return str(message) % dict(error.get("ctx") or {})
    except (KeyError, TypeError, ValueError):
        return _("Некорректное значение")


@api.exception_handler(NinjaValidationError)
def on_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors: dict[str, str] = {}
    for error in exc.errors:
        errors.setdefault(_field(error.get("loc", ())), _message(error))
    return api.create_response(request, {"errors": errors}, status=422)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, BodyError):
        message = str(exc.__cause__.message)
        return api.create_response(request, {"errors": {"body": message}}, status=422)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    megabytes = max(1, settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024))
    message = _("Тело запроса больше %(mb)s МБ") % {"mb": megabytes}
    return api.create_response(request, {"errors": {"body": message}}, status=413)


@api.exception_handler(TooManyFieldsSent)
@api.exception_handler(TooManyFilesSent)
def on_too_many(request: HttpRequest, exc: Exception) -> HttpResponse:
    message = _("Слишком много полей или файлов в одном запросе")
    return api.create_response(request, {"errors": {"body": message}}, status=413)


@api.exception_handler(MultiPartParserError)
def on_bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    message = _("Тело запроса — не корректный multipart/form-data")
    return api.create_response(request, {"errors": {"body": message}}, status=422)


@api.exception_handler(IntakeError)
def on_intake(request: HttpRequest, exc: IntakeError) -> HttpResponse:
    return api.create_response(request, {"errors": exc.errors}, status=422)


@api.exception_handler(AccessDenied)
def on_denied(request: HttpRequest, exc: AccessDenied) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message}, status=403)


@api.exception_handler(TransitionError)
def on_transition(request: HttpRequest, exc: TransitionError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message}, status=409)


@api.exception_handler(TicketError)
def on_ticket_error(request: HttpRequest, exc: TicketError) -> HttpResponse:
    return api.create_response(
        request, {"errors": {"body": exc.message}, "detail": exc.message}, status=422
    )


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"detail": _("Нужна авторизация: заголовок Authorization: Bearer <токен>")},
        status=401,
    )


@api.exception_handler(TokenRejected)
def on_token_rejected(request: HttpRequest, exc: TokenRejected) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message}, status=401)


@api.exception_handler(TokenThrottled)
def on_token_throttled(request: HttpRequest, exc: TokenThrottled) -> HttpResponse:
    minutes = max(1, (exc.wait + 59) // 60)
    response = api.create_response(
        request,
        {
            "detail": _(
                "Слишком много попыток с неверным токеном с вашего адреса. "
                "Повторите через %(minutes)s мин."
            )
            % {"minutes": minutes}
        },
        status=429,
    )
    response["Retry-After"] = str(exc.wait)
    return response


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": _("Не найдено")}, status=404)
