"""A failed attachment write (disk full, read-only) leaves no file and no half-written row and
answers 507 with a clear message in the request's language (issue 12 §7); a client's media type
that does not fit its column is not a 500."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile

from supportline.tickets.attachment_storage import safe_content_type, storage_problem
from supportline.tickets.models import Attachment, Message, Ticket
from tests.tickets.conftest import Line
from tests.tickets.full_disk import FullDiskStorage

FULL = "tests.tickets.full_disk.FullDiskStorage"
READ_ONLY = "tests.tickets.full_disk.ReadOnlyStorage"


@pytest.fixture
def storage(settings: Any) -> Iterator[Any]:
    """Sets the attachment storage by its class path, as settings.STORAGES does."""

    def use(backend: str, room: int = 0) -> None:
        FullDiskStorage.room = room
        settings.STORAGES = {
            **django_settings.STORAGES,
            "default": {"BACKEND": backend, "OPTIONS": {"location": str(settings.MEDIA_ROOT)}},
        }

    yield use
    FullDiskStorage.room = 0


def _files_of(ticket: Ticket) -> list[Path]:
    folder = Path(django_settings.MEDIA_ROOT) / "attachments" / str(ticket.pk)
    return sorted(folder.iterdir()) if folder.exists() else []


def _upload(who: Any, number: str, *files: SimpleUploadedFile, **headers: Any) -> Any:
    return who.client.post(
        f"/api/v1/tickets/{number}/attachments",
        {"files": list(files), "text": "Журнал ошибок"},
        HTTP_AUTHORIZATION=f"Bearer {who.token}",
        **headers,
    )


def _file(name: str = "журнал.log", size: int = 4000) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"x" * size, "text/plain")


@pytest.mark.parametrize(
    "backend,room,files",
    [
        (FULL, 0, 1),  # the disk fills up in the middle of the only file
        (FULL, 1, 2),  # the first file fits, the second fills the disk
        (FULL, 2, 3),
        (READ_ONLY, 0, 2),
    ],
)
def test_a_failed_write_answers_507_and_leaves_no_file_and_no_row(
    line: Line, storage: Any, backend: str, room: int, files: int
) -> None:
    number = line.ticket()["number"]
    ticket = Ticket.objects.get(number=number)
    messages_before = Message.objects.filter(ticket=ticket).count()
    status_before = ticket.status
    files_before = _files_of(ticket)  # the suite's media folder is shared between tests
    storage(backend, room)

    response = _upload(line.client, number, *(_file(f"f{i}.log") for i in range(files)))

    assert response.status_code == 507
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "errors": {
            "files": "Файл не сохранён: хранилище вложений переполнено или недоступно для "
            "записи. Ничего не отправлено — попробуйте позже или сообщите администратору линии."
        }
    }
    assert _files_of(ticket) == files_before
    assert Attachment.objects.count() == 0
    assert Message.objects.filter(ticket=ticket).count() == messages_before
    ticket.refresh_from_db()
    assert ticket.status == status_before


def test_files_stored_before_are_kept_when_a_later_upload_fails(line: Line, storage: Any) -> None:
    number = line.ticket()["number"]
    ticket = Ticket.objects.get(number=number)
    before = _files_of(ticket)  # the suite's media folder is shared between tests
    assert _upload(line.client, number, _file("первый.log")).status_code == 200
    kept = _files_of(ticket)
    assert len(kept) == len(before) + 1
    storage(FULL, 0)
    assert _upload(line.client, number, _file("второй.log")).status_code == 507
    assert _files_of(ticket) == kept
    assert Attachment.objects.get().file.read() == b"x" * 4000


def test_the_507_message_follows_the_request_language(line: Line, storage: Any) -> None:
    number = line.ticket()["number"]
    storage(READ_ONLY)
    response = _upload(line.client, number, _file(), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 507
    assert response.json()["errors"]["files"].startswith("The file was not saved")


def test_storage_problem_reports_a_storage_that_cannot_write(db: None, storage: Any) -> None:
    assert storage_problem() is None
    assert list((Path(django_settings.MEDIA_ROOT) / "attachments").glob(".probe-*")) == []
    storage(READ_ONLY)
    assert storage_problem() == "Read-only file system"
    storage(FULL)
    assert storage_problem() == "No space left on device"


def test_a_media_type_that_does_not_fit_its_column_is_stored_as_octet_stream(line: Line) -> None:
    number = line.ticket()["number"]
    odd = SimpleUploadedFile("a.txt", b"x", "text/" + "x" * 200)
    response = _upload(line.client, number, odd)
    assert response.status_code == 200, response.content
    assert Attachment.objects.get().content_type == "application/octet-stream"
    assert safe_content_type("Image/PNG; charset=binary") == "image/png"
    assert safe_content_type("<script>") == "application/octet-stream"
    assert safe_content_type("") == ""
