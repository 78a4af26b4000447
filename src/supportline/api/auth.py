"""Bearer tokens of the REST API (issue 12 §5).

`Authorization: Bearer <token>`; `supportline token USERNAME [--days N]` issues one. A token
that is unknown answers 401 and counts as a failure of the client's address; after
TOKEN_FAILURES.attempts failures in the window every Bearer attempt from that address answers
429 with Retry-After until the window ends (guessing stops paying off). An expired or revoked
token answers 401 saying so (and is not counted: it is not a guess).
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from supportline.accounts.models import User
from supportline.api.models import ApiToken, hash_token
from supportline.core.client_address import client_address
from supportline.core.formatting import msk
from supportline.core.throttle import Limit
from supportline.lib.statements import Select

# How fresh `last_used_at` is kept (issue 15): the token row is written at most this often.
LAST_USED_STEP = dt.timedelta(minutes=1)
TOKEN_FAILURES = Limit("api-token", attempts=20, window=15 * 60)
# The hash is unique: no ORDER BY; compiled once (every API request runs it, issue 15).
TOKEN: Select[ApiToken] = Select(
    lambda key: ApiToken.objects.select_related("user").filter(key_hash=key).order_by()[:1],
    key=str,
)


class TokenRejected(Exception):
    """A token we know but may not accept (expired, revoked): 401 with the reason."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TokenThrottled(Exception):
    """Too many unknown tokens from this address: 429, retry after `wait` seconds."""

    def __init__(self, wait: int) -> None:
        super().__init__(wait)
        self.wait = wait


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        address = client_address(request)
        wait = TOKEN_FAILURES.blocked(address)
        if wait is not None:
            raise TokenThrottled(wait)
        found = TOKEN.first(key=hash_token(token))
        if found is None:
            TOKEN_FAILURES.hit(address)
            return None
        now = timezone.now()
        if found.revoked_at is not None:
            raise TokenRejected(
                _("Токен отозван %(when)s. Выпустите новый: supportline token ИМЯ")
                % {"when": msk(found.revoked_at)}
            )
        if found.is_expired(now):
            raise TokenRejected(
                _("Срок действия токена истёк %(when)s. Выпустите новый: supportline token ИМЯ")
                % {"when": msk(found.expires_at)}
            )
        if not found.user.is_active:
            return None
        if found.last_used_at is None or now - found.last_used_at >= LAST_USED_STEP:
            # At most once a minute: a write per request would double the cost of a read.
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        request.user = found.user
        return found.user
