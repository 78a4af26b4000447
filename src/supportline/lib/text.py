"""What any text typed into SupportLine must satisfy before it reaches the database.

One rule for the REST API (a pydantic validator in `api.schemas`) and the desk and portal forms
(`plain_text_validator`): no NUL character (PostgreSQL refuses it in a text column) and no lone
UTF-16 surrogate (it cannot be encoded as UTF-8, so it cannot be stored or sent). The length
limits come from the model columns (`column_length`), so a form or a schema cannot drift from
the column it fills.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy

# The longest free text (a ticket's body, a message, a complaint) accepted from a person: a text
# column has no limit of its own; this keeps one request from storing megabytes of text.
LONG_TEXT = 100_000
# The reason of an R2 refusal: it goes into the regulation's standard answer to the client.
REASON_LENGTH = 500

NUL_MESSAGE = gettext_lazy("Текст содержит недопустимый символ NUL (нулевой байт)")
SURROGATE_MESSAGE = gettext_lazy(
    "Текст содержит недопустимые символы (одиночные суррогаты UTF-16): он не в кодировке UTF-8"
)


def text_problem(value: str) -> str | None:
    """The problem that keeps `value` from being stored as text ("nul", "surrogate"), or None."""
    if "\x00" in value:
        return "nul"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "surrogate"
    return None


def plain_text_validator(value: object) -> None:
    """A Django validator (forms): refuses NUL and lone surrogates with a field error."""
    if not isinstance(value, str):
        return
    problem = text_problem(value)
    if problem == "nul":
        raise ValidationError(NUL_MESSAGE, code="null_characters_not_allowed")
    if problem == "surrogate":
        raise ValidationError(SURROGATE_MESSAGE, code="surrogate_characters_not_allowed")


def column_length(model: type[models.Model], name: str) -> int:
    """The max_length of a model's character column (a text column: LONG_TEXT)."""
    field = model._meta.get_field(name)
    if isinstance(field, models.TextField | models.JSONField):
        return LONG_TEXT
    assert isinstance(field, models.CharField), f"{model.__name__}.{name} is not a text column"
    assert field.max_length is not None
    return field.max_length
