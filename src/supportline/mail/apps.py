from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    """E-mail in (IMAP polling of the line's and the quality mailboxes) and out (SMTP)."""

    name = "supportline.mail"
    verbose_name = _("Электронная почта")
