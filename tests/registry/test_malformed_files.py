"""Malformed import files (issue 12 §7): `supportline import-contracts` and `import-calendar`
answer every bad file with a clear Russian message and exit code 1 — never a traceback — and
write nothing. Files in another encoding that can be read (UTF-16 with or without a BOM, an XML
calendar in windows-1251) are read. XLSX size and row limits hold before openpyxl loads a book.

Each file is made here in tmp_path; the commands run as `supportline …` runs them."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import ManagementUtility
from django.db import connections

from supportline.registry.models import CalendarYear, Contract, Organisation, RegistrationNumber
from supportline.worktime import load_packaged_years, year_to_json
from tests.registry.test_import_contracts import RU, good_rows, write_csv, write_xlsx

pytestmark = pytest.mark.django_db


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Exit code and everything printed by `supportline ARGS`: the command's own entry
    (`run_from_argv`, which turns CommandError into a message and an exit code), as `cli.main`
    reaches it — without `django.setup()` again, which would bind logging to capsys's stream."""
    name = args[0].replace("-", "_")  # what cli.main does
    argv = ["supportline", name, *args[1:]]
    # A command closes the database connections when it ends; the test's transaction lives on.
    close_all = connections.close_all
    connections.close_all = lambda: None  # type: ignore[method-assign]
    try:
        ManagementUtility(argv).fetch_command(name).run_from_argv(argv)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    else:
        code = 0
    finally:
        connections.close_all = close_all  # type: ignore[method-assign]
    printed = capsys.readouterr()
    return code, printed.out + printed.err


def registries() -> tuple[int, int, int]:
    return (
        Organisation.objects.count(),
        RegistrationNumber.objects.count(),
        Contract.objects.count(),
    )


def assert_refused(code: int, printed: str, expected: str) -> None:
    assert code == 1, printed
    assert expected in printed, printed
    assert "Traceback" not in printed and 'File "' not in printed, printed
    assert any("а" <= ch <= "я" for ch in printed)


@pytest.fixture
def registry() -> None:
    from supportline.registry.models import Partner, Product
    from tests.registry.test_import_contracts import PARTNER_CODE

    Product.objects.create(name="1С:CRM")
    Partner.objects.create(name="ООО «Франч Плюс»", code=PARTNER_CODE, inn="7840123459")


# --- contracts: files that can be read ------------------------------------------------------


def _csv_text(tmp_path: Path) -> str:
    return write_csv(tmp_path / "utf8.csv", good_rows(), encoding="utf-8").read_text("utf-8")


@pytest.mark.parametrize(
    "encoding,bom",
    [("utf-16", b""), ("utf-16-le", b""), ("utf-16-be", b""), ("utf-16-le", b"\xff\xfe")],
    ids=["utf-16 with BOM", "utf-16-le without BOM", "utf-16-be without BOM", "utf-16-le BOM"],
)
def test_a_utf16_csv_is_read(
    registry: None, tmp_path: Path, capsys: Any, encoding: str, bom: bytes
) -> None:
    path = tmp_path / "utf16.csv"
    path.write_bytes(bom + _csv_text(tmp_path).encode(encoding))
    code, printed = run(capsys, "import-contracts", str(path))
    assert code == 0, printed
    assert "Импорт выполнен: строк 4" in printed
    assert registries() == (2, 3, 4)


# --- contracts: files that cannot ------------------------------------------------------------


def _xlsx(tmp_path: Path) -> bytes:
    return write_xlsx(tmp_path / "good.xlsx", good_rows()).read_bytes()


