"""Import of contracts and registration numbers from a CSV or XLSX registry (SPEC R2, R17, R18).

All or nothing: every row is checked first, and only a file without a single error is written,
in one transaction. Re-importing the same file changes nothing. Three steps, each usable alone:

1. `read_rows(path)` reads the file into `RawRow`s (no database);
2. `validate(rows)` parses every row, checks rows against each other and against the registries,
   and returns a `Plan` with the objects to create or update, or with the row errors;
3. `apply(plan)` writes the plan and counts created / updated / unchanged objects.

`import_contracts(rows_source=...)` runs the three in one transaction.

File layout: header in row 1 (first sheet of an XLSX), one row per contract. Headers are matched
case-insensitively, ё = е, `_` = space; columns not listed are ignored.

| column (RU) | aliases (EN) | required |
|---|---|---|
| Регистрационный номер | registration_number | yes |
| Вид номера | registration_kind | no: «основная поставка» (default) or «NFR» |
| Организация | organisation, organization | main delivery |
| Полное наименование | full_name | no |
| ИНН | inn | main delivery; check digits verified (R17) |
| КПП | kpp | no; none for a 12-digit INN |
| Код партнёра | partner_code | NFR: its holder; main delivery (optional): the partner serving the organisation (R1, R2); the partner must exist |
| Продукт | product | yes; must exist (products are kept by the administrator) |
| Вид договора | contract_kind | yes: a contract kind of the regulation file (its id, name or aliases) |
| Номер договора | contract_number | no |
| Действует с | valid_from | yes: ДД.ММ.ГГГГ, ГГГГ-ММ-ДД or an XLSX date cell |
| Действует по | valid_to | yes: same formats, not before «Действует с» |
| the kind's `level_column` (1C:CRM: «Уровень ИТС»), «Уровень договора» | its_level | no: one of the contract kind's `levels` in the regulation file (1C:CRM: ПРОФ / ТЕХНО for 1С:ИТС); only for a kind that has levels |

Matching: an organisation by INN (created, or its name updated); a partner by code (never
created); a registration number by number (created or updated; it may not change hands); a
contract by registration number + kind + contract number, or + «Действует с» when the number is
empty. An empty optional cell keeps the stored value. A partner code on a main-delivery row links
that partner to the organisation (`PartnerClient`, source «import»): the partner may then file
tickets on the organisation's registration numbers; a link already kept is left as it is (the
administrator ends one in the admin), so a re-import changes nothing.


Limits, each a setting (settings.py, from the environment variable of the same name): the file
at most IMPORT_MAX_FILE_BYTES (50 MB), an XLSX at most IMPORT_XLSX_MAX_BYTES unpacked (200 MB,
checked in the zip's directory before openpyxl opens the book, so a small "XLSX bomb" is refused
at once), at most IMPORT_MAX_ROWS data rows (100 000) and the first MAX_COLUMNS columns. A CSV is UTF-8 (with or without a BOM), windows-1251, or UTF-16
(with a BOM, or without one when every other byte is zero).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

from django.conf import settings
from django.db import models, transaction
from openpyxl import load_workbook

from supportline.core import rules
from supportline.lib.inn import inn_error
from supportline.lib.text import text_problem
from supportline.registry.models import (
    Contract,
    Organisation,
    Partner,
    PartnerClient,
    Product,
    RegistrationNumber,
)
from supportline.regulation.model import ContractKind

# Whatever a cell holds: text from a CSV; text, numbers, dates or None from an XLSX.
Cell: TypeAlias = object

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Column:
    key: str
    title: str  # the Russian header, also used in error messages
    aliases: tuple[str, ...]
    max_length: int | None = None


def _max_length(model: type[models.Model], name: str) -> int | None:
    model_field = model._meta.get_field(name)
    assert isinstance(model_field, models.CharField)
    return model_field.max_length


COLUMNS: tuple[Column, ...] = (
    Column(
        "registration_number",
        "Регистрационный номер",
        ("рег. номер", "регномер", "registration number"),
        _max_length(RegistrationNumber, "number"),
    ),
    Column("registration_kind", "Вид номера", ("registration kind",)),
    Column(
        "organisation",
        "Организация",
        ("наименование организации", "organisation", "organization"),
        _max_length(Organisation, "name"),
    ),
    Column(
        "full_name",
        "Полное наименование",
        ("full name",),
        _max_length(Organisation, "full_name"),
    ),
    Column("inn", "ИНН", ("inn",)),
    Column("kpp", "КПП", ("kpp",)),
    Column("partner_code", "Код партнёра", ("partner code",)),
    Column("product", "Продукт", ("product",)),
    Column("contract_kind", "Вид договора", ("contract kind",)),
    Column(
        "contract_number",
        "Номер договора",
        ("contract number",),
        _max_length(Contract, "number"),
    ),
    Column("valid_from", "Действует с", ("дата начала", "valid from")),
    Column("valid_to", "Действует по", ("действует до", "дата окончания", "valid to")),
    # R21: the contract's level; the regulation's contract kinds name their own column for it
    # (`level_column`, «Уровень ИТС» in the 1C:CRM file) and list their levels.
    Column("its_level", "Уровень договора", ("contract level", "its level")),
)
TITLES = {c.key: c.title for c in COLUMNS}
_ORDER = {c.key: i for i, c in enumerate(COLUMNS)}
REQUIRED_COLUMNS = ("registration_number", "product", "contract_kind", "valid_from", "valid_to")

MAIN = RegistrationNumber.Kind.MAIN
NFR = RegistrationNumber.Kind.NFR

_REGISTRATION_KINDS = {
    "": MAIN,
    "основная поставка": MAIN,
    "основная": MAIN,
    "main": MAIN,
    "nfr": NFR,
    "nfr-версия": NFR,
    "nfr-версия партнера": NFR,
}
_KPP = re.compile(r"\d{4}[\dA-Z]{2}\d{3}")
_RU_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_CHUNK = 500  # keeps `__in` lists under every backend's parameter limit
# Columns read from a sheet: the registry has 13; a sheet may carry a few of its own.
MAX_COLUMNS = 64
_MB = 1024 * 1024


def max_rows() -> int:
    return settings.IMPORT_MAX_ROWS


class ImportFileError(Exception):
    """The file cannot be read as a contract registry at all; the message is Russian."""


@dataclass(frozen=True)
class RawRow:
    line: int  # the row number the user sees in Excel; the header is row 1
    values: dict[str, Cell]  # column key -> cell as read


@dataclass(frozen=True)
class RowError:
    line: int
    column: str  # column key
    message: str

    def __str__(self) -> str:
        return f"Строка {self.line}, «{column_title(self.column)}»: {self.message}"


@dataclass
class OrgItem:
    line: int
    inn: str
    name: str
    kpp: str
    full_name: str
    existing: Organisation | None = None


@dataclass
class RegItem:
    line: int
    number: str
    kind: str
    product: Product
    inn: str  # holder of a main delivery
    partner: Partner | None  # holder of an NFR
    existing: RegistrationNumber | None = None


@dataclass
class ContractItem:
    line: int
    registration: str
    kind: str
    number: str
    valid_from: dt.date
    valid_to: dt.date
    its_level: str
    existing: Contract | None = None


@dataclass
class LinkItem:
    line: int
    partner: Partner
    inn: str  # the organisation the partner serves
    existing: PartnerClient | None = None


@dataclass
class Plan:
    rows: int
    errors: list[RowError] = field(default_factory=list)
    organisations: dict[str, OrgItem] = field(default_factory=dict)  # by INN
    registrations: dict[str, RegItem] = field(default_factory=dict)  # by number
    contracts: dict[tuple[str, str, str], ContractItem] = field(default_factory=dict)
    links: dict[tuple[str, str], LinkItem] = field(default_factory=dict)  # by (code, INN)


@dataclass
class Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return f"создано {self.created}, обновлено {self.updated}, без изменений {self.unchanged}"


@dataclass
class ImportReport:
    rows: int
    errors: list[RowError] = field(default_factory=list)
    organisations: Tally = field(default_factory=Tally)
    registrations: Tally = field(default_factory=Tally)
    contracts: Tally = field(default_factory=Tally)
    links: Tally = field(default_factory=Tally)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


# --- 1. Reading ---------------------------------------------------------------------------


def _norm(text: str) -> str:
    text = text.replace("\u00a0", " ").replace("_", " ").casefold().replace("ё", "е")
    return " ".join(text.split()).strip(" *:")


def _token(text: str) -> str:
    return _norm(text).replace(" ", "").replace("1c", "1с").strip("«»\"'")


def _contract_kinds() -> dict[str, str]:
    """{spelling: kind id} of the regulation's contract kinds (R21): its id, its names and its
    aliases, as _token() forms (no spaces, Latin «1c» read as Cyrillic «1с»)."""
    spellings = {}
    for kind in rules.regulation().contracts:
        for spelling in (kind.id, kind.name.ru, kind.name.en or "", *kind.aliases):
            if spelling:
                spellings[_token(spelling)] = kind.id
    return spellings


_HEADERS = {_norm(alias): c.key for c in COLUMNS for alias in (c.title, c.key, *c.aliases)}


def _headers() -> dict[str, str]:
    """The header spellings: the fixed columns' and the regulation's level columns (R21)."""
    headers = dict(_HEADERS)
    for kind in rules.regulation().contracts:
        if kind.level_column:
            headers[_norm(kind.level_column)] = "its_level"
    return headers


def column_title(key: str) -> str:
    """A column's title; the level column's is the regulation's (R21: «Уровень ИТС»)."""
    if key == "its_level":
        for kind in rules.regulation().contracts:
            if kind.level_column:
                return kind.level_column
    return TITLES[key]


