from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    """E-mail in (IMAP polling of the line's and the quality mailboxes) and out (SMTP)."""

    name = "supportline.mail"
    verbose_name = _("Электронная почта")

    def ready(self) -> None:
        checks.register(check_mail_settings)
        checks.register(check_mail_channel)


def check_mail_channel(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """R6, R21: polling the line's mailbox needs the e-mail channel in the regulation."""
    from supportline.core.checks import channel_errors
    from supportline.mail import config

    try:
        if not config.polling_enabled():
            return []
    except ImproperlyConfigured:
        return []  # mail.E001 reports it
    return channel_errors("email", "USE_MAIL_POLLING", "mail.E002")


def check_mail_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """With USE_MAIL_POLLING on, missing mailbox settings stop every command at start-up."""
    from supportline.mail import config

    try:
        if not config.polling_enabled():
            return []
        problems = config.problems()
    except ImproperlyConfigured as exc:
        problems = [str(exc)]
    return [checks.Error(problem, id="mail.E001") for problem in problems]
