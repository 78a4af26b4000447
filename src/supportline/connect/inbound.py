"""What 1C-Connect sends to the webhook, read into plain values (no Django, no queries).

An event of a support line (the hook of type "line"/"bot", API 4.2.1.1 SetHook):

    {"line_id": "…", "user_id": "…", "message_id": "…", "message_type": 1,
     "author_id": "…" | null, "message_time": "2026-11-24T07:00:00Z", "text": "…",
     "data": {…}}

The field names and the message-type codes are those of 1C-Connect's own line bot
(1cconnect-text-bot): 1 text, 70 file, 80/81 conversation (treatment) opened by the user / by a
specialist, 82/90 conversation closed. The content of `data` for a file message is not
documented publicly; we read `data.file_url` (required), `data.file_name`, `data.file_size`.

`parse_event` checks the shape and returns an `Event`, or raises `EventError` whose `errors`
map each field to a Russian message. `intake_labels` reads the R1 data a client wrote as
labelled lines («Рег. номер: …»).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import IntEnum
from typing import Any
from urllib.parse import unquote, urlsplit

from supportline.tickets import labels


class MessageType(IntEnum):
    TEXT = 1
    FILE = 70
    TREATMENT_OPENED_BY_USER = 80
    TREATMENT_OPENED_BY_SPECIALIST = 81
    TREATMENT_CLOSED = 82
    TREATMENT_CLOSED_ACTIVE = 90


CLIENT_MESSAGES = frozenset({MessageType.TEXT, MessageType.FILE})
TREATMENT_OPENED = frozenset(
    {MessageType.TREATMENT_OPENED_BY_USER, MessageType.TREATMENT_OPENED_BY_SPECIALIST}
)
TREATMENT_CLOSED = frozenset({MessageType.TREATMENT_CLOSED, MessageType.TREATMENT_CLOSED_ACTIVE})

# 1C-Connect ids are UUIDs; anything id-like is accepted, but never ":" (our conversation
# key is "line_id:user_id") nor spaces.
ID = re.compile(r"^[0-9A-Za-z_-]{1,64}$")
MAX_TEXT = 100_000


class EventError(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class FileRef:
    url: str
    name: str
    size: int | None


@dataclass(frozen=True)
class Event:
    line_id: str
    user_id: str
    message_id: str
    message_type: int
    author_id: str | None
    message_time: dt.datetime
    text: str
    file: FileRef | None

    @property
    def conversation(self) -> str:
        return conversation_key(self.line_id, self.user_id)

    @property
    def from_client(self) -> bool:
        """A text or file the user wrote; not a specialist's or a bot's (ours included) echo."""
        return self.message_type in CLIENT_MESSAGES and self.author_id in (None, self.user_id)


def conversation_key(line_id: str, user_id: str) -> str:
    return f"{line_id}:{user_id}"


def split_conversation(key: str) -> tuple[str, str]:
    line_id, _, user_id = key.partition(":")
    return line_id, user_id


def parse_event(raw: Any) -> Event:
    if not isinstance(raw, dict):
        raise EventError({"body": "Ожидается JSON-объект с полями события 1С-Коннект"})
    errors: dict[str, str] = {}

    def ident(name: str, *, required: bool = True) -> str | None:
        value = raw.get(name)
        if value is None or value == "":
            if required:
                errors[name] = f"Обязательное поле «{name}» не заполнено"
            return None
        if not isinstance(value, str) or not ID.match(value):
            errors[name] = f"Поле «{name}» должно быть идентификатором (UUID)"
            return None
        return value

    line_id = ident("line_id")
    user_id = ident("user_id")
    message_id = ident("message_id")
    author_id = ident("author_id", required=False)

    message_type = raw.get("message_type")
    if message_type is None:
        errors["message_type"] = "Обязательное поле «message_type» не заполнено"
    elif isinstance(message_type, bool) or not isinstance(message_type, int):
        errors["message_type"] = (
            "Поле «message_type» должно быть целым числом (1 — текст, 70 — файл, "
            "80/81 — открытие обращения, 82/90 — закрытие)"
        )

    message_time = _moment(raw.get("message_time"), errors)

    text = raw.get("text")
    if text is None:
        text = ""
    elif not isinstance(text, str):
        errors["text"] = "Поле «text» должно быть строкой"
        text = ""
    elif len(text) > MAX_TEXT:
        errors["text"] = f"Текст сообщения длиннее {MAX_TEXT} символов"
    if message_type == MessageType.TEXT and isinstance(text, str) and not text.strip():
        errors.setdefault("text", "Текстовое сообщение без текста: поле «text» пустое")

    file = None
    if message_type == MessageType.FILE:
        file = _file(raw.get("data"), errors)

    if errors:
        raise EventError(errors)
    assert line_id and user_id and message_id and message_time and isinstance(message_type, int)
    return Event(
        line_id=line_id,
        user_id=user_id,
        message_id=message_id,
        message_type=message_type,
        author_id=author_id,
        message_time=message_time,
        text=text,
        file=file,
    )


def _moment(value: Any, errors: dict[str, str]) -> dt.datetime | None:
    if value is None or value == "":
        errors["message_time"] = "Обязательное поле «message_time» не заполнено"
        return None
    if not isinstance(value, str):
        errors["message_time"] = "Поле «message_time» должно быть строкой ISO 8601"
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        errors["message_time"] = (
            f"Поле «message_time»: «{value[:40]}» — не дата и время ISO 8601 "
            "(например 2026-11-24T07:00:00Z)"
        )
        return None
    # 1C-Connect writes UTC ("…Z"); a time without a zone is read as UTC too.
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _file(data: Any, errors: dict[str, str]) -> FileRef | None:
    if not isinstance(data, dict):
        errors["data"] = "Для файла (message_type 70) нужен объект «data» с полем «file_url»"
        return None
    url = data.get("file_url")
    if not isinstance(url, str):
        url = ""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        errors["data.file_url"] = "Поле «data.file_url» должно быть адресом http(s) файла"
        return None
    name = data.get("file_name")
    if name is not None and not isinstance(name, str):
        errors["data.file_name"] = "Поле «data.file_name» должно быть строкой"
        return None
    size = data.get("file_size")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
        errors["data.file_size"] = "Поле «data.file_size» должно быть неотрицательным числом"
        return None
    return FileRef(
        url=url, name=_safe_name(name or unquote(parts.path.rsplit("/", 1)[-1])), size=size
    )


def _safe_name(name: str) -> str:
    """A file name without directories or control characters, at most 200 characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".")
    return name[:200] or "file"


# ---------------------------------------------------------------- R1 data in the text


def intake_labels(text: str) -> dict[str, str]:
    """R1 fields found in labelled lines (supportline.tickets.labels, shared by every channel)."""
    return labels.intake_labels(text)


def subject_of(text: str, *, limit: int = 120) -> str:
    """The first line that is not an R1 label: the ticket's subject."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if labels.is_label_line(stripped):
            continue
        return stripped[:limit]
    return ""