def _level_spellings(kind: ContractKind) -> dict[str, str]:
    """{spelling: level id} of a contract kind's levels, as _token() forms."""
    spellings = {}
    for level in kind.levels:
        for spelling in (level.id, level.name.ru, level.name.en or "", *level.aliases):
            if spelling:
                spellings[_token(spelling)] = level.id
    return spellings


def _read_level(text: str, kind_id: str | None, error: Callable[[str, str], None]) -> str:
    """R21: the contract's level from the level column, checked against the kind's levels in
    the regulation; "" for an empty cell."""
    if not text:
        return ""
    kinds = rules.regulation().contracts
    title = column_title("its_level")
    named = title[:1].lower() + title[1:]
    with_levels = [k for k in kinds if k.levels]
    kind = next((k for k in kinds if k.id == kind_id), None)
    if kind is not None and not kind.levels:
        if with_levels:
            names = ", ".join(k.name.ru for k in with_levels)
            error("its_level", f"{named} указывается только для договора {names}")
        else:
            error("its_level", "у договоров этой линии нет уровней: столбец оставляют пустым")
        return ""
    candidates = [kind] if kind is not None else with_levels
    for candidate in candidates:
        if (level_id := _level_spellings(candidate).get(_token(text))) is not None:
            return level_id
    known = ", ".join(dict.fromkeys(lv.name.ru for k in candidates for lv in k.levels)) or "нет"
    error("its_level", f"неизвестный {named} «{text}»; допустимо: {known}")
    return ""


