"""Reading a production-calendar file for `supportline import-calendar` (SPEC R9).

The file is our JSON year or xmlcalendar XML, in UTF-8 (with or without a BOM), UTF-16 (with a
BOM, or without one when every other byte is zero) or the encoding its XML declaration names
(windows-1251 is common). Whatever is wrong with it becomes one `CalendarFileError` with a
Russian message: never a traceback, nothing is written. The year itself is checked by the pure
`supportline.worktime` parsers, whose detail (in English, for the data's maintainers) is quoted.
"""

from __future__ import annotations

import codecs
import json
import re
from typing import Any

from supportline.lib.text import text_problem
from supportline.worktime import (
    CalendarDataError,
    YearData,
    parse_xmlcalendar,
    parse_year,
)

MAX_BYTES = 1024 * 1024  # a year of the calendar is a few kilobytes
_XML_ENCODING = re.compile(rb"""\A\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")


class CalendarFileError(Exception):
    """The calendar file cannot be loaded; the message is Russian."""


def _utf16_without_bom(data: bytes) -> str | None:
    head = data[:2000]
    if len(data) % 2 or len(head) < 16:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) >= 0.4 * len(odd) and not even.count(0):
        return "utf-16-le"
    if even.count(0) >= 0.4 * len(even) and not odd.count(0):
        return "utf-16-be"
    return None


def decode(data: bytes) -> str:
    """The file's text, read in its encoding."""
    if len(data) > MAX_BYTES:
        raise CalendarFileError("файл больше 1 МБ: это не год производственного календаря")
    if not data.strip():
        raise CalendarFileError("файл пуст")
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        encoding = "utf-32"
    elif data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif (utf16 := _utf16_without_bom(data)) is not None:
        encoding = utf16
    elif (declared := _XML_ENCODING.match(data)) is not None:
        encoding = declared.group(1).decode("ascii")
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise CalendarFileError(
                f"в заголовке XML указана неизвестная кодировка «{encoding}»"
            ) from None
    else:
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        if encoding == "utf-8":
            raise CalendarFileError(
                "файл не в кодировке UTF-8; сохраните его в UTF-8 или укажите кодировку "
                'в заголовке XML (<?xml version="1.0" encoding="windows-1251"?>)'
            ) from None
        raise CalendarFileError(
            f"файл не читается в кодировке {encoding.upper()}: он повреждён (обрыв или "
            "неполный символ)"
        ) from None
    if "\x00" in text:
        raise CalendarFileError("файл содержит символ NUL: это не текстовый файл календаря")
    return text


def _text_problem_in(value: object) -> str | None:
    """The first text problem of any string in decoded JSON (without recursion)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if (problem := text_problem(item)) is not None:
                return problem
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return None


def _loaded_json(text: str) -> dict[str, Any]:
    try:
        raw = json.loads(text)
    except RecursionError:
        raise CalendarFileError(
            "слишком глубокая вложенность JSON: это не год производственного календаря"
        ) from None
    except ValueError as exc:
        raise CalendarFileError(f"не корректный JSON ({exc})") from None
    if not isinstance(raw, dict):
        kind = {list: "список", str: "строка"}.get(type(raw), "не объект")  # type: ignore[call-overload]
        raise CalendarFileError(
            f'ожидается JSON-объект одного года ({{"year": …, "holidays": […], …}}), а в файле {kind}'
        )
    if "years" in raw and "year" not in raw:
        raise CalendarFileError(
            "в файле документ из нескольких лет (как встроенный ru.json); загрузите годы по одному"
        )
    problem = _text_problem_in(raw)
    if problem == "nul":
        raise CalendarFileError("в тексте файла есть символ NUL (\\u0000)")
    if problem == "surrogate":
        raise CalendarFileError("в тексте файла есть одиночные суррогаты UTF-16 (\\ud800…)")
    return raw


def read_calendar(data: bytes, *, decree: str | None, source: str) -> YearData:
    """The year a calendar file holds; an XML file takes `decree` (it names none itself)."""
    text = decode(data)
    try:
        if text.lstrip().startswith("<"):
            if decree:
                return parse_xmlcalendar(text, decree=decree, source=source)
            return parse_xmlcalendar(text)
        return parse_year(_loaded_json(text))
    except CalendarDataError as exc:
        raise CalendarFileError(f"данные года не приняты: {exc}") from None
    except RecursionError:
        raise CalendarFileError("слишком глубокая вложенность: это не файл календаря") from None
