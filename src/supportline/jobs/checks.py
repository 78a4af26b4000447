"""System checks of the background-work settings (run by every command, the worker's too)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


def network_timeouts() -> dict[str, float]:
    """Every network timeout a job handler can wait for, seconds, by the setting that sets it
    (IMAP's fixed one only where mailboxes are polled)."""
    from supportline.connect.config import connect_timeout
    from supportline.mail import config, imap

    timeouts = {
        "EMAIL_TIMEOUT": float(settings.EMAIL_TIMEOUT or 0),
        "CONNECT_TIMEOUT": float(connect_timeout()),
    }
    if config.polling_enabled():
        timeouts["IMAP (mail.imap.TIMEOUT)"] = float(imap.TIMEOUT)
    return timeouts


@register()
def timeouts_within_the_lease(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """A network call that may outlast the lease lets a second worker run the same job."""
    lease = settings.JOB_LEASE_SECONDS
    errors = []
    if lease <= 0:
        errors.append(Error(f"JOB_LEASE_SECONDS={lease} must be positive", id="jobs.E002"))
    if settings.WORKER_DB_RETRY_MAX_SECONDS <= 0:
        errors.append(
            Error(
                f"WORKER_DB_RETRY_MAX_SECONDS={settings.WORKER_DB_RETRY_MAX_SECONDS} must be positive",
                id="jobs.E002",
            )
        )
    for name, seconds in network_timeouts().items():
        if not 0 < seconds < lease:
            errors.append(
                Error(
                    f"{name}={seconds:g} s must be positive and shorter than JOB_LEASE_SECONDS={lease}",
                    hint="a hung server would outlive the lease and another worker would run "
                    "the job again; lower the timeout or raise JOB_LEASE_SECONDS",
                    id="jobs.E001",
                )
            )
    return errors
