"""Issue 14 §1 on the desk: a ticket's files open and download for whoever may see the ticket;
images and PDFs are previewed inline (never HTML or SVG); a consultant's answer carries files
to the client through the one attachment action."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from supportline.tickets.actions.attachments import ticket_attach
from supportline.tickets.actions.escalation import ticket_transfer
from supportline.tickets.models import Attachment, Message, Ticket
from tests.desk.conftest import Desk, html

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 32


def _with_files(desk: Desk) -> Ticket:
    ticket = desk.ticket()
    ticket_attach(
        ticket=ticket,
        actor=desk.client.user,
        files=[
            ("снимок.png", PNG, "image/png"),
            ("счёт.pdf", b"%PDF-1.4 test", "application/pdf"),
            ("страница.html", b"<script>alert(1)</script>", "text/html"),
            ("рисунок.svg", b"<svg onload=alert(1)>", "image/svg+xml"),
        ],
        text="Прикладываю файлы",
    )
    return ticket


def _url(ticket: Ticket, name: str, inline: bool = False) -> str:
    item = Attachment.objects.get(message__ticket=ticket, name=name)
    return f"/desk/tickets/{ticket.number}/files/{item.pk}/" + ("?inline=1" if inline else "")


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_ticket_page_links_every_file_and_previews_images_and_pdfs(desk: Desk) -> None:
    ticket = _with_files(desk)
    page = html(desk.consultant.get(f"/desk/tickets/{ticket.number}/"))
    for name in ("снимок.png", "счёт.pdf", "страница.html", "рисунок.svg"):
        assert f'href="{_url(ticket, name)}"' in page
    assert f'<img class="preview" src="{_url(ticket, "снимок.png", True)}"' in page
    assert f'<iframe class="preview" src="{_url(ticket, "счёт.pdf", True)}"' in page
    assert _url(ticket, "страница.html", True) not in page
    assert _url(ticket, "рисунок.svg", True) not in page


def test_download_and_inline_preview_headers(desk: Desk) -> None:
    ticket = _with_files(desk)
    download = desk.consultant.get(_url(ticket, "снимок.png"))
    assert download.status_code == 200
    assert _body(download) == PNG
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    inline = desk.consultant.get(_url(ticket, "снимок.png", True))
    assert inline["Content-Type"] == "image/png"
    assert inline["Content-Disposition"].startswith("inline")
    assert "sandbox" in inline["Content-Security-Policy"]
    pdf = desk.consultant.get(_url(ticket, "счёт.pdf", True))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"].startswith("inline")
    assert pdf["X-Frame-Options"] == "SAMEORIGIN"


def test_html_and_svg_are_downloads_even_when_asked_inline(desk: Desk) -> None:
    ticket = _with_files(desk)
    for name in ("страница.html", "рисунок.svg"):
        response = desk.consultant.get(_url(ticket, name, True))
        assert response["Content-Type"] == "application/octet-stream", name
        assert response["Content-Disposition"].startswith("attachment"), name
        assert response["X-Content-Type-Options"] == "nosniff"


def test_access_matrix_files_are_for_those_who_see_the_ticket(desk: Desk) -> None:
    ticket = _with_files(desk)
    url = _url(ticket, "снимок.png")
    for staff in (desk.consultant, desk.consultant2, desk.supervisor, desk.admin):
        assert staff.get(url).status_code == 200
    # Not transferred: the methodologist and developer do not see the ticket, nor its files.
    assert desk.methodologist.get(url).status_code == 404
    assert desk.developer.get(url).status_code == 404
    for outsider in (desk.client, desk.client_b, desk.partner):
        assert outsider.get(url).status_code == 403
    ticket_transfer(
        ticket=ticket,
        actor=desk.consultant.user,
        to="methodologist",
        kind="wish",
        reason="Методика",
    )
    assert desk.methodologist.get(url).status_code == 200
    # The file under another ticket's number is not found there.
    other = desk.ticket()
    item = Attachment.objects.get(message__ticket=ticket, name="снимок.png")
    assert desk.consultant.get(f"/desk/tickets/{other.number}/files/{item.pk}/").status_code == 404


def test_portal_client_opens_the_same_file_and_the_outsider_does_not(desk: Desk) -> None:
    ticket = _with_files(desk)
    item = Attachment.objects.get(message__ticket=ticket, name="снимок.png")
    url = f"/portal/tickets/{ticket.number}/files/{item.pk}/"
    own = desk.client.get(url)
    assert own.status_code == 200 and _body(own) == PNG
    assert own["X-Content-Type-Options"] == "nosniff"
    assert desk.client_b.get(url).status_code == 404


def test_consultant_answer_carries_files_to_the_client(desk: Desk) -> None:
    ticket = desk.ticket()
    response = desk.consultant.post(
        f"/desk/tickets/{ticket.number}/do/answer/",
        {
            "answer-text": "Инструкция во вложении",
            "answer-uploads": [
                SimpleUploadedFile("инструкция.pdf", b"%PDF-1.4 x", "application/pdf"),
                SimpleUploadedFile("настройки.png", PNG, "image/png"),
            ],
        },
    )
    assert response.status_code == 302, html(response)
    answer = Message.objects.get(ticket=ticket, purpose=Message.Purpose.ANSWER)
    assert answer.body == "Инструкция во вложении"
    assert sorted(a.name for a in answer.attachments.all()) == ["инструкция.pdf", "настройки.png"]
    # The client sees them on the portal.
    page = html(desk.client.get(f"/portal/tickets/{ticket.number}/"))
    assert "инструкция.pdf" in page and "настройки.png" in page


def test_answer_with_a_file_over_the_limit_is_refused_in_russian(desk: Desk, settings: Any) -> None:
    settings.MAX_ATTACHMENT_BYTES = 10
    ticket = desk.ticket()
    response = desk.consultant.post(
        f"/desk/tickets/{ticket.number}/do/answer/",
        {
            "answer-text": "Ответ",
            "answer-uploads": [SimpleUploadedFile("big.log", b"x" * 11, "text/plain")],
        },
    )
    assert response.status_code == 400
    assert "больше допустимого размера" in html(response)
    assert not Message.objects.filter(ticket=ticket, purpose=Message.Purpose.ANSWER).exists()


def test_the_answer_mail_carries_the_files(desk: Desk, mailoutbox: Any) -> None:
    import datetime as dt

    from django.utils import timezone

    from supportline.jobs.core import discover, run_due

    ticket = desk.ticket(contact_email="buh@romashka.ru")
    desk.consultant.post(
        f"/desk/tickets/{ticket.number}/do/answer/",
        {
            "answer-text": "Инструкция во вложении",
            "answer-uploads": [
                SimpleUploadedFile("инструкция.pdf", b"%PDF-1.4 x", "application/pdf")
            ],
        },
    )
    discover()
    run_due(worker="test", now=timezone.now() + dt.timedelta(seconds=1))
    answers = [m for m in mailoutbox if "Инструкция во вложении" in m.body]
    assert len(answers) == 1
    assert [a[0] for a in answers[0].attachments] == ["инструкция.pdf"]
