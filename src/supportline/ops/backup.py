"""`supportline backup DIR` and `supportline restore DIR`.

A backup folder holds:

- `database.dump` (PostgreSQL, `pg_dump -Fc`) or `database.sqlite3` (SQLite's online backup
  API: a consistent copy while the service runs);
- `files/…`: every attachment, read through the storage API (local disk or S3 alike), under
  its storage name;
- `secret_key`: the SECRET_KEY the Message-IDs of our mail are signed with
  (`mail.outbound.token`): a client's reply to mail sent before the backup threads into its
  ticket only with that key;
- `manifest.json`: format, time, database vendor, the last migration of each app, row counts,
  and each file's size and SHA-256.

Restore refuses a folder whose manifest does not check out, a database of another vendor, a
backup made by a newer SupportLine (migrations this code does not know), and a database that
already holds the line's data unless `force`.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
FILES = "files"
KEY_FILE = "secret_key"  # the file name of the secret key in a backup
PG_DUMP, SQLITE_COPY = "database.dump", "database.sqlite3"
CHUNK = 1024 * 1024

# What a restore counts and checks (model label → manifest key).
COUNTED = {
    "tickets.Ticket": "tickets",
    "tickets.TicketEvent": "events",
    "tickets.Message": "messages",
    "tickets.Attachment": "attachments",
    "accounts.User": "users",
    "registry.Organisation": "organisations",
    "mail.InboundMail": "inbound_mail",
    "mail.SentMail": "sent_mail",
    "jobs.Job": "jobs",
}
# Rows of these mean "the line's data is here": restore will not overwrite them unless forced.
LINE_DATA = ("tickets.Ticket", "accounts.User", "registry.Organisation", "mail.InboundMail")
# libpq connection keywords that may sit in DATABASES OPTIONS (the rest are Django's own).
LIBPQ_OPTIONS = frozenset(
    {
        "sslmode",
        "sslrootcert",
        "sslcert",
        "sslkey",
        "sslcrl",
        "connect_timeout",
        "application_name",
        "target_session_attrs",
        "options",
        "passfile",
        "service",
    }
)


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in Russian."""


Say = Callable[[str], None]


@dataclass
class Manifest:
    created_at: str
    vendor: str
    database: str
    migrations: dict[str, str]
    counts: dict[str, int]
    files: list[dict[str, Any]] = field(default_factory=list)
    missing_files: list[str] = field(default_factory=list)
    secret_key_sha256: str = ""
    format: int = FORMAT

    def write(self, folder: Path) -> None:
        text = json.dumps(self.__dict__, ensure_ascii=False, indent=2, sort_keys=True)
        (folder / MANIFEST).write_text(text + "\n", encoding="utf-8")

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        try:
            data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BackupError(f"в {folder} нет {MANIFEST}: это не резервная копия") from None
        except (OSError, ValueError) as exc:
            raise BackupError(f"{MANIFEST} не читается: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise BackupError(f"{MANIFEST}: неизвестный формат {data.get('format')!r}")
        try:
            return cls(**data)
        except TypeError as exc:
            raise BackupError(f"{MANIFEST} повреждён: {exc}") from None


# ---------------------------------------------------------------- what is in the database


def _table_exists(label: str) -> bool:
    return apps.get_model(label)._meta.db_table in connection.introspection.table_names()


def row_counts() -> dict[str, int]:
    return {
        key: apps.get_model(label)._default_manager.count() if _table_exists(label) else 0
        for label, key in COUNTED.items()
    }


def holds_line_data() -> bool:
    return any(
        _table_exists(label) and apps.get_model(label)._default_manager.exists()
        for label in LINE_DATA
    )


def last_migrations() -> dict[str, str]:
    """The newest applied migration of each app (names start with their number)."""
    latest: dict[str, str] = {}
    if not MigrationRecorder(connection).has_table():
        return latest
    for app, name in MigrationRecorder(connection).applied_migrations():
        if name > latest.get(app, ""):
            latest[app] = name
    return latest


# ---------------------------------------------------------------- the database itself


def _pg_command(program: str) -> tuple[list[str], dict[str, str]]:
    """`program` with the connection of DATABASES["default"]; the password in the environment,
    never on the command line."""
    db = connection.settings_dict
    params = {
        "host": db.get("HOST") or "",
        "port": str(db.get("PORT") or ""),
        "user": db.get("USER") or "",
        "dbname": db["NAME"],
    }
    params.update({k: str(v) for k, v in (db.get("OPTIONS") or {}).items() if k in LIBPQ_OPTIONS})

    def quoted(value: str) -> str:
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"

    conninfo = " ".join(f"{k}={quoted(v)}" for k, v in params.items() if v)
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    path = shutil.which(program)
    if path is None:
        raise BackupError(f"не найдена программа {program} (пакет postgresql-client)")
    return [path, f"--dbname={conninfo}"], env


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name}: {result.stderr.strip()[-2000:]}")


