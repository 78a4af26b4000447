"""`supportline backup` and `supportline restore` (issue 11 §5).

The proof: a line with tickets, events, messages, attachments and sent mail is backed up by
the command, restored by the command in another process into an EMPTY database (a second
PostgreSQL database made here, or a new SQLite file) and an EMPTY storage, and there every
ticket, event, message and attachment (byte for byte) is found — and a client's reply to mail
sent before the backup still threads into its ticket by our Message-ID, with the secret key
the restore wrote to the target's SECRET_KEY_FILE.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from supportline.mail.models import SentMail
from supportline.tickets.models import Attachment, Message, Ticket, TicketEvent
from tests.mail.conftest import SmtpServer, drain
from tests.ops.conftest import base_env, run_python
from tests.tickets.conftest import Line


def _attach(who: Any, number: str, name: str, content: bytes, kind: str) -> None:
    response = who.client.post(
        f"/api/v1/tickets/{number}/attachments",
        {"files": [SimpleUploadedFile(name, content, kind)]},
        HTTP_AUTHORIZATION=f"Bearer {who.token}",
    )
    assert response.status_code == 200, response.content


def _make_line(line: Line, smtp: SmtpServer) -> None:
    first = line.ticket(contact_email="it@romashka.example.ru")["number"]
    second = line.ticket(subject="Не приходят уведомления")["number"]
    line.consultant.post(f"/tickets/{first}/accept")
    _attach(line.client, first, "ошибка.png", b"\x89PNG" + bytes(range(256)) * 8, "image/png")
    _attach(
        line.consultant, first, "настройка.pdf", b"%PDF-1.4" + b"\x00\xff" * 900, "application/pdf"
    )
    _attach(line.client, second, "журнал.log", "строка журнала\n".encode() * 40, "text/plain")
    drain()
    assert SentMail.objects.count() >= 2


def _snapshot() -> dict[str, Any]:
    """What the restored line must show, read through the ORM and the storage."""
    return {
        "tickets": sorted(Ticket.objects.values_list("number", "subject", "status")),
        "events": TicketEvent.objects.count(),
        "messages": sorted(Message.objects.values_list("ticket__number", "body")),
        "files": sorted(
            (a.name, a.file.name, hashlib.sha256(a.file.open("rb").read()).hexdigest())
            for a in Attachment.objects.all()
        ),
    }


READ_BACK = """
import django, hashlib, json, sys; django.setup()
from supportline.tickets.models import Attachment, Message, Ticket, TicketEvent
print(json.dumps({
    "tickets": sorted(Ticket.objects.values_list("number", "subject", "status")),
    "events": TicketEvent.objects.count(),
    "messages": sorted(Message.objects.values_list("ticket__number", "body")),
    "files": sorted(
        (a.name, a.file.name, hashlib.sha256(a.file.open("rb").read()).hexdigest())
        for a in Attachment.objects.all()
    ),
}, ensure_ascii=False))
"""

REPLY = """\
From: Someone Else <someone@elsewhere.example.com>
To: crm-support@example.ru
Subject: Re: ваше письмо
Message-ID: <after-restore-1@elsewhere.example.com>
In-Reply-To: {mail_id}
References: {mail_id}
Date: Tue, 24 Nov 2026 15:00:00 +0300
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Спасибо, после восстановления всё работает.
"""

THREAD = """
import django, json, sys; django.setup()
from supportline.jobs.core import discover, run_due
from supportline.mail.services import inbound_mail_store
from supportline.tickets.models import Message
discover()
mail = inbound_mail_store(mailbox="line", raw=sys.stdin.buffer.read())
while run_due(worker="restore-test", limit=100):
    pass
mail.refresh_from_db()
print(json.dumps({
    "state": mail.state,
    "ticket": mail.ticket.number if mail.ticket else None,
    "has_reply": Message.objects.filter(body__contains="после восстановления").exists(),
}))
"""

TOKEN_OK = """
import django, sys; django.setup()
from supportline.mail import inbound, outbound
(ref,) = inbound.our_refs((sys.argv[1],))
print(outbound.token_ok(ref.message_pk, ref.number, ref.token))
"""


@pytest.fixture
def target(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of an empty deployment: a new database and an empty storage."""
    data = tmp_path / "target"
    data.mkdir()
    key_file = tmp_path / "target-secret-key"
    key_file.write_text("a-different-key-of-the-new-machine-" + "x" * 30)
    env = base_env(
        SUPPORTLINE_TESTING="1",
        DJANGO_SETTINGS_MODULE="supportline.settings",
        SUPPORTLINE_DATA_DIR=str(data),
        SECRET_KEY_FILE=str(key_file),
    )
    if connection.vendor != "postgresql":
        yield env
        return
    import psycopg

    db = connection.settings_dict
    target_db = f"{db['NAME']}_restore"  # beside the test database, e.g. test_h3_restore
    admin = psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'DROP DATABASE IF EXISTS "{target_db}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{target_db}"')
    auth = f"{db['USER']}:{db['PASSWORD']}@" if db["PASSWORD"] else f"{db['USER']}@"
    env["DATABASE_URL"] = f"postgres://{auth}{db['HOST']}:{db['PORT'] or 5432}/{target_db}"
    try:
        yield env
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{target_db}" WITH (FORCE)')
        admin.close()