def _rezip(data: bytes, change: Callable[[str, bytes], bytes | None]) -> bytes:
    """The XLSX with each member passed through `change` (None drops the member)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = change(info.filename, source.read(info))
            if content is not None:
                target.writestr(info.filename, content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _no_sheet(tmp_path: Path) -> bytes:
    def change(name: str, content: bytes) -> bytes | None:
        if name == "xl/workbook.xml":
            start, end = content.index(b"<sheets>"), content.index(b"</sheets>") + 9
            return content[:start] + b"<sheets/>" + content[end:]
        if name.startswith("xl/worksheets/"):
            return None
        return content

    return _rezip(_xlsx(tmp_path), change)


def _broken_sheet(tmp_path: Path) -> bytes:
    def change(name: str, content: bytes) -> bytes:
        return b"<worksheet><sheetData><row" if name == "xl/worksheets/sheet1.xml" else content

    return _rezip(_xlsx(tmp_path), change)


def _plain_zip(tmp_path: Path) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("договоры.txt", "не книга Excel")
    return out.getvalue()


def _bomb(tmp_path: Path) -> bytes:
    """2 MB of rows that deflate to a few kilobytes; the test allows 1 MB unpacked."""
    cells = "".join(f'<c r="{c}1" t="inlineStr"><is><t>x</t></is></c>' for c in "ABCDEFGHIJKLM")
    rows = "".join(f'<row r="{n}">{cells.replace("1", str(n))}</row>' for n in range(1, 4000))

    def change(name: str, content: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            return f"<worksheet><sheetData>{rows}</sheetData></worksheet>".encode()
        return content

    return _rezip(_xlsx(tmp_path), change)


CONTRACT_FILES: list[tuple[str, Callable[[Path], bytes], str]] = [
    ("empty.csv", lambda _: b"", "пуст"),
    ("spaces.csv", lambda _: b" \r\n\t\r\n", "пуст"),
    ("garbage.csv", lambda _: bytes(range(256)) * 40, "не похож на текстовый CSV"),
    ("garbage.xlsx", lambda _: bytes(range(128, 256)) * 40, "не является таблицей CSV или XLSX"),
    ("truncated-utf16.csv", lambda _: b"\xff\xfe" + "Рег".encode("utf-16-le") + b"\x04", "UTF-16"),
    (
        "nul-utf16.csv",
        lambda p: _csv_text(p).replace("ООО «Ромашка»", "ООО \x00").encode("utf-16"),
        "символ NUL",
    ),
    ("no-sheet.xlsx", _no_sheet, "нет ни одного листа"),
    ("corrupt.xlsx", lambda p: _xlsx(p)[:300], "файл повреждён или это не книга Excel"),
    ("not-a-book.xlsx", _plain_zip, "не книга Excel"),
    ("text.xlsx", lambda _: "Регистрационный номер;Продукт\r\n".encode(), "не является таблицей"),
    ("broken-sheet.xlsx", _broken_sheet, "Не удалось прочитать"),
]


@pytest.mark.parametrize(
    "name,make,expected", CONTRACT_FILES, ids=[case[0] for case in CONTRACT_FILES]
)
def test_a_malformed_contract_file_is_refused_in_russian_with_exit_code_1(
    registry: None,
    tmp_path: Path,
    capsys: Any,
    name: str,
    make: Callable[[Path], bytes],
    expected: str,
) -> None:
    path = tmp_path / name
    path.write_bytes(make(tmp_path))
    code, printed = run(capsys, "import-contracts", str(path))
    assert_refused(code, printed, expected)
    assert registries() == (0, 0, 0)


def test_an_xlsx_bomb_is_refused_before_it_is_unpacked(
    registry: None, tmp_path: Path, capsys: Any, settings: Any
) -> None:
    settings.IMPORT_XLSX_MAX_BYTES = 1024 * 1024
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(_bomb(tmp_path))
    assert path.stat().st_size < 250_000
    started = time.monotonic()
    code, printed = run(capsys, "import-contracts", str(path))
    assert_refused(code, printed, "распакованном виде больше 1 МБ")
    assert time.monotonic() - started < 2
    assert registries() == (0, 0, 0)


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_more_rows_than_the_limit_are_refused(
    registry: None, tmp_path: Path, capsys: Any, settings: Any, suffix: str
) -> None:
    settings.IMPORT_MAX_ROWS = 3
    rows = good_rows()
    path = (write_csv if suffix == "csv" else write_xlsx)(tmp_path / f"many.{suffix}", rows)
    code, printed = run(capsys, "import-contracts", str(path))
    assert_refused(code, printed, "больше 3 строк с данными")
    assert registries() == (0, 0, 0)
    settings.IMPORT_MAX_ROWS = 4
    assert run(capsys, "import-contracts", str(path))[0] == 0


def test_a_file_over_the_size_limit_is_refused_unread(
    registry: None, tmp_path: Path, capsys: Any, settings: Any
) -> None:
    settings.IMPORT_MAX_FILE_BYTES = 100
    path = write_csv(tmp_path / "big.csv", good_rows())
    code, printed = run(capsys, "import-contracts", str(path))
    assert_refused(code, printed, "больше допустимых")


def test_a_value_that_cannot_be_stored_is_a_row_error_and_is_not_looked_up(
    registry: None,
) -> None:
    from supportline.registry.importer import RawRow, import_contracts

    rows = good_rows()
    rows[0]["organisation"] = "ООО \x00 «Ромашка»"
    rows[3]["partner_code"] = "12-345-678\x00"  # never sent to the database as a lookup
    rows[2]["contract_number"] = "ИТС\ud800"
    report = import_contracts(
        rows_source=[RawRow(line, values) for line, values in enumerate(rows, start=2)]
    )
    assert [str(error) for error in report.errors] == [
        "Строка 2, «Организация»: недопустимый символ NUL (нулевой байт)",
        "Строка 4, «Номер договора»: недопустимые символы (одиночные суррогаты UTF-16)",
        "Строка 5, «Код партнёра»: недопустимый символ NUL (нулевой байт)",
    ]
    assert registries() == (0, 0, 0)


def test_the_wide_sheet_reads_only_the_first_columns(registry: None, tmp_path: Path) -> None:
    from supportline.registry.importer import read_rows

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([*RU.values()])
    sheet.append([*good_rows()[0].values()])
    sheet.cell(row=1, column=16000, value="далеко справа")
    path = tmp_path / "wide.xlsx"
    book.save(path)
    rows = read_rows(path)
    assert len(rows) == 1 and rows[0].values["registration_number"] == "800100001"


# --- the calendar ----------------------------------------------------------------------------

XML_2030 = (Path(__file__).parent / "test_calendar_data.py").read_text("utf-8")
XML_2030 = XML_2030[XML_2030.index("<?xml") : XML_2030.index("</calendar>") + len("</calendar>")]


def _cp1251_xml() -> bytes:
    xml = XML_2030.replace('encoding="UTF-8"', 'encoding="windows-1251"')
    xml = xml.replace('lang="ru">', 'lang="ru"><!-- Производственный календарь 2030 -->')
    return xml.encode("cp1251")


def _year_json() -> str:
    year = year_to_json(load_packaged_years()[2026])
    return json.dumps(year, ensure_ascii=False)


READABLE_CALENDARS: list[tuple[str, Callable[[], bytes], int]] = [
    ("cp1251.xml", _cp1251_xml, 2030),
    ("utf16.xml", lambda: XML_2030.replace("UTF-8", "UTF-16").encode("utf-16"), 2030),
    ("utf16-le.xml", lambda: XML_2030.replace("UTF-8", "UTF-16").encode("utf-16-le"), 2030),
    ("utf8-bom.xml", lambda: XML_2030.encode("utf-8-sig"), 2030),
    ("utf16.json", lambda: _year_json().encode("utf-16"), 2026),
]


@pytest.mark.parametrize(
    "name,make,year", READABLE_CALENDARS, ids=[case[0] for case in READABLE_CALENDARS]
)
def test_a_calendar_in_another_encoding_is_read(
    tmp_path: Path, capsys: Any, name: str, make: Callable[[], bytes], year: int
) -> None:
    path = tmp_path / name
    path.write_bytes(make())
    code, printed = run(capsys, "import-calendar", str(path), "--decree", "ПП РФ № 1")
    assert code == 0, printed
    assert f"Календарь {year} года загружен" in printed
    assert CalendarYear.objects.get().year == year


def _nested(depth: int) -> bytes:
    return (b"[" * depth) + (b"]" * depth)


CALENDAR_FILES: list[tuple[str, Callable[[], bytes], str]] = [
    ("empty.json", lambda: b"", "пуст"),
    ("garbage.json", lambda: bytes(range(256)) * 10, "Файл календаря"),
    ("deep.json", lambda: _nested(100_000), "вложенность"),
    ("deep-object.json", lambda: b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "вложенность"),
    ("list.json", lambda: b"[]", "ожидается JSON-объект одного года"),
    ("string.json", lambda: b'"2030"', "ожидается JSON-объект одного года"),
    (
        "document.json",
        lambda: json.dumps({"format": 1, "years": []}).encode(),
        "документ из нескольких лет",
    ),
    ("bad.json", lambda: b'{"year": 2031', "не корректный JSON"),
    (
        "nul.json",
        lambda: _year_json().replace('"source": "', '"source": "\\u0000').encode(),
        "символ NUL",
    ),
    (
        "surrogate.json",
        lambda: _year_json().replace('"source": "', '"source": "\\ud800').encode(),
        "суррогат",
    ),
    ("truncated-utf16.xml", lambda: XML_2030.encode("utf-16")[:-1], "UTF-16"),
    (
        "undeclared-cp1251.xml",
        lambda: _cp1251_xml().replace(b' encoding="windows-1251"', b""),
        "не в кодировке UTF-8",
    ),
    (
        "unknown-encoding.xml",
        lambda: _cp1251_xml().replace(b"windows-1251", b"x-klingon"),
        "неизвестная кодировка «x-klingon»",
    ),
    ("deep.xml", lambda: b"<a>" * 100_000 + b"</a>" * 100_000, "Файл календаря отклонён"),
    ("huge.json", lambda: b" " * 2_000_000 + b"{}", "больше 1 МБ"),
]


@pytest.mark.parametrize(
    "name,make,expected", CALENDAR_FILES, ids=[case[0] for case in CALENDAR_FILES]
)
def test_a_malformed_calendar_file_is_refused_in_russian_with_exit_code_1(
    tmp_path: Path, capsys: Any, name: str, make: Callable[[], bytes], expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(make())
    code, printed = run(capsys, "import-calendar", str(path))
    assert_refused(code, printed, expected)
    assert not CalendarYear.objects.exists()


def test_the_import_limits_are_settings_read_from_the_environment(tmp_path: Path) -> None:
    """IMPORT_MAX_FILE_BYTES, IMPORT_XLSX_MAX_BYTES and IMPORT_MAX_ROWS are settings of
    settings.py with their defaults, and an installation sets them in its environment."""
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps([s.IMPORT_MAX_FILE_BYTES, s.IMPORT_XLSX_MAX_BYTES, s.IMPORT_MAX_ROWS]))"
    )
    base = {
        **{k: v for k, v in os.environ.items() if not k.startswith("IMPORT_")},
        "DJANGO_SETTINGS_MODULE": "supportline.settings",
        "SUPPORTLINE_TESTING": "1",
        "SUPPORTLINE_DATA_DIR": str(tmp_path),
    }

    def limits(**env: str) -> list[int]:
        done = subprocess.run(
            [sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return list(json.loads(done.stdout))

    assert limits() == [50 * 1024 * 1024, 200 * 1024 * 1024, 100_000]
    assert limits(
        IMPORT_MAX_FILE_BYTES="1000", IMPORT_XLSX_MAX_BYTES="2000", IMPORT_MAX_ROWS="30"
    ) == [1000, 2000, 30]
