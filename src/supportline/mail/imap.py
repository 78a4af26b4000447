"""The IMAP poller: a thin adapter that moves bytes from a mailbox into `InboundMail`.

For each unseen message: fetch it without setting \\Seen (BODY.PEEK), store it (its own
transaction, which also enqueues the processing job), and only after that commit set \\Seen.
A crash between the two leaves the message unseen; the next poll fetches it again and the
store recognises it by UID or Message-ID. Nothing is deleted from the server.
"""

from __future__ import annotations

import base64
import datetime as dt
import imaplib
import logging
import re
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from supportline.jobs.core import renew_lease
from supportline.mail import config
from supportline.mail.services import inbound_mail_store

log = logging.getLogger(__name__)

TIMEOUT = 30  # seconds per network operation
BATCH = 100  # messages per mailbox and poll; the rest waits for the next poll
_INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]+)"')


class MailboxError(Exception):
    """A mailbox could not be polled (network, login, folder); the message names it."""


@dataclass(frozen=True)
class PollResult:
    mailbox: str
    unseen: int
    stored: list[int]  # InboundMail ids
    duplicates: int


def poll_all(*, limit: int = BATCH) -> list[PollResult]:
    """Poll every configured mailbox; one failing does not stop the others, but is raised."""
    results, errors = [], []
    for box in config.mailboxes():
        renew_lease()  # a poll job keeps its lease mailbox by mailbox (TIMEOUT is shorter)
        try:
            results.append(poll(box, limit=limit))
        except (OSError, imaplib.IMAP4.error, MailboxError) as exc:
            log.error("mailbox %s (%s@%s): %s", box.name, box.user, box.host, exc)
            errors.append(f"ящик {box.name} ({box.user}@{box.host}): {exc}")
    if errors:
        raise MailboxError("; ".join(errors))
    return results


def poll(box: config.Mailbox, *, limit: int = BATCH) -> PollResult:
    stored: list[int] = []
    duplicates = 0
    with connect(box) as conn:
        status, data = conn.select(_quote(box.folder))
        if status != "OK":
            raise MailboxError(f"папка {box.folder!r} недоступна: {_text(data)}")
        _, validity = conn.response("UIDVALIDITY")
        uidvalidity = int(validity[0]) if validity and validity[0] else None
        status, data = conn.uid("SEARCH", None, "UNSEEN")  # type: ignore[arg-type]
        if status != "OK":
            raise MailboxError(f"поиск новых писем не удался: {_text(data)}")
        uids = [int(u) for u in (data[0] or b"").split()]
        for uid in uids[:limit]:
            raw, arrived = _fetch(conn, uid)
            if raw is None:
                continue  # expunged meanwhile
            mail = inbound_mail_store(
                mailbox=box.name, raw=raw, uidvalidity=uidvalidity, uid=uid, received_at=arrived
            )
            if mail is None:
                duplicates += 1
            else:
                stored.append(mail.pk)
            # Only now, after the commit, may the server consider it read.
            conn.uid("STORE", str(uid), "+FLAGS.SILENT", r"(\Seen)")
    log.info(
        "mailbox %s: %s unseen, %s stored, %s already known",
        box.name,
        len(uids),
        len(stored),
        duplicates,
    )
    return PollResult(box.name, len(uids), stored, duplicates)


@contextmanager
def connect(box: config.Mailbox) -> Iterator[imaplib.IMAP4]:
    conn: imaplib.IMAP4
    if box.ssl:
        conn = imaplib.IMAP4_SSL(
            box.host, box.port, ssl_context=ssl.create_default_context(), timeout=TIMEOUT
        )
    else:
        conn = imaplib.IMAP4(box.host, box.port, timeout=TIMEOUT)
        if box.starttls:
            conn.starttls(ssl.create_default_context())
    try:
        conn.login(box.user, box.password)
        yield conn
    finally:
        with suppress(OSError, imaplib.IMAP4.error):
            conn.logout()


def _fetch(conn: imaplib.IMAP4, uid: int) -> tuple[bytes | None, dt.datetime | None]:
    status, data = conn.uid("FETCH", str(uid), "(INTERNALDATE BODY.PEEK[])")
    if status != "OK":
        raise MailboxError(f"письмо UID {uid} не получено: {_text(data)}")
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            head, raw = item
            return bytes(raw), _internaldate(bytes(head))
    return None, None


def _internaldate(head: bytes) -> dt.datetime | None:
    """When the server received the message: the registration instant of a new ticket."""
    m = _INTERNALDATE.search(head)
    if not m:
        return None
    try:
        return dt.datetime.strptime(m.group(1).decode().strip(), "%d-%b-%Y %H:%M:%S %z")
    except ValueError:
        return None


def _quote(folder: str) -> str:
    """A folder name as IMAP wants it: modified UTF-7 (RFC 3501 §5.1.3), quoted."""
    escaped = _utf7(folder).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _utf7(name: str) -> str:
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            packed = base64.b64encode("".join(pending).encode("utf-16-be")).decode()
            out.append("&" + packed.rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    return "".join(out)


def _text(data: object) -> str:
    if isinstance(data, list) and data and isinstance(data[0], bytes):
        return data[0].decode(errors="replace")
    return str(data)
