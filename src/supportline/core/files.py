"""Answering a ticket's file (issue 14 §1): the one response every edge sends — the desk, the
portal and the API — after `access.visible_attachments` has let the user see it.

- Inline only for raster images and PDF (`PREVIEW_TYPES`), by the type stored with the file;
  never HTML, SVG, XML or scripts, whatever the sender declared.
- Anything else is a download (`Content-Disposition: attachment`) as
  `application/octet-stream`, so the browser never renders it.
- Always `X-Content-Type-Options: nosniff` (the browser keeps to the declared type) and a
  policy that lets the file run nothing (`default-src 'none'`, `sandbox` for images); the
  desk's ticket page may frame a PDF (`frame-ancestors 'self'`, `X-Frame-Options: SAMEORIGIN`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _

from supportline.tickets.actions.attachments import check_attachment_size
from supportline.tickets.attachment_storage import safe_content_type
from supportline.tickets.models import Attachment

# Files in one upload (the API's limit too); each is limited by MAX_ATTACHMENT_BYTES.
MAX_FILES = 10

IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
PREVIEW_TYPES = IMAGE_TYPES | {"application/pdf"}


def previewable(attachment: Attachment) -> str:
    """ "image", "pdf" or "" — how the ticket page may show the file inline."""
    kind = (attachment.content_type or "").lower()
    if kind in IMAGE_TYPES:
        return "image"
    if kind == "application/pdf":
        return "pdf"
    return ""


def file_response(attachment: Attachment, *, inline: bool = False) -> FileResponse:
    kind = (attachment.content_type or "").lower()
    shown = inline and kind in PREVIEW_TYPES
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not shown,
        filename=attachment.name,
        content_type=kind if kind in PREVIEW_TYPES else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    policy = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
    if kind in IMAGE_TYPES:
        policy += "; sandbox"
    response["Content-Security-Policy"] = policy
    response["X-Frame-Options"] = "SAMEORIGIN"
    return response


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (`<input type=file multiple>`): a list, maybe empty."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        items = data if isinstance(data, list | tuple) else [data] if data else []
        if len(items) > MAX_FILES:
            raise forms.ValidationError(
                _("Не больше %(n)s файлов за раз"), code="too_many", params={"n": MAX_FILES}
            )
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


def read_uploads(uploads: list[UploadedFile]) -> list[tuple[str, bytes, str]]:
    """(name, content, type) of uploaded files, each checked against the size limit before it
    is read into memory (`TicketError` with the Russian message)."""
    parts = []
    for upload in uploads:
        name = upload.name or "file"
        check_attachment_size(name, upload.size or 0)
        parts.append((name, upload.read(), safe_content_type(upload.content_type)))
    return parts