def read_rows(path: Path) -> list[RawRow]:
    """The data rows of a CSV or XLSX file, keyed by column; raises ImportFileError."""
    if not path.exists():
        raise ImportFileError(f"Файл «{path}» не найден")
    if not path.is_file():
        raise ImportFileError(f"«{path}» — не файл")
    size_limit = settings.IMPORT_MAX_FILE_BYTES
    if path.stat().st_size > size_limit:
        raise ImportFileError(
            f"Файл «{path.name}» больше допустимых {_megabytes(size_limit)}; "
            "разделите реестр на несколько файлов"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"Файл «{path}» не прочитан: {exc.strerror}") from None
    table: Iterable[Sequence[Cell]]
    if not data.strip():
        raise ImportFileError(f"Файл «{path.name}» пуст")
    if data.startswith(b"PK\x03\x04"):
        table = _xlsx_table(data, path.name)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            f"Файл «{path.name}» в старом формате XLS (Excel 97–2003); "
            "сохраните его как XLSX или CSV"
        )
    elif path.suffix.lower() in (".csv", ".txt"):
        table = _csv_table(data, path.name)
    else:
        raise ImportFileError(f"Файл «{path.name}» не является таблицей CSV или XLSX")
    return _rows_from_table(table, path.name)


def _megabytes(size: int) -> str:
    return f"{size / _MB:.0f} МБ" if size >= _MB else f"{size} байт"


