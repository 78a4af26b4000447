"""Sign-in and password reset with limits on attempts (issue 12 §5).

Sign-in: five wrong passwords for one user name from one client address lock that pair for
15 minutes, even with the right password (guessing stops paying off). The user name is
compared as Django compares it — NFKC (`AbstractBaseUser.normalize_username`) — and without
case, so «ｃlient2» and «CLIENT2» count against «client2». The address is the client's, also
behind our reverse proxy (`supportline.core.client_address`, TRUSTED_PROXIES).

Password reset: a limit per client address and per e-mail address asked for; the mail itself
leaves through the outbox (a job, `accounts.tasks`), never from the request.

The counters are in Django's default cache (`supportline.core.throttle`).
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from supportline.core.client_address import client_address
from supportline.core.throttle import Limit
from supportline.jobs.core import enqueue

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60
SIGN_IN = Limit("sign-in", attempts=MAX_FAILURES, window=WINDOW_SECONDS)
# Password reset: requests from one address, and mails to one address.
RESET_FROM_ADDRESS = Limit("reset-address", attempts=5, window=60 * 60)
RESET_TO_EMAIL = Limit("reset-email", attempts=3, window=60 * 60)
RESET_JOB = "accounts.password_reset_mail"


def username_key(raw: str) -> str:
    """The user name as the limit counts it: NFKC like Django, stripped, case-folded."""
    return str(AbstractBaseUser.normalize_username(raw.strip())).casefold()


class ThrottledAuthenticationForm(AuthenticationForm):
    """After MAX_FAILURES wrong passwords for one user name from one address, sign-in is refused
    for WINDOW_SECONDS."""

    def _parts(self) -> tuple[str, str]:
        address = client_address(self.request) if self.request is not None else ""
        return address, username_key(str(self.data.get("username") or ""))

    def clean(self) -> dict[str, Any]:
        parts = self._parts()
        if SIGN_IN.blocked(*parts) is not None:
            raise ValidationError(
                _("Слишком много неудачных попыток входа. Попробуйте через 15 минут."),
                code="throttled",
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            SIGN_IN.hit(*parts)
            raise
        SIGN_IN.clear(*parts)
        return cleaned


class ThrottledAdminAuthenticationForm(ThrottledAuthenticationForm, AdminAuthenticationForm):
    """The same limit on the admin's sign-in page."""


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, limited per client address and per e-mail address, whose mail is
    a job in the outbox. The job carries the user and the link's host, not the link: the token
    is made when the mail is sent (it is a password, it does not belong in the jobs table)."""

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_email(self) -> str:
        email = str(self.cleaned_data["email"])
        address = client_address(self.request) if self.request is not None else ""
        target = email.strip().casefold()
        if (
            RESET_FROM_ADDRESS.blocked(address) is not None
            or RESET_TO_EMAIL.blocked(target) is not None
        ):
            raise ValidationError(
                _("Слишком много запросов на восстановление пароля. Попробуйте через час."),
                code="throttled",
            )
        RESET_FROM_ADDRESS.hit(address)
        RESET_TO_EMAIL.hit(target)
        return email

    def save(
        self,
        domain_override: str | None = None,
        subject_template_name: str = "registration/password_reset_subject.txt",
        email_template_name: str = "registration/password_reset_email.html",
        use_https: bool = False,
        token_generator: Any = None,
        from_email: str | None = None,
        request: HttpRequest | None = None,
        html_email_template_name: str | None = None,
        extra_email_context: dict[str, Any] | None = None,
    ) -> None:
        email = self.cleaned_data["email"]
        request = request or self.request
        domain = domain_override or (request.get_host() if request is not None else "")
        with transaction.atomic():
            for user in self.get_users(email):
                enqueue(
                    RESET_JOB,
                    {
                        "user": user.pk,
                        "domain": domain,
                        "protocol": "https" if use_https else "http",
                        "language": translation.get_language() or "ru",
                    },
                )
