"""Errors of the ticket services, with Russian messages for the person who caused them."""

from __future__ import annotations


class TicketError(Exception):
    """A request the regulation does not allow; `message` is shown to the user as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IntakeError(TicketError):
    """R1: required data missing or invalid; `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("Обращение не зарегистрировано: проверьте поля формы")
        self.errors = errors


class TransitionError(TicketError):
    """An action that is not allowed in the ticket's current status."""


class AccessDenied(TicketError):
    """The user may see the ticket but not do this to it."""


class LinkExpired(TransitionError):
    """R13: a one-click rating link used after the evaluation period ended."""