def _utf16_without_bom(data: bytes) -> str | None:
    """ "utf-16-le" / "utf-16-be" when the bytes look like BOM-less UTF-16 text (Excel's
    «Unicode text»): an even length and a zero in every other byte of the first ones."""
    head = data[:4000]
    if len(data) % 2 or len(head) < 16:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) >= 0.4 * len(odd) and not even.count(0):
        return "utf-16-le"
    if even.count(0) >= 0.4 * len(even) and not odd.count(0):
        return "utf-16-be"
    return None


def _csv_text(data: bytes, name: str) -> str:
    encoding = None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif b"\x00" in data:
        encoding = _utf16_without_bom(data)
        if encoding is None:
            raise ImportFileError(f"Файл «{name}» не похож на текстовый CSV")
    if encoding is not None:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            raise ImportFileError(
                f"Файл «{name}» в кодировке UTF-16 повреждён (обрыв или неполный символ); "
                "сохраните его заново как CSV (UTF-8)"
            ) from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Excel in Russian Windows saves «CSV (разделители — запятые)» in windows-1251.
            text = data.decode("cp1251", errors="replace")
    if "\x00" in text:
        raise ImportFileError(f"Файл «{name}» содержит символ NUL: это не текстовый CSV")
    controls = sum(1 for ch in text[:10_000] if ch < " " and ch not in "\r\n\t")
    if controls > len(text[:10_000]) // 100:
        raise ImportFileError(f"Файл «{name}» не похож на текстовый CSV")
    return text


def _csv_table(data: bytes, name: str) -> list[list[str]]:
    text = _csv_text(data, name)
    header = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=header.count)  # ties go to «;», what Excel in Russia writes
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise ImportFileError(f"Файл «{name}» не читается как CSV: {exc}") from exc


def _check_xlsx_archive(data: bytes, name: str) -> None:
    """What the zip's directory says, before openpyxl unpacks anything: a book, of a size that
    fits. zipfile stops every member at its declared size, so the declared sizes bound the
    work (a member that unpacks to more fails its CRC check)."""
    unreadable = f"Не удалось прочитать XLSX-файл «{name}»: файл повреждён или это не книга Excel"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise ImportFileError(unreadable) from None
    names = {member.filename for member in members}
    if not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
        raise ImportFileError(
            f"Файл «{name}» — zip-архив, но не книга Excel (XLSX): нет описания книги"
        )
    limit = settings.IMPORT_XLSX_MAX_BYTES
    unpacked = sum(member.file_size for member in members)
    if unpacked > limit or len(members) > 10_000:
        raise ImportFileError(
            f"Книга «{name}» в распакованном виде больше {_megabytes(limit)} "
            f"({_megabytes(unpacked)}): это не реестр договоров; разделите его на несколько файлов"
        )


def _xlsx_table(data: bytes, name: str) -> Iterable[Sequence[Cell]]:
    _check_xlsx_archive(data, name)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl on an untrusted file: any error means "unreadable"
        raise ImportFileError(
            f"Не удалось прочитать XLSX-файл «{name}»: файл повреждён или это не книга Excel"
        ) from exc
    try:
        if not book.worksheets:
            raise ImportFileError(f"В книге «{name}» нет ни одного листа")
        sheet = book.worksheets[0]
        # The header, the rows allowed and one more, so that a longer sheet is told apart
        # (_rows_from_table) without reading all of it.
        rows = sheet.iter_rows(max_col=MAX_COLUMNS, max_row=max_rows() + 2, values_only=True)
        return list(rows)
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(
            f"Не удалось прочитать лист «{book.worksheets[0].title}» книги «{name}»: "
            f"он повреждён ({type(exc).__name__})"
        ) from exc
    finally:
        book.close()  # a read-only book keeps the file open until closed


