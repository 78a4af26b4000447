"""Issue 14 §1: the portal's new-ticket form takes files — on the request itself, through the
one attachment action; a file over the limit or a storage that cannot write keeps nothing."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from supportline.tickets.models import Attachment, Message, Ticket
from tests.portal.conftest import VALID, Portal


def _post(portal: Portal, *files: SimpleUploadedFile) -> Any:
    return portal.client.browser.post("/portal/new/", {**VALID, "uploads": list(files)})


def test_files_sent_with_a_new_ticket_are_on_its_request(portal: Portal) -> None:
    page = portal.client.browser.get("/portal/new/").content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="uploads"' in page
    response = _post(
        portal,
        SimpleUploadedFile("ошибка.png", b"\x89PNG....", "image/png"),
        SimpleUploadedFile("журнал.txt", b"log", "text/plain"),
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    request = Message.objects.get(ticket=ticket, purpose=Message.Purpose.REQUEST)
    assert sorted(a.name for a in request.attachments.all()) == ["журнал.txt", "ошибка.png"]
    # The client opens its own file from the ticket page.
    item = Attachment.objects.get(name="ошибка.png")
    page = portal.client.browser.get(f"/portal/tickets/{ticket.number}/").content.decode()
    assert f"/portal/tickets/{ticket.number}/files/{item.pk}/" in page


def test_a_file_over_the_limit_registers_nothing(portal: Portal, settings: Any) -> None:
    settings.MAX_ATTACHMENT_BYTES = 10
    response = _post(portal, SimpleUploadedFile("big.log", b"x" * 11, "text/plain"))
    assert response.status_code == 200
    assert "больше допустимого размера" in response.content.decode()
    assert not Ticket.objects.exists() and not Attachment.objects.exists()


def test_a_storage_failure_registers_nothing(portal: Portal, monkeypatch: Any) -> None:
    from django.core.files.storage import FileSystemStorage

    def full(*args: Any, **kwargs: Any) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", full)
    response = _post(portal, SimpleUploadedFile("a.png", b"\x89PNG", "image/png"))
    assert response.status_code == 200
    assert "хранилище вложений" in response.content.decode()
    assert not Ticket.objects.exists()
