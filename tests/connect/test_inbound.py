"""Reading 1C-Connect events and the R1 labels in a message: plain functions, no database."""

from __future__ import annotations

import datetime as dt

import pytest

from supportline.connect.inbound import (
    EventError,
    MessageType,
    intake_labels,
    parse_event,
    subject_of,
)
from tests.connect.conftest import USER_ID, event


def test_parse_text_event() -> None:
    parsed = parse_event(event(message_time="2026-11-24T07:00:00Z"))
    assert parsed.message_type == MessageType.TEXT
    assert parsed.message_time == dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC)
    assert parsed.from_client
    assert parsed.conversation.endswith(f":{USER_ID}")


def test_time_without_a_zone_is_utc() -> None:
    parsed = parse_event(event(message_time="2026-11-24T07:00:00"))
    assert parsed.message_time.tzinfo is not None
    assert parsed.message_time.utcoffset() == dt.timedelta(0)


def test_author_missing_is_the_user() -> None:
    assert parse_event(event(author_id=None)).from_client


def test_file_name_is_made_safe() -> None:
    parsed = parse_event(
        event(message_type=70, data={"file_url": "https://x.example/f", "file_name": "../../etc/x"})
    )
    assert parsed.file is not None and parsed.file.name == "x"
    named_by_url = parse_event(
        event(
            message_type=70,
            data={"file_url": "https://x.example/a/%D0%BE%D1%82%D1%87%D1%91%D1%82.pdf"},
        )
    )
    assert named_by_url.file is not None and named_by_url.file.name == "отчёт.pdf"


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(EventError) as caught:
        parse_event({"message_type": True, "text": 5})
    assert set(caught.value.errors) == {
        "line_id",
        "user_id",
        "message_id",
        "message_type",
        "message_time",
        "text",
    }


def test_r1_labels_in_the_text() -> None:
    text = (
        "Добрый день! Не проводится документ\n"
        "Регистрационный номер: 800123456\n"
        "Код партнёра: 12-345-678\n"
        "  организация :  ООО «Ромашка»  \n"
        "Конфигурация: 1С:CRM ПРОФ, редакция 3.0\n"
        "Релиз: 3.0.36.12\n"
        "Версия: 9.9.9.9\n"
        "Ошибка: деление на ноль\n"
    )
    assert intake_labels(text) == {
        "registration_number": "800123456",
        "partner_code": "12-345-678",
        "organisation": "ООО «Ромашка»",
        "configuration": "1С:CRM ПРОФ, редакция 3.0",
        "version": "3.0.36.12",
    }
    assert subject_of(text) == "Добрый день! Не проводится документ"


def test_subject_skips_labels_and_blank_lines() -> None:
    assert subject_of("\nРег. номер: 1\n\nВопрос про лицензии") == "Вопрос про лицензии"
    assert subject_of("Рег. номер: 1") == ""
    assert len(subject_of("я" * 500)) == 120
