"""Who a signed-in request is: Django's model backend with the user read compiled once.

Every signed-in page loads its user by primary key after its session; the ORM compiled that
SELECT on every request (issue 15). `LineBackend` is `ModelBackend` (the same password check,
the same `is_active` rule, the same permissions) reading the user with a statement compiled
once (`lib.statements`).

Settings list it first and Django's `ModelBackend` second, only so that the sessions signed in
before the change (which name Django's backend) stay valid until they expire: a password the
line's backend refuses is refused for good (`PermissionDenied`), never checked a second time by
the other. With two backends listed, Django wants the backend named where it cannot tell
(`login()` of a user that did not come from `authenticate`, `with_perm`, a password reset that
signs in): name `LineBackend` there, or drop Django's from the settings once no session older
than the change is left (SESSION_COOKIE_AGE after the upgrade).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from supportline.accounts.models import User
from supportline.lib.statements import Select

_USER: Select[User] = Select(lambda pk: User.objects.filter(pk=pk).order_by()[:1], pk=int)


class LineBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and password is not None:
            raise PermissionDenied  # Django's backend after this one would hash it again
        return user

    async def aauthenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        user = await super().aauthenticate(request, username=username, password=password, **kwargs)
        if user is None and password is not None:
            raise PermissionDenied  # as `authenticate`
        return user

    def get_user(self, user_id: Any) -> User | None:
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        user = _USER.first(pk=pk)
        return user if user is not None and self.user_can_authenticate(user) else None
