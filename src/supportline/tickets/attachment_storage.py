"""When the attachment storage cannot write (disk full, read-only, gone), nothing half-done stays.

`ticket_attach` writes each file to the storage and then its row, inside one transaction. A
storage that fails raises OSError: the transaction rolls back the message and the rows, and
`files_cleaned_up_on_failure` deletes what the storage had already written for the ticket in
that call — earlier files of the same upload and the partial file of the one that failed — so
no file is left that no row names. The edges answer 507 (API) or a form error (portal) with
`STORAGE_FAILED`; `storage_problem()` is the check for a readiness probe. `safe_content_type`
keeps a client's declared media type only when it is one that fits its column.
"""

from __future__ import annotations

import contextlib
import logging
import re
import uuid
from collections.abc import Iterator

from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.db import models
from django.utils.translation import gettext_lazy

from supportline.lib.text import column_length
from supportline.tickets.models import Attachment, Ticket

log = logging.getLogger(__name__)

STORAGE_FAILED = gettext_lazy(
    "Файл не сохранён: хранилище вложений переполнено или недоступно для записи. "
    "Ничего не отправлено — попробуйте позже или сообщите администратору линии."
)


# type/subtype with RFC 6838's characters; parameters (charset=…) are not kept.
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*")


def safe_content_type(value: str | None) -> str:
    """The media type a client declared for a file when it is one and fits its column
    (a longer one was a 500 on PostgreSQL); anything else is application/octet-stream."""
    value = (value or "").split(";", 1)[0].strip()
    if len(value) <= column_length(Attachment, "content_type") and _MEDIA_TYPE.fullmatch(value):
        return value.lower()
    return "application/octet-stream" if value else ""


def attachment_storage() -> Storage:
    field = Attachment._meta.get_field("file")
    assert isinstance(field, models.FileField)
    return field.storage


def _folder(ticket: Ticket) -> str:
    """Where `tickets.models.attachment_path` puts a ticket's files."""
    return f"attachments/{ticket.pk}"


def _files(storage: Storage, folder: str) -> set[str]:
    try:
        _dirs, files = storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError):
        return set()
    return {f"{folder}/{name}" for name in files}


@contextlib.contextmanager
def files_cleaned_up_on_failure(ticket: Ticket) -> Iterator[None]:
    """Delete the files the block wrote into the ticket's folder if the block raises.

    A file another request stored meanwhile is kept when a committed row names it; the window
    left (a concurrent upload to the same ticket not yet committed) closes only when the
    attach action itself deletes the names it saved (see the module docstring)."""
    storage = attachment_storage()
    folder = _folder(ticket)
    before = _files(storage, folder)
    try:
        yield
    except BaseException:
        written = _files(storage, folder) - before
        named = set(Attachment.objects.filter(file__in=written).values_list("file", flat=True))
        for name in sorted(written - named):
            try:
                storage.delete(name)
            except OSError:
                log.exception("attachment storage: could not delete the partial file %s", name)
        raise


def storage_problem() -> str | None:
    """Can the attachment storage write a file and delete it? None when it can, else why not."""
    storage = attachment_storage()
    name = f"attachments/.probe-{uuid.uuid4().hex}"
    try:
        saved = storage.save(name, ContentFile(b"probe"))
        storage.delete(saved)
    except OSError as exc:
        return exc.strerror or str(exc)
    return None
