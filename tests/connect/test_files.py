"""A file the client sends in 1C-Connect becomes an attachment of its message (R6)."""

from __future__ import annotations

from django.test import override_settings

from supportline.connect.models import ConnectEvent
from supportline.tickets.models import Attachment, Message, Status, Ticket
from tests.connect.conftest import API_PASSWORD, API_USER, StandIn, basic, drain, event, post

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 200


def file_event(standin: StandIn, name: str, **fields: object) -> dict[str, object]:
    return event(
        message_type=70,
        text="",
        data={"file_url": f"{standin.url}/files/{name}", "file_name": "ошибка.png", **fields},
    )


def test_r6_file_message_is_downloaded_with_basic_auth_and_attached(connect: StandIn) -> None:
    connect.files["shot.png"] = (PNG, "image/png")
    body = file_event(connect, "shot.png")
    assert post(body).status_code == 200
    drain()

    ticket = Ticket.objects.get()
    message = ticket.messages.get(external_id=body["message_id"])
    assert message.author_kind == Message.Author.CLIENT
    assert message.body == "Файл «ошибка.png»"
    attachment = Attachment.objects.get()
    assert attachment.message == message
    assert attachment.name == "ошибка.png"
    assert attachment.size == len(PNG) and attachment.content_type == "image/png"
    with attachment.file.open("rb") as stored:
        assert stored.read() == PNG
    (download,) = connect.downloads()
    assert download.headers["Authorization"] == basic(API_USER, API_PASSWORD)
    assert ConnectEvent.objects.get().error == ""


def test_r12_a_file_answers_the_question_of_an_open_ticket(connect: StandIn) -> None:
    post(event(text="Ошибка при проведении сделки"))
    drain()
    ticket = Ticket.objects.get()
    assert ticket.status == Status.WAITING_CLIENT
    connect.files["log.txt"] = (b"stack trace", "text/plain")
    post(file_event(connect, "log.txt", file_name="журнал.txt"))
    drain()
    ticket.refresh_from_db()
    assert ticket.status == Status.REGISTERED
    assert Attachment.objects.get().message.ticket == ticket


@override_settings(MAX_ATTACHMENT_BYTES=100)
def test_a_file_over_the_limit_is_noted_not_fatal(connect: StandIn) -> None:
    connect.files["big.png"] = (PNG, "image/png")
    post(file_event(connect, "big.png", file_name="big.png"))
    drain()
    assert Attachment.objects.count() == 0
    message = Message.objects.get(author_kind=Message.Author.CLIENT)
    assert "не получен" in message.body and "больше допустимого размера" in message.body
    stored = ConnectEvent.objects.get()
    assert stored.state == "done" and "big.png" in stored.error


@override_settings(MAX_ATTACHMENT_BYTES=100)
def test_a_declared_size_over_the_limit_is_not_downloaded(connect: StandIn) -> None:
    post(file_event(connect, "huge.bin", file_size=10_000))
    drain()
    assert connect.downloads() == []
    assert Attachment.objects.count() == 0
    assert "больше допустимых" in ConnectEvent.objects.get().error


def test_a_missing_file_is_noted_and_the_message_still_registers(connect: StandIn) -> None:
    post(file_event(connect, "gone.png", file_name="gone.png"))
    drain()
    ticket = Ticket.objects.get()
    message = ticket.messages.get(author_kind=Message.Author.CLIENT)
    assert "404" in message.body
    assert Attachment.objects.count() == 0


def test_credentials_do_not_follow_a_redirect(connect: StandIn) -> None:
    connect.files["shot.png"] = (PNG, "image/png")
    post(file_event(connect, "shot.png", file_url=f"{connect.url}/moved/files/shot.png"))
    drain()
    first, redirected = connect.downloads()
    assert first.headers["Authorization"] == basic(API_USER, API_PASSWORD)
    assert "Authorization" not in redirected.headers
    assert Attachment.objects.count() == 0
    assert "401" in ConnectEvent.objects.get().error


def test_files_only_from_the_api_host_or_the_allowed_ones() -> None:
    """A forged event cannot make the service fetch an internal address (SSRF)."""
    import pytest as _pytest

    from supportline.connect.client import ConnectClient, ConnectError

    client = ConnectClient(base_url="http://127.0.0.1:9", user="u", password="p")
    with _pytest.raises(ConnectError, match="не загружается"):
        client.download("http://169.254.169.254/latest/meta-data", max_bytes=100)
    allowed = ConnectClient(
        base_url="http://127.0.0.1:9",
        user="u",
        password="p",
        file_hosts=frozenset({"files.example"}),
    )
    assert "files.example" in allowed.file_hosts and "127.0.0.1" in allowed.file_hosts
