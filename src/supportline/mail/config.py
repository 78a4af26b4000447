"""Settings of the e-mail channel, read from the environment when they are needed.

Polling is off unless USE_MAIL_POLLING is set; when it is on, a missing setting is an error
that names the variable (STYLE §3) — raised by `mailboxes()` and reported at start-up by the
system check in `supportline.mail.apps`.

    USE_MAIL_POLLING          poll the mailboxes (the worker's `mail.poll` job every minute)
    MAIL_IMAP_HOST            IMAP server of both mailboxes
    MAIL_IMAP_PORT            default 993 with MAIL_IMAP_SSL, else 143
    MAIL_IMAP_SSL             IMAP over TLS (default on)
    MAIL_IMAP_STARTTLS        upgrade a plain connection with STARTTLS (default off)
    MAIL_IMAP_USER            the line's mailbox (R6)
    MAIL_IMAP_PASSWORD        or MAIL_IMAP_PASSWORD_FILE
    MAIL_IMAP_FOLDER          default INBOX
    MAIL_QUALITY_IMAP_USER    the quality mailbox (R20); unset = not polled
    MAIL_QUALITY_IMAP_PASSWORD / _FILE, MAIL_QUALITY_IMAP_FOLDER (default INBOX)
    MAIL_BOUNCE_ADDRESS       envelope sender of outgoing mail (default: the From address,
                              DEFAULT_FROM_EMAIL or the regulation's support_email)
    MAIL_MESSAGE_ID_DOMAIN    right-hand side of our Message-IDs (default: DEFAULT_FROM_EMAIL's)
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from supportline.lib.env import envbool, envint, envsecret

LINE = "line"
QUALITY = "quality"


@dataclass(frozen=True)
class Mailbox:
    """One IMAP mailbox to poll; `name` says what its mail becomes (LINE or QUALITY)."""

    name: str
    host: str
    port: int
    ssl: bool
    starttls: bool
    user: str
    password: str
    folder: str


def polling_enabled() -> bool:
    return envbool("USE_MAIL_POLLING", default=False)


def problems() -> list[str]:
    """What is wrong with the polling settings (Russian, naming the variables); [] when fine."""
    found: list[str] = []
    try:
        mailboxes()
    except ImproperlyConfigured as exc:
        found.append(str(exc))
    return found


def mailboxes() -> list[Mailbox]:
    """The mailboxes to poll: the line's, and the quality one when MAIL_QUALITY_IMAP_USER is set."""
    missing = [name for name in ("MAIL_IMAP_HOST", "MAIL_IMAP_USER") if not _env(name)]
    if not envsecret("MAIL_IMAP_PASSWORD", default=""):
        missing.append("MAIL_IMAP_PASSWORD (или MAIL_IMAP_PASSWORD_FILE)")
    quality_user = _env("MAIL_QUALITY_IMAP_USER")
    quality_password = envsecret("MAIL_QUALITY_IMAP_PASSWORD", default="")
    if quality_user and not quality_password:
        missing.append("MAIL_QUALITY_IMAP_PASSWORD (или MAIL_QUALITY_IMAP_PASSWORD_FILE)")
    if missing:
        raise ImproperlyConfigured(
            "USE_MAIL_POLLING включён, но не заданы настройки почтового ящика: "
            + ", ".join(missing)
        )
    ssl = envbool("MAIL_IMAP_SSL", default=True)
    starttls = envbool("MAIL_IMAP_STARTTLS", default=False)
    if ssl and starttls:
        raise ImproperlyConfigured(
            "MAIL_IMAP_SSL и MAIL_IMAP_STARTTLS включены одновременно: выберите одно"
        )
    host = _env("MAIL_IMAP_HOST")
    port = envint("MAIL_IMAP_PORT", default=993 if ssl else 143)

    def box(name: str, user: str, password: str, folder: str) -> Mailbox:
        return Mailbox(name, host, port, ssl, starttls, user, password, folder or "INBOX")

    boxes = [
        box(
            LINE,
            _env("MAIL_IMAP_USER"),
            envsecret("MAIL_IMAP_PASSWORD", default=""),
            _env("MAIL_IMAP_FOLDER"),
        )
    ]
    if quality_user:
        boxes.append(box(QUALITY, quality_user, quality_password, _env("MAIL_QUALITY_IMAP_FOLDER")))
    return boxes


def from_address() -> str:
    """The From of our mail: DEFAULT_FROM_EMAIL, or the regulation's support_email (R21)."""
    from supportline.core import rules

    return settings.DEFAULT_FROM_EMAIL or rules.regulation().contacts.support_email


def bounce_address() -> str:
    """The envelope sender (Return-Path) of our mail: bounces go here, not to the line."""
    return _env("MAIL_BOUNCE_ADDRESS") or from_address()


def message_id_domain() -> str:
    explicit = _env("MAIL_MESSAGE_ID_DOMAIN")
    if explicit:
        return explicit
    _, _, domain = from_address().rpartition("@")
    return domain.strip("> ") or "supportline.invalid"


def _env(name: str) -> str:
    return os.environ.get(name, "").strip()
