"""Issue 14 §1: GET /api/v1/tickets/{number}/attachments/{id} — the file, for everyone who may
see the ticket, always as a download with nosniff; 404 for everyone else (no existence leak)."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from supportline.tickets.models import Attachment
from tests.tickets.conftest import Api, Line


def _upload(who: Api, number: str, name: str, content: bytes, kind: str) -> Any:
    return who.client.post(
        f"/api/v1/tickets/{number}/attachments",
        {"files": [SimpleUploadedFile(name, content, kind)], "text": "Файл"},
        HTTP_AUTHORIZATION=f"Bearer {who.token}",
    )


def _download(who: Api, number: str, pk: int) -> Any:
    return who.client.get(
        f"/api/v1/tickets/{number}/attachments/{pk}", HTTP_AUTHORIZATION=f"Bearer {who.token}"
    )


def test_everyone_who_sees_the_ticket_downloads_its_file(line: Line) -> None:
    number = line.ticket()["number"]
    assert (
        _upload(line.client, number, "счёт.pdf", b"%PDF-1.4 test", "application/pdf").status_code
        == 200
    )
    listed = line.consultant.get(f"/tickets/{number}").json()
    pk = next(a["id"] for m in listed["messages"] for a in m["attachments"])
    for who in (line.client, line.consultant, line.supervisor):
        response = _download(who, number, pk)
        assert response.status_code == 200, who.user.username
        assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("attachment")
        assert response["Content-Type"] == "application/pdf"


def test_access_matrix_outsiders_get_404_for_a_file(line: Line) -> None:
    number = line.ticket()["number"]
    _upload(line.client, number, "a.png", b"\x89PNG....", "image/png")
    pk = Attachment.objects.get().pk
    for outsider in (line.client_b, line.partner, line.methodologist, line.developer):
        assert _download(outsider, number, pk).status_code == 404, outsider.user.username
    # A file under another ticket's number is no file of that ticket.
    other = line.ticket()["number"]
    assert _download(line.client, other, pk).status_code == 404
    assert _download(line.client, number, 999_999).status_code == 404
    anonymous = line.client.client.get(f"/api/v1/tickets/{number}/attachments/{pk}")
    assert anonymous.status_code == 401


def test_html_and_svg_are_never_served_as_such(line: Line) -> None:
    number = line.ticket()["number"]
    _upload(line.client, number, "x.html", b"<script>alert(1)</script>", "text/html")
    _upload(line.client, number, "x.svg", b"<svg onload=alert(1)>", "image/svg+xml")
    for item in Attachment.objects.all():
        response = _download(line.consultant, number, item.pk)
        assert response["Content-Type"] == "application/octet-stream"
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"


def test_the_file_endpoint_is_declared_in_openapi_with_its_statuses(line: Line) -> None:
    schema = line.client.client.get("/api/openapi.json").json()
    operation = schema["paths"]["/api/v1/tickets/{number}/attachments/{attachment_id}"]["get"]
    assert {"200", "401", "404", "422"} <= set(operation["responses"])
    assert "application/octet-stream" in operation["responses"]["200"]["content"]