@dataclass
class Dumped:
    database: str  # file name in the backup folder
    counts: dict[str, int]  # rows in the dump
    attachments: list[str]  # storage names of the attachments the dump holds


def _attachment_table() -> str:
    return str(apps.get_model("tickets.Attachment")._meta.db_table)


def dump_database(folder: Path) -> Dumped:
    """The database, with the counts and attachment names of exactly what was dumped."""
    if connection.vendor == "postgresql":
        # One snapshot for pg_dump and for our counts: exported by a repeatable-read
        # transaction that stays open while pg_dump reads it (--snapshot).
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = row_counts()
            names = list(
                apps.get_model("tickets.Attachment")
                .objects.order_by("id")
                .values_list("file", flat=True)
            )
            command, env = _pg_command("pg_dump")
            _run(
                [
                    *command,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={folder / PG_DUMP}",
                ],
                env,
            )
        return Dumped(PG_DUMP, counts, names)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        copy = sqlite3.connect(folder / SQLITE_COPY)
        try:
            connection.connection.backup(copy)  # the online backup API: a consistent copy
            tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_master")}
            counts = {}
            for label, key in COUNTED.items():
                table = apps.get_model(label)._meta.db_table
                counts[key] = (
                    copy.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608
                    if table in tables
                    else 0
                )
            names = (
                [
                    row[0]
                    for row in copy.execute(
                        f'SELECT file FROM "{_attachment_table()}" ORDER BY id'  # noqa: S608
                    )
                ]
                if _attachment_table() in tables
                else []
            )
        finally:
            copy.close()
        return Dumped(SQLITE_COPY, counts, names)
    raise BackupError(f"база данных {connection.vendor} не поддерживается")


def load_database(folder: Path, manifest: Manifest) -> None:
    connections.close_all()
    if connection.vendor == "postgresql":
        command, env = _pg_command("pg_restore")
        _run(
            [
                *command,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                str(folder / manifest.database),
            ],
            env,
        )
    else:
        source = sqlite3.connect(folder / manifest.database)
        target = sqlite3.connect(connection.settings_dict["NAME"])
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
    connections.close_all()


# ---------------------------------------------------------------- files


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if not name or path.is_absolute() or ".." in path.parts:
        raise BackupError(f"недопустимое имя файла в хранилище: {name!r}")
    return path


def copy_files_out(
    folder: Path, names: list[str], say: Say
) -> tuple[list[dict[str, Any]], list[str]]:
    entries, missing = [], []
    for name in names:
        target = folder / FILES / _safe_name(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        try:
            with default_storage.open(name, "rb") as source, target.open("wb") as out:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
        except FileNotFoundError:
            target.unlink(missing_ok=True)
            missing.append(name)
            say(f"нет файла вложения в хранилище: {name}")
            continue
        entries.append({"name": name, "size": size, "sha256": digest.hexdigest()})
    return entries, missing


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def check_files(folder: Path, manifest: Manifest) -> None:
    for entry in manifest.files:
        path = folder / FILES / _safe_name(entry["name"])
        if not path.is_file():
            raise BackupError(f"в копии нет файла {entry['name']}")
        if path.stat().st_size != entry["size"] or _sha256(path) != entry["sha256"]:
            raise BackupError(f"файл {entry['name']} в копии повреждён (не та контрольная сумма)")


def copy_files_in(folder: Path, manifest: Manifest) -> int:
    for entry in manifest.files:
        name = entry["name"]
        if default_storage.exists(name):
            default_storage.delete(name)
        with (folder / FILES / _safe_name(name)).open("rb") as f:
            saved = default_storage.save(name, File(f, name=name))
        if saved != name:
            raise BackupError(f"хранилище сохранило {name} под другим именем: {saved}")
    return len(manifest.files)


# ---------------------------------------------------------------- the commands


def backup(folder: Path, say: Say) -> Manifest:
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"папка {folder} не пуста: резервная копия пишется в новую папку")
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)  # the copy holds the secret key and every client's data
    migrations = last_migrations()
    dumped = dump_database(folder)
    files, missing = copy_files_out(folder, dumped.attachments, say)
    secret = folder / KEY_FILE
    secret.write_text(settings.SECRET_KEY + "\n", encoding="utf-8")
    secret.chmod(0o600)
    manifest = Manifest(
        created_at=timezone.now().isoformat(timespec="seconds"),
        vendor=connection.vendor,
        database=dumped.database,
        migrations=migrations,
        counts=dumped.counts,
        files=files,
        missing_files=missing,
        secret_key_sha256=hashlib.sha256(settings.SECRET_KEY.encode()).hexdigest(),
    )
    manifest.write(folder)
    return manifest