def _supportline(env: dict[str, str], *args: str) -> Any:
    return run_python("from supportline.cli import main; main()", env, *args)


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_into_an_empty_database_and_storage_with_threading(
    line: Line, smtp: SmtpServer, tmp_path: Path, target: dict[str, str]
) -> None:
    _make_line(line, smtp)
    before = _snapshot()
    assert len(before["files"]) == 3
    answer = SentMail.objects.filter(message__attachments__isnull=False).get()

    folder = tmp_path / "backup"
    call_command("backup", str(folder))
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["vendor"] == connection.vendor
    assert manifest["counts"]["tickets"] == 2 and manifest["counts"]["attachments"] == 3
    # Each app's latest migration, as the database has it.
    leaves = dict(MigrationLoader(connection).graph.leaf_nodes())
    assert manifest["migrations"]["jobs"] == leaves["jobs"]
    assert manifest["migrations"]["tickets"] == leaves["tickets"]
    assert len(manifest["files"]) == 3
    assert (folder / "secret_key").stat().st_mode & 0o077 == 0

    restored = _supportline(target, "restore", str(folder))
    assert restored.returncode == 0, restored.stderr + restored.stdout
    assert "записан в" in restored.stdout  # the backup's key went to SECRET_KEY_FILE
    read = run_python(READ_BACK, target)
    assert read.returncode == 0, read.stderr
    assert json.loads(read.stdout) == json.loads(json.dumps(before, ensure_ascii=False))
    assert (Path(target["SUPPORTLINE_DATA_DIR"]) / "media" / "attachments").is_dir()

    # Without the backup's key our old Message-IDs prove nothing; with it they do.
    wrong_key = {k: v for k, v in target.items() if k != "SECRET_KEY_FILE"}
    wrong_key["SECRET_KEY"] = "y" * 60
    assert run_python(TOKEN_OK, wrong_key, answer.mail_id).stdout.strip() == "False"
    assert run_python(TOKEN_OK, target, answer.mail_id).stdout.strip() == "True"

    # A reply from an address the line does not know, with no number in its subject: only
    # our Message-ID can thread it — into the restored ticket.
    reply = REPLY.format(mail_id=answer.mail_id).replace("\n", "\r\n").encode()
    threaded = run_python_input(THREAD, target, reply)
    assert threaded.returncode == 0, threaded.stderr
    assert json.loads(threaded.stdout) == {
        "state": "processed",
        "ticket": answer.message.ticket.number,
        "has_reply": True,
    }

    # A second restore into the now non-empty database is refused without --force.
    again = _supportline(target, "restore", str(folder))
    assert again.returncode != 0
    assert "уже есть данные линии" in again.stderr
    forced = _supportline(target, "restore", str(folder), "--force")
    assert forced.returncode == 0, forced.stderr
    assert "Секретный ключ совпадает" in forced.stdout


def run_python_input(code: str, env: dict[str, str], data: bytes) -> Any:
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-c", code], env=env, input=data, capture_output=True, timeout=120
    )


@pytest.fixture
def made(line: Line, smtp: SmtpServer, tmp_path: Path) -> Path:
    _make_line(line, smtp)
    folder = tmp_path / "backup"
    call_command("backup", str(folder))
    return folder


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_holds_the_line(made: Path) -> None:
    with pytest.raises(CommandError, match="уже есть данные линии"):
        call_command("restore", str(made))


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_damaged_copy(made: Path) -> None:
    manifest = json.loads((made / "manifest.json").read_text())
    damaged = made / "files" / manifest["files"][0]["name"]
    damaged.write_bytes(damaged.read_bytes()[:-1] + b"!")
    with pytest.raises(CommandError, match="повреждён"):
        call_command("restore", str(made), "--force")


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_copy_of_a_newer_version(made: Path) -> None:
    manifest = json.loads((made / "manifest.json").read_text())
    manifest["migrations"]["tickets"] = "9999_from_the_future"
    (made / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(CommandError, match=r"tickets\.9999_from_the_future"):
        call_command("restore", str(made), "--force")


def test_restore_refuses_a_folder_without_a_manifest(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"нет manifest\.json"):
        call_command("restore", str(tmp_path))


@pytest.mark.django_db(transaction=True)
def test_backup_wants_a_new_folder(made: Path) -> None:
    with pytest.raises(CommandError, match="не пуста"):
        call_command("backup", str(made))
    shutil.rmtree(made)
