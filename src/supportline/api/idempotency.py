"""Idempotent intake: `Idempotency-Key` on the POSTs that create something (issue 12 §6).

A client that lost the answer to `POST /api/v1/tickets` (or complaints, update access) retries
with the same `Idempotency-Key` header and gets the first answer back — the same status and
the same ticket — and nothing is created twice.

    @router.post("/tickets", response={201: …, 422: …})
    @idempotent
    def create_ticket(request, payload): …

How it holds:
- the key (1–200 printable ASCII characters; anything else → 422 naming the header) is
  stored per user with a hash of the request (method, path, JSON body) and the answer, in
  the SAME transaction as what the view wrote: the view's call and the key's row are one
  `transaction.atomic` here, around the service (which is atomic itself), so a key exists
  exactly when its ticket does;
- (user, key) is unique: of two concurrent retries, the second one's insert fails when the
  first commits; its transaction (its ticket too) is rolled back and it answers what the first
  stored;
- the same key with another request (another body or endpoint) → 422 saying the key was used
  for another request; keys are per user (another user's key is another key);
- only successful answers (2xx) are stored: a refused request created nothing and may be sent
  again, corrected, under the same key.
Old keys are pruned after a week by `supportline prune` (KEEP_DAYS).
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import re
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Header, Status
from ninja.responses import NinjaJSONEncoder
from ninja.utils import contribute_operation_args

from supportline.api.models import IdempotencyKey

HEADER = "Idempotency-Key"
ARGUMENT = "idempotency_key"
MAX_LENGTH = 200
KEEP_DAYS = 7
_VALID = re.compile(rf"[\x20-\x7e]{{1,{MAX_LENGTH}}}")

_SOURCE = Header(  # type: ignore[type-arg]
    None,
    alias=HEADER,
    description=(
        "Ключ идемпотентности (1–200 печатных символов ASCII): повтор запроса с тем же ключом "
        "возвращает первый ответ и ничего не создаёт заново. Хранится 7 дней."
    ),
)
# Documented bounds only: the value is checked by `key_error`, so the answer names the header
# in the README's error shape instead of pydantic's.
_SOURCE.json_schema_extra = {"minLength": 1, "maxLength": MAX_LENGTH, "pattern": "^[ -~]+$"}


def key_error(value: str) -> str | None:
    """Why `value` is not a usable key (in the request's language), or None."""
    if not _VALID.fullmatch(value) or not value.strip():
        return _(
            "Заголовок %(header)s: от 1 до %(n)s печатных символов ASCII (латиница, цифры, "
            "знаки препинания)"
        ) % {"header": HEADER, "n": MAX_LENGTH}
    return None


def request_hash(request: HttpRequest) -> str:
    """What makes two requests "the same": method, path and the body (JSON compared by value,
    so the order of the keys or the spacing does not matter)."""
    body: bytes = request.body
    try:
        canonical = json.dumps(
            json.loads(body), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        ).encode("utf-8", "surrogatepass")
    except ValueError:
        canonical = body
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(canonical)
    return digest.hexdigest()


def _errors(message: str) -> Status[Any]:
    return Status(422, {"errors": {HEADER: message}})


def _replay(stored: IdempotencyKey, digest: str) -> Status[Any]:
    if stored.request_hash != digest:
        return _errors(
            _(
                "Ключ %(header)s уже использован для другого запроса; для нового запроса "
                "возьмите новый ключ"
            )
            % {"header": HEADER}
        )
    return Status(stored.response_status, json.loads(stored.response_body))


def _stored(user: Any, key: str) -> IdempotencyKey | None:
    """The stored answer of (user, key), unique together: no ORDER BY to compile."""
    return next(iter(IdempotencyKey.objects.filter(user=user, key=key).order_by()[:1]), None)


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """Make a POST view idempotent under `Idempotency-Key` (see the module docstring). The
    view answers with `Status(...)` or a JSON `HttpResponse`, and declares 422
    (`{"errors": …}`) among its answers."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        key = kwargs.pop(ARGUMENT, None)
        if key is None:
            return view(request, *args, **kwargs)
        problem = key_error(key)
        if problem:
            return _errors(problem)
        user = request.auth  # type: ignore[attr-defined]
        digest = request_hash(request)
        stored = _stored(user, key)
        if stored is not None:
            return _replay(stored, digest)
        try:
            with transaction.atomic():
                result = view(request, *args, **kwargs)
                if isinstance(result, HttpResponse):  # written in its JSON form already
                    answer = result.status_code, result.content.decode()
                elif isinstance(result, Status):
                    answer = result.status_code, json.dumps(result.value, cls=NinjaJSONEncoder)
                else:
                    answer = None
                if answer is not None and 200 <= answer[0] < 300:
                    IdempotencyKey.objects.create(
                        user=user,
                        key=key,
                        request_hash=digest,
                        response_status=answer[0],
                        response_body=answer[1],
                        created_at=timezone.now(),
                    )
                return result
        except IntegrityError:
            # A concurrent retry with the same key committed first: our writes are undone.
            stored = _stored(user, key)
            if stored is None:
                raise
            return _replay(stored, digest)

    # The view's annotations, resolved in its own module (ninja would look in this one).
    wrapper.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
    contribute_operation_args(wrapper, ARGUMENT, str, _SOURCE)
    return wrapper
