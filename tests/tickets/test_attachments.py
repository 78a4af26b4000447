"""Messages carry attachments within the size limit (issue 5 §3)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from supportline.tickets.models import Attachment
from tests.tickets.conftest import Line


def _upload(line: Line, who: object, number: str, *files: SimpleUploadedFile) -> object:
    return who.client.post(  # type: ignore[attr-defined]
        f"/api/v1/tickets/{number}/attachments",
        {"files": list(files), "text": "Снимок экрана"},
        HTTP_AUTHORIZATION=f"Bearer {who.token}",  # type: ignore[attr-defined]
    )


def test_r12_client_attachment_is_stored_and_answers_a_question(line: Line) -> None:
    number = line.ticket()["number"]
    line.consultant.post(f"/tickets/{number}/ask", {"text": "Пришлите снимок экрана"})
    response = _upload(
        line,
        line.client,
        number,
        SimpleUploadedFile("ошибка.png", b"\x89PNG" + b"0" * 100, "image/png"),
    )
    assert response.status_code == 200, response.content  # type: ignore[attr-defined]
    ticket = response.json()  # type: ignore[attr-defined]
    assert ticket["status"] == "in_progress"
    last = [m for m in ticket["messages"] if m["attachments"]][-1]
    stored = Attachment.objects.get()
    assert last["attachments"] == [
        {"id": stored.pk, "name": "ошибка.png", "size": 104, "content_type": "image/png"}
    ]
    assert stored.file.read().startswith(b"\x89PNG")


@override_settings(MAX_ATTACHMENT_BYTES=10)
def test_too_large_attachment_is_refused_with_a_russian_message(line: Line) -> None:
    number = line.ticket()["number"]
    response = _upload(
        line, line.client, number, SimpleUploadedFile("big.log", b"x" * 11, "text/plain")
    )
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "больше допустимого размера" in response.json()["detail"]  # type: ignore[attr-defined]
    assert Attachment.objects.count() == 0


def test_outsider_cannot_attach(line: Line) -> None:
    number = line.ticket()["number"]
    response = _upload(line, line.client_b, number, SimpleUploadedFile("a.txt", b"x", "text/plain"))
    assert response.status_code == 404  # type: ignore[attr-defined]


def test_file_names_are_made_plain(line: Line) -> None:
    number = line.ticket()["number"]
    response = _upload(
        line, line.client, number, SimpleUploadedFile("../../etc/passwd", b"x", "text/plain")
    )
    assert response.status_code == 200  # type: ignore[attr-defined]
    stored = Attachment.objects.get()
    assert stored.name == "passwd" and ".." not in stored.file.name


def test_at_most_ten_files_at_once(line: Line) -> None:
    number = line.ticket()["number"]
    files = [SimpleUploadedFile(f"f{i}.txt", b"x", "text/plain") for i in range(11)]
    response = _upload(line, line.client, number, *files)
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert Attachment.objects.count() == 0