def _unknown_migrations(manifest: Manifest) -> list[str]:
    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    return sorted(
        f"{app}.{name}" for app, name in manifest.migrations.items() if (app, name) not in known
    )


def restore(folder: Path, say: Say, *, force: bool = False) -> Manifest:
    """Steps: 1. check the manifest, the files' checksums, the vendor and the migrations;
    2. refuse a database with the line's data unless forced; 3. load the database;
    4. put the files into the storage; 5. compare the counts; 6. the secret key."""
    manifest = Manifest.read(folder)
    if manifest.vendor != connection.vendor:
        raise BackupError(
            f"копия сделана с базы {manifest.vendor}, а настроена {connection.vendor}: "
            "восстановите в базу того же вида"
        )
    if not (folder / manifest.database).is_file():
        raise BackupError(f"в копии нет файла базы данных {manifest.database}")
    check_files(folder, manifest)
    unknown = _unknown_migrations(manifest)
    if unknown:
        raise BackupError(
            "копия сделана более новой версией SupportLine (неизвестные миграции: "
            + ", ".join(unknown)
            + "): установите ту же или более новую версию"
        )
    if holds_line_data() and not force:
        raise BackupError(
            "в базе уже есть данные линии (обращения, пользователи или организации); "
            "восстановление их заменит — запустите с --force, если это и нужно"
        )
    load_database(folder, manifest)
    say(f"База данных восстановлена из {manifest.database}")
    say(f"Файлов вложений восстановлено: {copy_files_in(folder, manifest)}")
    if manifest.missing_files:
        say(f"Файлов, которых не было уже при копировании: {len(manifest.missing_files)}")
    counts = row_counts()
    wrong = {k: (v, counts.get(k)) for k, v in manifest.counts.items() if counts.get(k) != v}
    if wrong:
        raise BackupError(
            "после восстановления не сходятся числа строк (в копии, в базе): "
            + ", ".join(f"{k} {a} ≠ {b}" for k, (a, b) in wrong.items())
        )
    say("Строк: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    _restore_secret(folder, say)
    pending = _pending_migrations()
    if pending:
        say(f"Копия старше этой версии: выполните `supportline migrate` ({len(pending)} миграций)")
    return manifest


def _pending_migrations() -> list[tuple[str, str]]:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [(m.app_label, m.name) for m, _backwards in plan]


def _restore_secret(folder: Path, say: Say) -> None:
    """The key our Message-IDs are signed with: say whether it matches, or write it where the
    deployment reads it from (SECRET_KEY_FILE)."""
    path = folder / KEY_FILE
    if not path.is_file():
        say("В копии нет секретного ключа: ответы на прежние письма свяжутся только по номеру")
        return
    key = path.read_text(encoding="utf-8").strip()
    if key == settings.SECRET_KEY:
        say("Секретный ключ совпадает с ключом копии: ответы клиентов на прежние письма свяжутся")
        return
    target = os.environ.get("SECRET_KEY_FILE", "").strip()
    if target:
        key_file = Path(target)
        key_file.write_text(key + "\n", encoding="utf-8")
        key_file.chmod(0o600)
        say(
            f"Секретный ключ копии записан в {key_file} (SECRET_KEY_FILE): перезапустите "
            "веб-процессы и обработчики заданий"
        )
        return
    say(
        f"ВНИМАНИЕ: SECRET_KEY отличается от ключа копии. Задайте SECRET_KEY из файла {path} "
        "(или SECRET_KEY_FILE), иначе ответы клиентов на письма, отправленные до копии, "
        "не свяжутся с обращениями по Message-ID"
    )