def _rows_from_table(table: Iterable[Sequence[Cell]], name: str) -> list[RawRow]:
    lines = iter(table)
    header = next(lines, None)
    if header is None or not any(_text(cell) for cell in header):
        raise ImportFileError(f"В первой строке файла «{name}» нет заголовков столбцов")
    positions: dict[str, int] = {}
    headers = _headers()
    for index, cell in enumerate(header):
        key = headers.get(_norm(_text(cell)))
        if key is None:
            continue
        if key in positions:
            raise ImportFileError(
                f"Столбец «{column_title(key)}» встречается в заголовке дважды "
                f"(столбцы {positions[key] + 1} и {index + 1})"
            )
        positions[key] = index
    missing = [column_title(key) for key in REQUIRED_COLUMNS if key not in positions]
    problems = []
    if missing:
        problems.append("нет обязательных столбцов: " + ", ".join(f"«{t}»" for t in missing))
    if "partner_code" not in positions and not {"organisation", "inn"} <= positions.keys():
        problems.append(
            "нужны столбцы «Организация» и «ИНН» (основная поставка) или «Код партнёра» (NFR-номер)"
        )
    if problems:
        expected = ", ".join(f"«{column_title(c.key)}»" for c in COLUMNS)
        raise ImportFileError(
            f"Файл «{name}»: " + "; ".join(problems) + f". Ожидаемые заголовки: {expected}"
        )
    rows = []
    limit = max_rows()
    for line, cells in enumerate(lines, start=2):
        if line - 1 > limit:
            raise ImportFileError(
                f"В файле «{name}» больше {limit} строк с данными: разделите реестр на части "
                "(предел — настройка IMPORT_MAX_ROWS)"
            )
        values = {
            key: cells[index] if index < len(cells) else None for key, index in positions.items()
        }
        if any(_text(value) for value in values.values()):
            rows.append(RawRow(line, values))
    if not rows:
        raise ImportFileError(f"В файле «{name}» нет строк с данными")
    return rows


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # numbers typed into XLSX cells: INN, registration numbers
    return str(value).replace("\u00a0", " ").strip()


def _date(value: Cell) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    for pattern, order in ((_RU_DATE, (3, 2, 1)), (_ISO_DATE, (1, 2, 3))):
        match = pattern.fullmatch(text)
        if match:
            year, month, day = (int(match.group(i)) for i in order)
            try:
                return dt.date(year, month, day)
            except ValueError:
                return None
    return None


