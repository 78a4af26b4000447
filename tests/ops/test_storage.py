"""Attachments through Django's storage API (issue 11 §2): STORAGE_BACKEND=local or s3.

The S3 path runs against moto's S3 server over HTTP: a ticket's files go in through the API,
out with the mail the worker sends, and back through the portal's download — and they are in
the bucket, not on this machine's disk.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.utils import timezone

from supportline.core.demo import load_demo
from supportline.ops.config import LOCAL, S3, storage_settings
from supportline.tickets.models import Attachment, Ticket
from tests.mail.conftest import SmtpServer, drain
from tests.ops.conftest import S3Server
from tests.tickets.conftest import VALID_TICKET, Api, api_for

S3_VARS = ("S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_ENDPOINT_URL")


@pytest.fixture
def no_s3_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (*S3_VARS, "STORAGE_BACKEND", "S3_ADDRESSING_STYLE", "S3_REGION", "S3_PREFIX"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_FILE", raising=False)
    return monkeypatch


def test_local_disk_is_the_default(no_s3_env: pytest.MonkeyPatch) -> None:
    assert storage_settings() == {"BACKEND": LOCAL}


def test_s3_without_its_settings_stops_the_start_naming_them(no_s3_env: pytest.MonkeyPatch) -> None:
    no_s3_env.setenv("STORAGE_BACKEND", "s3")
    no_s3_env.setenv("S3_BUCKET", "line")
    with pytest.raises(ImproperlyConfigured) as error:
        storage_settings()
    assert "STORAGE_BACKEND=s3 but these variables are not set: S3_ACCESS_KEY_ID, " in str(
        error.value
    )
    assert "S3_SECRET_ACCESS_KEY" in str(error.value)


def test_an_unknown_backend_is_refused(no_s3_env: pytest.MonkeyPatch) -> None:
    no_s3_env.setenv("STORAGE_BACKEND", "ftp")
    with pytest.raises(ImproperlyConfigured, match="STORAGE_BACKEND='ftp' is not one of"):
        storage_settings()


def test_s3_secrets_may_come_from_files(no_s3_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("from-a-file\n")
    no_s3_env.setenv("STORAGE_BACKEND", "s3")
    no_s3_env.setenv("S3_BUCKET", "line")
    no_s3_env.setenv("S3_ACCESS_KEY_ID", "key")
    no_s3_env.setenv("S3_SECRET_ACCESS_KEY_FILE", str(tmp_path / "secret"))
    no_s3_env.setenv("S3_ENDPOINT_URL", "https://s3.example.ru")
    options = storage_settings()["OPTIONS"]
    assert storage_settings()["BACKEND"] == S3
    assert options["secret_key"] == "from-a-file"
    assert options["addressing_style"] == "path"  # an S3-compatible server: path style
    assert options["file_overwrite"] is False
    no_s3_env.setenv("S3_ENDPOINT_URL", "s3.example.ru")
    with pytest.raises(ImproperlyConfigured, match=r"S3_ENDPOINT_URL='s3\.example\.ru'"):
        storage_settings()


# ---------------------------------------------------------------- the S3 path, end to end


def _download(client: Client, number: str, pk: int) -> bytes:
    response: Any = client.get(f"/portal/tickets/{number}/files/{pk}/")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def _upload(who: Api, number: str, *files: tuple[str, bytes, str]) -> dict[str, Any]:
    response = who.client.post(
        f"/api/v1/tickets/{number}/attachments",
        {"files": [SimpleUploadedFile(n, c, t) for n, c, t in files], "text": "Файлы"},
        HTTP_AUTHORIZATION=f"Bearer {who.token}",
    )
    assert response.status_code == 200, response.content
    return response.json()  # type: ignore[no-any-return]


@pytest.mark.django_db
def test_attachments_go_to_s3_out_with_the_mail_and_back_through_the_portal(
    s3: S3Server, smtp: SmtpServer, tmp_path: Path
) -> None:
    load_demo(today=timezone.localdate())
    client, consultant = api_for("client"), api_for("consultant1")
    screenshot = b"\x89PNG\r\n" + bytes(range(256)) * 20
    instruction = b"%PDF-1.4\n" + bytes(range(255, -1, -1)) * 30
    with override_settings(STORAGES=s3.storages(), MEDIA_ROOT=tmp_path / "media"):
        created = client.post("/tickets", {**VALID_TICKET, "contact_email": "it@romashka.ru"})
        assert created.status_code == 201, created.content
        number = created.json()["number"]
        _upload(client, number, ("ошибка.png", screenshot, "image/png"))
        _upload(consultant, number, ("инструкция.pdf", instruction, "application/pdf"))
        drain()

        ticket = Ticket.objects.get(number=number)
        keys = s3.keys()
        stored = {a.name: a for a in Attachment.objects.filter(message__ticket=ticket)}
        assert sorted(stored) == ["инструкция.pdf", "ошибка.png"]
        for attachment in stored.values():
            assert attachment.file.name in keys
            assert attachment.file.name.startswith(f"attachments/{ticket.pk}/")
        # Nothing on this machine's disk.
        assert not Path(settings.MEDIA_ROOT).exists()

        # The worker mailed the consultant's answer with its file, read from the bucket.
        answers = [d for d in smtp.received if any(True for _ in d.message.iter_attachments())]
        assert len(answers) == 1
        (part,) = list(answers[0].message.iter_attachments())
        assert part.get_filename() == "инструкция.pdf"
        assert part.get_payload(decode=True) == instruction

        browser = Client()
        browser.force_login(client.user)
        assert _download(browser, number, stored["ошибка.png"].pk) == screenshot
        assert _download(browser, number, stored["инструкция.pdf"].pk) == instruction


@pytest.mark.django_db
def test_two_files_of_one_name_on_a_ticket_do_not_overwrite_each_other(s3: S3Server) -> None:
    load_demo(today=timezone.localdate())
    client = api_for("client")
    with override_settings(STORAGES=s3.storages()):
        number = client.post("/tickets", VALID_TICKET).json()["number"]
        _upload(client, number, ("журнал.log", b"first", "text/plain"))
        _upload(client, number, ("журнал.log", b"second", "text/plain"))
        first, second = Attachment.objects.order_by("id")
        assert first.file.name != second.file.name
        assert len(s3.keys()) == 2
        browser = Client()
        browser.force_login(client.user)
        assert _download(browser, number, first.pk) == b"first"
        assert _download(browser, number, second.pk) == b"second"
        shown = json.dumps(client.get(f"/tickets/{number}").json(), ensure_ascii=False)
        assert shown.count('"name": "журнал.log"') == 2
