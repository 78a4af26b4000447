"""Sign-in with a limit on failed attempts (per user name and address)."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


class ThrottledAuthenticationForm(AuthenticationForm):
    """After MAX_FAILURES wrong passwords for one user name from one address, sign-in is refused
    for WINDOW_SECONDS, even with the right password (guessing stops paying off). The cache is
    per process by default; set a shared cache for many web processes."""

    def _key(self) -> str:
        username = (self.data.get("username") or "").strip().lower()
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        return f"login-failures:{address}:{username}"

    def clean(self) -> dict[str, Any]:
        key = self._key()
        if cache.get(key, 0) >= MAX_FAILURES:
            raise ValidationError(
                _("Слишком много неудачных попыток входа. Попробуйте через 15 минут."),
                code="throttled",
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            cache.set(key, cache.get(key, 0) + 1, WINDOW_SECONDS)
            raise
        cache.delete(key)
        return cleaned


class ThrottledAdminAuthenticationForm(ThrottledAuthenticationForm, AdminAuthenticationForm):
    """The same limit on the admin's sign-in page."""