def _ru(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")


# --- 2. Validation ------------------------------------------------------------------------


@dataclass
class _Row:
    line: int
    registration: str
    kind: str
    organisation: str
    full_name: str
    inn: str
    kpp: str
    partner: Partner | None  # holder of an NFR
    serving: Partner | None  # the partner serving the organisation of a main delivery
    product: Product
    contract_kind: str
    contract_number: str
    valid_from: dt.date
    valid_to: dt.date
    its_level: str


def _chunked(queryset: models.QuerySet[M], lookup: str, keys: Iterable[Any]) -> list[M]:
    keys = list(keys)
    found: list[M] = []
    for start in range(0, len(keys), _CHUNK):
        found.extend(queryset.filter(**{f"{lookup}__in": keys[start : start + _CHUNK]}))
    return found


def validate(rows: Sequence[RawRow]) -> Plan:
    """Check every row; the plan either has errors or is ready for `apply`."""
    plan = Plan(rows=len(rows))
    products = {_token(p.name): p for p in Product.objects.all()}
    codes = {_text(row.values.get("partner_code")) for row in rows} - {""}
    codes = {code for code in codes if text_problem(code) is None}  # _parse reports the rest
    partners = {p.code: p for p in _chunked(Partner.objects.all(), "code", codes)}
    for raw in rows:
        row = _parse(raw, products, partners, plan.errors)
        if row is not None:
            _collect(row, plan)
    _match_registries(plan)
    plan.errors.sort(key=lambda e: (e.line, _ORDER[e.column]))
    return plan


def _parse(
    raw: RawRow,
    products: dict[str, Product],
    partners: dict[str, Partner],
    errors: list[RowError],
) -> _Row | None:
    """One row on its own: required values, formats, products and partners."""
    found: list[RowError] = []

    def error(key: str, message: str) -> None:
        found.append(RowError(raw.line, key, message))

    text = {column.key: _text(raw.values.get(column.key)) for column in COLUMNS}
    for column in COLUMNS:
        problem = text_problem(text[column.key])
        if problem == "nul":
            error(column.key, "недопустимый символ NUL (нулевой байт)")
        elif problem == "surrogate":
            error(column.key, "недопустимые символы (одиночные суррогаты UTF-16)")
        elif column.max_length and len(text[column.key]) > column.max_length:
            error(column.key, f"значение длиннее {column.max_length} символов")
    if any(text_problem(value) for value in text.values()):
        errors.extend(found)  # such text is not looked up in the registries
        return None

    def required(*keys: str) -> None:
        for key in keys:
            if not text[key]:
                error(key, "не заполнено")

    required("registration_number", "product", "contract_kind")

    kind = _REGISTRATION_KINDS.get(_norm(text["registration_kind"]))
    if kind is None:
        error(
            "registration_kind",
            f"неизвестный вид номера «{text['registration_kind']}»; "
            "допустимо: основная поставка, NFR",
        )
    named = partners.get(text["partner_code"]) if text["partner_code"] else None
    if text["partner_code"] and named is None:
        error(
            "partner_code",
            f"партнёр с кодом «{text['partner_code']}» не найден в реестре партнёров",
        )
    partner = serving = None
    if kind == MAIN:
        required("organisation", "inn")
        serving = named  # R1: the partner that serves this organisation
    elif kind == NFR:
        required("partner_code")
        for key in ("organisation", "full_name", "inn", "kpp"):
            if text[key]:
                error(key, "для NFR-номера не указывается: номер принадлежит партнёру")
        partner = named

    if text["inn"] and (message := inn_error(text["inn"])):
        error("inn", message)
    if text["kpp"]:
        if not _KPP.fullmatch(text["kpp"]):
            error("kpp", "КПП должен состоять из 9 цифр")
        elif len(text["inn"]) == 12:
            error("kpp", "у индивидуального предпринимателя (ИНН из 12 цифр) нет КПП")

    product = products.get(_token(text["product"]))
    if text["product"] and product is None:
        error(
            "product",
            f"продукт «{text['product']}» не найден в реестре продуктов; "
            "продукты заводит администратор",
        )

    contract_kind = _contract_kinds().get(_token(text["contract_kind"]))
    if text["contract_kind"] and contract_kind is None:
        known = ", ".join(kind.name.ru for kind in rules.regulation().contracts) or "нет"
        error(
            "contract_kind",
            f"неизвестный вид договора «{text['contract_kind']}»; допустимо: {known}",
        )
    its_level = _read_level(text["its_level"], contract_kind, error)

    dates: dict[str, dt.date] = {}
    for key in ("valid_from", "valid_to"):
        if not text[key]:
            required(key)
        elif (day := _date(raw.values.get(key))) is None:
            error(key, f"«{text[key]}» — не дата; ожидается ДД.ММ.ГГГГ или ГГГГ-ММ-ДД")
        else:
            dates[key] = day
    if len(dates) == 2 and dates["valid_to"] < dates["valid_from"]:
        error(
            "valid_to",
            f"дата окончания {_ru(dates['valid_to'])} раньше даты начала "
            f"{_ru(dates['valid_from'])}",
        )

    errors.extend(found)
    if found:
        return None
    assert kind is not None and product is not None and contract_kind is not None
    return _Row(
        line=raw.line,
        registration=text["registration_number"],
        kind=kind,
        organisation=text["organisation"],
        full_name=text["full_name"],
        inn=text["inn"],
        kpp=text["kpp"],
        partner=partner,
        serving=serving,
        product=product,
        contract_kind=contract_kind,
        contract_number=text["contract_number"],
        valid_from=dates["valid_from"],
        valid_to=dates["valid_to"],
        its_level=its_level,
    )


def _level(value: str) -> str:
    """A stored level's name in the regulation (R21); the id itself when no kind has it."""
    for kind in rules.regulation().contracts:
        for level in kind.levels:
            if level.id == value:
                return level.name.ru
    return value


def _contradiction(row: _Row, key: str, line: int, there: str, here: str) -> RowError:
    return RowError(row.line, key, f"противоречит строке {line}: там «{there}», здесь «{here}»")


def _collect(row: _Row, plan: Plan) -> None:
    """Add a parsed row to the plan unless it contradicts an earlier row of the file.

    An empty optional value (КПП, full name, ITS level) does not contradict a filled one.
    """
    found: list[RowError] = []

    org = plan.organisations.get(row.inn) if row.kind == MAIN else None
    if org is not None:
        if org.name != row.organisation:
            found.append(_contradiction(row, "organisation", org.line, org.name, row.organisation))
        for key in ("kpp", "full_name"):
            there, here = getattr(org, key), getattr(row, key)
            if there and here and there != here:
                found.append(_contradiction(row, key, org.line, there, here))

    reg = plan.registrations.get(row.registration)
    if reg is not None:
        if reg.kind != row.kind:
            found.append(
                _contradiction(
                    row,
                    "registration_kind",
                    reg.line,
                    str(RegistrationNumber.Kind(reg.kind).label),
                    str(RegistrationNumber.Kind(row.kind).label),
                )
            )
        elif reg.inn != row.inn:
            found.append(_contradiction(row, "inn", reg.line, reg.inn, row.inn))
        elif reg.partner != row.partner:
            assert reg.partner is not None and row.partner is not None
            found.append(
                _contradiction(row, "partner_code", reg.line, reg.partner.code, row.partner.code)
            )
        if reg.product != row.product:
            found.append(
                _contradiction(row, "product", reg.line, reg.product.name, row.product.name)
            )

    if row.contract_number:
        contract_key = (row.registration, row.contract_kind, "№" + row.contract_number)
    else:
        contract_key = (row.registration, row.contract_kind, row.valid_from.isoformat())
    contract = plan.contracts.get(contract_key)
    if contract is not None:
        for key, there, here in (
            ("valid_from", _ru(contract.valid_from), _ru(row.valid_from)),
            ("valid_to", _ru(contract.valid_to), _ru(row.valid_to)),
            ("its_level", _level(contract.its_level), _level(row.its_level)),
        ):
            if there != here and (key != "its_level" or (there and here)):
                found.append(_contradiction(row, key, contract.line, there, here))

    plan.errors.extend(found)
    if found:
        return
    if row.kind == MAIN:
        if org is None:
            plan.organisations[row.inn] = OrgItem(
                row.line, row.inn, row.organisation, row.kpp, row.full_name
            )
        else:
            org.kpp = org.kpp or row.kpp
            org.full_name = org.full_name or row.full_name
    if row.serving is not None and (row.serving.code, row.inn) not in plan.links:
        plan.links[(row.serving.code, row.inn)] = LinkItem(row.line, row.serving, row.inn)
    if reg is None:
        plan.registrations[row.registration] = RegItem(
            row.line, row.registration, row.kind, row.product, row.inn, row.partner
        )
    if contract is None:
        plan.contracts[contract_key] = ContractItem(
            row.line,
            row.registration,
            row.contract_kind,
            row.contract_number,
            row.valid_from,
            row.valid_to,
            row.its_level,
        )
    else:
        contract.its_level = contract.its_level or row.its_level


def _holder(reg: RegistrationNumber) -> str:
    if reg.organisation is not None:
        return f"организации «{reg.organisation.name}» (ИНН {reg.organisation.inn})"
    assert reg.partner is not None
    return f"партнёру «{reg.partner.name}» (код {reg.partner.code})"


def _match_registries(plan: Plan) -> None:
    """Find the stored objects the plan updates; a registration number may not change hands."""
    for org in _chunked(Organisation.objects.all(), "inn", plan.organisations):
        plan.organisations[org.inn].existing = org

    registrations = _chunked(
        RegistrationNumber.objects.select_related("organisation", "partner"),
        "number",
        plan.registrations,
    )
    for reg in registrations:
        wanted = plan.registrations[reg.number]
        wanted.existing = reg
        if wanted.kind == MAIN:
            same = reg.organisation is not None and reg.organisation.inn == wanted.inn
        else:
            same = wanted.partner is not None and reg.partner_id == wanted.partner.pk
        if not same:
            plan.errors.append(
                RowError(
                    wanted.line,
                    "registration_number",
                    f"номер {reg.number} уже принадлежит {_holder(reg)}",
                )
            )

    inns = {inn for _code, inn in plan.links}
    for link in _chunked(
        PartnerClient.objects.select_related("partner", "organisation"), "organisation__inn", inns
    ):
        planned = plan.links.get((link.partner.code, link.organisation.inn))
        if planned is not None:
            planned.existing = link

    numbers = {reg.pk: reg.number for reg in registrations}
    stored: dict[tuple[str, str], list[Contract]] = {}
    for contract in _chunked(Contract.objects.order_by("pk"), "registration", numbers):
        stored.setdefault((numbers[contract.registration_id], contract.kind), []).append(contract)
    claimed: dict[int, int] = {}  # contract id -> line of the row that updates it
    for item in plan.contracts.values():
        same_kind = stored.get((item.registration, item.kind), [])
        if item.number:
            candidates = [c for c in same_kind if c.number == item.number]
            if not candidates:
                # A contract stored without a number gets the number from the file.
                candidates = [
                    c for c in same_kind if not c.number and c.valid_from == item.valid_from
                ]
        else:
            candidates = [c for c in same_kind if c.valid_from == item.valid_from]
        if len(candidates) > 1:
            plan.errors.append(
                RowError(
                    item.line,
                    "contract_number",
                    f"у номера {item.registration} несколько договоров "
                    f"«{rules.regulation().contract_kind(item.kind).name.ru}» с датой начала "
                    f"{_ru(item.valid_from)}; укажите номер договора",
                )
            )
        elif candidates:
            contract = candidates[0]
            if contract.pk in claimed:
                plan.errors.append(
                    RowError(
                        item.line,
                        "contract_number",
                        f"строки {claimed[contract.pk]} и {item.line} описывают "
                        "один и тот же договор из реестра",
                    )
                )
            claimed[contract.pk] = item.line
            item.existing = contract


# --- 3. Writing ---------------------------------------------------------------------------


def _update(obj: models.Model, tally: Tally, **values: Any) -> None:
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    if changed:
        obj.save(update_fields=changed)
        tally.updated += 1
    else:
        tally.unchanged += 1


def apply(plan: Plan) -> ImportReport:
    """Write a plan without errors; call inside a transaction (see `import_contracts`)."""
    if plan.errors:
        raise ValueError("a plan with errors is never applied")
    report = ImportReport(rows=plan.rows)

    organisations: dict[str, Organisation] = {}
    for org_item in plan.organisations.values():
        org = org_item.existing
        if org is None:
            org = Organisation.objects.create(
                inn=org_item.inn,
                name=org_item.name,
                kpp=org_item.kpp,
                full_name=org_item.full_name,
            )
            report.organisations.created += 1
        else:
            _update(
                org,
                report.organisations,
                name=org_item.name,
                kpp=org_item.kpp or org.kpp,
                full_name=org_item.full_name or org.full_name,
            )
        organisations[org_item.inn] = org

    registrations: dict[str, RegistrationNumber] = {}
    for reg_item in plan.registrations.values():
        holder: dict[str, Any]
        if reg_item.kind == MAIN:
            holder = {"organisation_id": organisations[reg_item.inn].pk}
        else:
            assert reg_item.partner is not None
            holder = {"partner_id": reg_item.partner.pk}
        reg = reg_item.existing
        if reg is None:
            reg = RegistrationNumber.objects.create(
                number=reg_item.number, kind=reg_item.kind, product=reg_item.product, **holder
            )
            report.registrations.created += 1
        else:
            _update(
                reg,
                report.registrations,
                kind=reg_item.kind,
                product_id=reg_item.product.pk,
                **holder,
            )
        registrations[reg_item.number] = reg

    for link in plan.links.values():
        if link.existing is None:
            PartnerClient.objects.create(
                partner=link.partner,
                organisation=organisations[link.inn],
                source=PartnerClient.Source.IMPORT,
            )
            report.links.created += 1
        else:
            report.links.unchanged += 1

    for item in plan.contracts.values():
        if item.existing is None:
            Contract.objects.create(
                registration=registrations[item.registration],
                kind=item.kind,
                number=item.number,
                valid_from=item.valid_from,
                valid_to=item.valid_to,
                its_level=item.its_level,
            )
            report.contracts.created += 1
        else:
            contract = item.existing
            _update(
                contract,
                report.contracts,
                number=item.number or contract.number,
                valid_from=item.valid_from,
                valid_to=item.valid_to,
                its_level=item.its_level or contract.its_level,
            )
    return report


def import_contracts(
    *, rows_source: str | Path | Sequence[RawRow], dry_run: bool = False
) -> ImportReport:
    """Import a registry file (or rows already read) all or nothing.

    Returns a report whose `errors` are empty when the import was written; with errors, or with
    `dry_run`, nothing is written. An unreadable file raises ImportFileError.
    """
    if isinstance(rows_source, str | Path):
        rows = read_rows(Path(rows_source))
    else:
        rows = list(rows_source)
    with transaction.atomic():
        plan = validate(rows)
        if plan.errors:
            return ImportReport(rows=plan.rows, errors=plan.errors, dry_run=dry_run)
        report = apply(plan)
        report.dry_run = dry_run
        if dry_run:
            transaction.set_rollback(True)
    return report
