"""One e-mail address, and nothing else (issue 12 §4).

The line writes to the addresses people give it (the API's and the desk's `contact_email`, the
sender of a letter): a value that smuggles in a list («a@x.ru, b@y.ru»), a display name
(«Иван <a@x.ru>»), a header («a@x.ru\\nBcc: …») or a quoted local part would turn the line
into a mail relay. Accepted: exactly one plain `local@domain` that Django's EmailValidator
accepts, with an ordinary (dot-atom) local part, a domain name (no IP literal, no bare
«localhost»), at most 254 characters.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _

MAX_LENGTH = 254
MESSAGE = _("Укажите один адрес электронной почты, например ivanov@example.ru")
# Characters that only appear in lists, display names, comments, quoted parts or headers.
_FORBIDDEN = re.compile(r"[\s,;<>()\[\]\"\\:]|[\x00-\x1f\x7f]")
_validator = EmailValidator(message=MESSAGE, code="email_address", allowlist=[])


def address_problem(value: str) -> str | None:
    """Why `value` is not one plain address (in the active language), or None."""
    if not value or len(value) > MAX_LENGTH or _FORBIDDEN.search(value):
        return str(MESSAGE)
    local, at, domain = value.rpartition("@")
    if not at or "@" in local or len(local) > 64 or not domain:
        return str(MESSAGE)
    try:
        _validator(value)
    except ValidationError:
        return str(MESSAGE)
    return None


def is_single_address(value: str) -> bool:
    return address_problem(value) is None


def validate_single_address(value: str) -> None:
    """A Django validator (forms, model fields)."""
    if address_problem(value) is not None:
        raise ValidationError(MESSAGE, code="email_address")


def clean_address(value: str) -> str:
    """The address with surrounding spaces removed and the domain in lower case; raises
    ValidationError when it is not one plain address."""
    value = (value or "").strip()
    validate_single_address(value)
    local, _at, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"
