"""What every desk view shares: who may enter, and how a service's refusal is shown."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from supportline.accounts.models import User
from supportline.tickets import access
from supportline.tickets.errors import AccessDenied, IntakeError, TicketError, TransitionError

View = Callable[..., HttpResponse]


def user_of(request: HttpRequest) -> User:
    return cast(User, request.user)


def _guard(allowed: Callable[[User], bool]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            # A client (or anyone not on the line's staff) gets 403 on every desk URL.
            if not allowed(user_of(request)):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator


staff_required = _guard(access.is_staff_member)
supervisor_required = _guard(access.is_supervisor)
# The line itself (consultants, supervisors, administrators): registering calls, the queue.
line_required = _guard(access.is_line)


def show_error(form: forms.Form, error: TicketError) -> int:
    """Put a service's Russian message on the form; the HTTP status says what kind it was."""
    if isinstance(error, IntakeError):
        form.add_error(None, error.message)
        for name, message in error.errors.items():
            form.add_error(name if name in form.fields else None, message)
        return 400
    form.add_error(None, error.message)
    if isinstance(error, AccessDenied):
        return 403
    if isinstance(error, TransitionError):
        return 409
    return 400
