"""`supportline import-contracts FILE`: contracts and registration numbers from CSV / XLSX,
all or nothing, with Russian per-row errors; re-importing the same file changes nothing
(SPEC R2: contracts are held by registration number; R17: INN check digits)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from io import StringIO
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from supportline.registry.importer import (
    ImportFileError,
    ImportReport,
    RawRow,
    import_contracts,
    read_rows,
)
from supportline.registry.models import (
    Contract,
    Organisation,
    Partner,
    Product,
    RegistrationNumber,
)

pytestmark = pytest.mark.django_db

KEYS = (
    "registration_number",
    "registration_kind",
    "organisation",
    "inn",
    "kpp",
    "partner_code",
    "product",
    "contract_kind",
    "contract_number",
    "valid_from",
    "valid_to",
    "its_level",
)
RU = dict(
    zip(
        KEYS,
        (
            "Регистрационный номер",
            "Вид номера",
            "Организация",
            "ИНН",
            "КПП",
            "Код партнёра",
            "Продукт",
            "Вид договора",
            "Номер договора",
            "Действует с",
            "Действует по",
            "Уровень ИТС",
        ),
        strict=True,
    )
)
EN = {key: key for key in KEYS}

ROMASHKA = {"organisation": "ООО «Ромашка»", "inn": "7705123452", "kpp": "770501001"}
VECTOR = {"organisation": "АО «Вектор»", "inn": "5018012341", "kpp": ""}
PARTNER_CODE = "12-345-678"


def row(**values: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "registration_number": "800100001",
        "registration_kind": "основная поставка",
        **ROMASHKA,
        "partner_code": "",
        "product": "1С:CRM",
        "contract_kind": "1С:ИТС",
        "contract_number": "ИТС-1",
        "valid_from": "01.01.2026",
        "valid_to": "31.12.2026",
        "its_level": "ПРОФ",
    }
    return {**base, **values}


def good_rows() -> list[dict[str, Any]]:
    """Four contracts on three registration numbers: two clients and a partner's NFR."""
    return [
        row(),
        row(
            contract_kind="1С:КП Отраслевой",
            contract_number="КП-1",
            its_level="",
        ),
        row(
            registration_number="800200002",
            registration_kind="",
            **VECTOR,
            contract_kind="its",
            contract_number="",
            valid_from="2026-02-01",
            valid_to="2027-01-31",
            its_level="техно",
        ),
        row(
            registration_number="NFR-880099",
            registration_kind="NFR",
            organisation="",
            inn="",
            kpp="",
            partner_code=PARTNER_CODE,
            contract_kind="kp_otraslevoy",
            contract_number="КП-NFR",
            its_level="",
        ),
    ]


def write_csv(
    path: Path,
    rows: list[dict[str, Any]],
    *,
    delimiter: str = ";",
    encoding: str = "cp1251",
    titles: dict[str, str] = RU,
) -> Path:
    buffer = StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([titles[key] for key in KEYS])
    for values in rows:
        writer.writerow([values.get(key, "") for key in KEYS])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[dict[str, Any]], *, titles: dict[str, str] = RU) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([titles[key] for key in KEYS])
    for values in rows:
        sheet.append([values.get(key) or None for key in KEYS])
    book.save(path)
    return path


@pytest.fixture
def registry() -> None:
    Product.objects.create(name="1С:CRM")
    Partner.objects.create(name="ООО «Франч Плюс»", code=PARTNER_CODE, inn="7840123459")


def snapshot() -> tuple[list[dict[str, Any]], ...]:
    """Every row and value of the three registries the import writes."""
    return tuple(
        [dict(values) for values in model.objects.order_by("pk").values()]
        for model in (Organisation, RegistrationNumber, Contract)
    )


def counts(report: ImportReport) -> tuple[tuple[int, int, int], ...]:
    return tuple(
        (tally.created, tally.updated, tally.unchanged)
        for tally in (report.organisations, report.registrations, report.contracts)
    )


def messages(report: ImportReport) -> list[str]:
    return [str(error) for error in report.errors]


def assert_good_rows_imported() -> None:
    romashka = Organisation.objects.get(inn="7705123452")
    assert (romashka.name, romashka.kpp) == ("ООО «Ромашка»", "770501001")
    reg = RegistrationNumber.objects.get(number="800100001")
    assert (reg.kind, reg.organisation, reg.product.name) == ("main", romashka, "1С:CRM")
    its = reg.contracts.get(kind="its")
    assert (its.number, its.valid_from, its.valid_to, its.its_level) == (
        "ИТС-1",
        dt.date(2026, 1, 1),
        dt.date(2026, 12, 31),
        "prof",
    )
    assert reg.contracts.get(kind="kp_otraslevoy").number == "КП-1"
    vector_its = Contract.objects.get(registration__number="800200002")
    assert vector_its.registration.organisation == Organisation.objects.get(inn="5018012341")
    assert (vector_its.kind, vector_its.number, vector_its.its_level) == ("its", "", "techno")
    assert (vector_its.valid_from, vector_its.valid_to) == (
        dt.date(2026, 2, 1),
        dt.date(2027, 1, 31),
    )
    nfr = RegistrationNumber.objects.get(number="NFR-880099")
    assert (nfr.kind, nfr.organisation, nfr.partner) == ("nfr", None, Partner.objects.get())
    assert nfr.contracts.get().kind == "kp_otraslevoy"


# --- Happy paths ---------------------------------------------------------------------------


def test_r2_csv_semicolon_windows_1251_creates_contracts_by_registration_number(
    registry: None, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "договоры.csv", good_rows())
    assert "Ромашка".encode("cp1251") in path.read_bytes()

    report = import_contracts(rows_source=path)

    assert report.ok, messages(report)
    assert report.rows == 4
    assert counts(report) == ((2, 0, 0), (3, 0, 0), (4, 0, 0))
    assert_good_rows_imported()


def test_csv_utf8_bom_with_commas_and_english_headers(registry: None, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "contracts.csv",
        good_rows(),
        delimiter=",",
        encoding="utf-8-sig",
        titles=EN,
    )
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")

    report = import_contracts(rows_source=str(path))

    assert report.ok, messages(report)
    assert counts(report) == ((2, 0, 0), (3, 0, 0), (4, 0, 0))
    assert_good_rows_imported()


def test_xlsx_with_date_cells_numeric_cells_and_text_dates(registry: None, tmp_path: Path) -> None:
    rows = good_rows()
    rows[0].update(valid_from=dt.date(2026, 1, 1), valid_to=dt.datetime(2026, 12, 31))
    rows[1].update(registration_number=800100001)  # typed as a number in Excel
    rows[2].update(inn=5018012341)
    path = write_xlsx(tmp_path / "договоры.xlsx", rows)

    report = import_contracts(rows_source=path)

    assert report.ok, messages(report)
    assert counts(report) == ((2, 0, 0), (3, 0, 0), (4, 0, 0))
    assert_good_rows_imported()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_reimporting_the_same_file_changes_nothing(
    registry: None, tmp_path: Path, kind: str
) -> None:
    if kind == "csv":
        path = write_csv(tmp_path / "договоры.csv", good_rows())
    else:
        path = write_xlsx(tmp_path / "договоры.xlsx", good_rows())
    import_contracts(rows_source=path)
    before = snapshot()

    report = import_contracts(rows_source=path)

    assert report.ok, messages(report)
    assert counts(report) == ((0, 0, 2), (0, 0, 3), (0, 0, 4))
    assert snapshot() == before


def test_extended_valid_to_updates_exactly_one_contract(registry: None, tmp_path: Path) -> None:
    rows = good_rows()
    import_contracts(rows_source=write_csv(tmp_path / "v1.csv", rows))
    organisations, registrations, contracts = snapshot()
    rows[2]["valid_to"] = "31.03.2027"

    report = import_contracts(rows_source=write_csv(tmp_path / "v2.csv", rows))

    assert report.ok, messages(report)
    assert counts(report) == ((0, 0, 2), (0, 0, 3), (0, 1, 3))
    after = snapshot()
    assert after[:2] == (organisations, registrations)
    changed = [(old, new) for old, new in zip(contracts, after[2], strict=True) if old != new]
    assert len(changed) == 1
    old, new = changed[0]
    assert new == {**old, "valid_to": dt.date(2027, 3, 31)}


def test_organisation_matched_by_inn_gets_its_new_name(registry: None, tmp_path: Path) -> None:
    org = Organisation.objects.create(name="Ромашка", inn="7705123452")
    rows = good_rows()

    report = import_contracts(rows_source=write_csv(tmp_path / "a.csv", rows))

    assert report.ok, messages(report)
    assert report.organisations.created == 1  # only «Вектор» is new
    assert report.organisations.updated == 1
    org.refresh_from_db()
    assert (org.name, org.kpp) == ("ООО «Ромашка»", "770501001")
    assert Organisation.objects.count() == 2


def test_empty_optional_cells_keep_stored_values(registry: None, tmp_path: Path) -> None:
    import_contracts(rows_source=write_csv(tmp_path / "v1.csv", good_rows()))
    before = snapshot()
    rows = good_rows()
    rows[0].update(kpp="", its_level="")

    report = import_contracts(rows_source=write_csv(tmp_path / "v2.csv", rows))

    assert report.ok, messages(report)
    assert snapshot() == before


def test_stored_contract_without_number_gets_the_number_from_the_file(
    registry: None, tmp_path: Path
) -> None:
    rows = good_rows()
    rows[0]["contract_number"] = ""
    import_contracts(rows_source=write_csv(tmp_path / "v1.csv", rows))
    rows[0]["contract_number"] = "ИТС-1"

    report = import_contracts(rows_source=write_csv(tmp_path / "v2.csv", rows))

    assert report.ok, messages(report)
    assert report.contracts.created == 0
    assert report.contracts.updated == 1
    assert Contract.objects.filter(kind="its", registration__number="800100001").get().number == (
        "ИТС-1"
    )


def test_identical_duplicate_rows_are_one_contract(registry: None, tmp_path: Path) -> None:
    rows = [row(), row()]

    report = import_contracts(rows_source=write_csv(tmp_path / "a.csv", rows))

    assert report.ok, messages(report)
    assert Contract.objects.count() == 1


@pytest.mark.parametrize(
    "text,kind",
    [
        ("1С:ИТС", "its"),
        ("1c:итс", "its"),  # Latin «c», lower case
        ("ИТС", "its"),
        ("ITS", "its"),
        ("1С:КП Отраслевой", "kp_otraslevoy"),
        ("1С:КП ОТРАСЛЕВОЙ", "kp_otraslevoy"),
        ("КП Отраслевой", "kp_otraslevoy"),
        ("kp_otraslevoy", "kp_otraslevoy"),
    ],
)
def test_contract_kind_is_read_case_insensitively(
    registry: None, tmp_path: Path, text: str, kind: str
) -> None:
    rows = [row(contract_kind=text, its_level="")]

    report = import_contracts(rows_source=write_csv(tmp_path / "a.csv", rows))

    assert report.ok, messages(report)
    assert Contract.objects.get().kind == kind


def test_rows_already_read_can_be_imported_without_a_file(registry: None) -> None:
    rows = [RawRow(2, {**row(), "valid_from": dt.date(2026, 1, 1)})]

    report = import_contracts(rows_source=rows)

    assert report.ok, messages(report)
    assert Contract.objects.get().valid_from == dt.date(2026, 1, 1)


def test_dry_run_reports_but_writes_nothing(registry: None, tmp_path: Path) -> None:
    report = import_contracts(rows_source=write_csv(tmp_path / "a.csv", good_rows()), dry_run=True)

    assert report.ok and report.dry_run
    assert counts(report) == ((2, 0, 0), (3, 0, 0), (4, 0, 0))
    assert snapshot() == ([], [], [])


# --- All or nothing ------------------------------------------------------------------------


def test_one_bad_row_among_good_ones_writes_nothing(registry: None, tmp_path: Path) -> None:
    rows = good_rows()
    rows[1]["inn"] = "7705123453"  # file row 3

    report = import_contracts(rows_source=write_csv(tmp_path / "a.csv", rows))

    assert messages(report) == [
        "Строка 3, «ИНН»: ИНН организации не проходит проверку контрольной цифры"
    ]
    assert counts(report) == ((0, 0, 0), (0, 0, 0), (0, 0, 0))
    assert snapshot() == ([], [], [])


def test_a_bad_row_in_an_update_keeps_the_stored_data(registry: None, tmp_path: Path) -> None:
    import_contracts(rows_source=write_csv(tmp_path / "v1.csv", good_rows()))
    before = snapshot()
    rows = good_rows()
    rows[0]["valid_to"] = "31.12.2027"  # a good change
    rows[3]["valid_to"] = "31.12.2025"  # before valid_from

    report = import_contracts(rows_source=write_csv(tmp_path / "v2.csv", rows))

    assert not report.ok
    assert snapshot() == before


def test_row_numbers_count_blank_rows(registry: None, tmp_path: Path) -> None:
    rows = [row(), {}, row(registration_number="800100002", valid_from="32.01.2026")]

    for path in (write_csv(tmp_path / "a.csv", rows), write_xlsx(tmp_path / "a.xlsx", rows)):
        report = import_contracts(rows_source=path)
        assert [(e.line, e.column) for e in report.errors] == [(4, "valid_from")]


# --- Each validation rule ------------------------------------------------------------------


NFR_ROW = {
    "registration_number": "NFR-1",
    "registration_kind": "NFR",
    "organisation": "",
    "inn": "",
    "kpp": "",
    "partner_code": PARTNER_CODE,
}


@pytest.mark.parametrize(
    "values,expected",
    [
        ({"registration_number": ""}, "«Регистрационный номер»: не заполнено"),
        ({"product": ""}, "«Продукт»: не заполнено"),
        ({"contract_kind": ""}, "«Вид договора»: не заполнено"),
        ({"valid_to": ""}, "«Действует по»: не заполнено"),
        ({"organisation": ""}, "«Организация»: не заполнено"),
        ({"inn": "", "kpp": ""}, "«ИНН»: не заполнено"),
        ({**NFR_ROW, "partner_code": ""}, "«Код партнёра»: не заполнено"),
        (
            {"inn": "7705123453"},
            "«ИНН»: ИНН организации не проходит проверку контрольной цифры",
        ),
        (
            {"inn": "500100732258", "kpp": ""},
            "«ИНН»: ИНН индивидуального предпринимателя не проходит проверку контрольных цифр",
        ),
        ({"inn": "77051234"}, "«ИНН»: ИНН должен содержать 10 цифр"),
        ({"kpp": "77050100"}, "«КПП»: КПП должен состоять из 9 цифр"),
        (
            {"inn": "500100732259"},
            "«КПП»: у индивидуального предпринимателя (ИНН из 12 цифр) нет КПП",
        ),
        (
            {"valid_from": "31.02.2026"},
            "«Действует с»: «31.02.2026» — не дата; ожидается ДД.ММ.ГГГГ или ГГГГ-ММ-ДД",
        ),
        ({"valid_to": "с понедельника"}, "«Действует по»: «с понедельника» — не дата"),
        (
            {"valid_from": "01.07.2026", "valid_to": "30.06.2026"},
            "«Действует по»: дата окончания 30.06.2026 раньше даты начала 01.07.2026",
        ),
        (
            {"contract_kind": "1С:КП"},
            "«Вид договора»: неизвестный вид договора «1С:КП»; допустимо: 1С:ИТС, 1С:КП Отраслевой",
        ),
        (
            {"registration_kind": "дополнительная"},
            "«Вид номера»: неизвестный вид номера «дополнительная»",
        ),
        ({"its_level": "БАЗОВЫЙ"}, "«Уровень ИТС»: неизвестный уровень ИТС «БАЗОВЫЙ»"),
        (
            {"contract_kind": "1С:КП Отраслевой", "its_level": "ПРОФ"},
            "«Уровень ИТС»: уровень ИТС указывается только для договора 1С:ИТС",
        ),
        (
            {"product": "1С:ERP"},
            "«Продукт»: продукт «1С:ERP» не найден в реестре продуктов",
        ),
        (
            {**NFR_ROW, "partner_code": "99-999-999"},
            "«Код партнёра»: партнёр с кодом «99-999-999» не найден в реестре партнёров",
        ),
        (
            {**NFR_ROW, "organisation": "ООО «Ромашка»"},
            "«Организация»: для NFR-номера не указывается",
        ),
        (
            {"partner_code": "99-999-999"},
            "«Код партнёра»: партнёр с кодом «99-999-999» не найден в реестре партнёров",
        ),
        ({"contract_number": "1" * 51}, "«Номер договора»: значение длиннее 50 символов"),
    ],
)
def test_each_rule_reports_the_row_and_column_in_russian(
    registry: None, tmp_path: Path, values: dict[str, Any], expected: str
) -> None:
    rows = [row(registration_number="800999999"), row(**values)]

    report = import_contracts(rows_source=write_csv(tmp_path / "a.csv", rows))

    assert len(report.errors) == 1, messages(report)
    assert messages(report)[0].startswith(f"Строка 3, {expected}")
    assert Contract.objects.count() == 0


def test_r2_registration_number_of_another_organisation_is_a_conflict(
    registry: None, tmp_path: Path
) -> None:
    vector = Organisation.objects.create(name="АО «Вектор»", inn="5018012341")
    RegistrationNumber.objects.create(
        number="800100001", organisation=vector, product=Product.objects.get()
    )

    report = import_contracts(rows_source=write_csv(tmp_path / "a.csv", [row()]))

    assert messages(report) == [
        "Строка 2, «Регистрационный номер»: номер 800100001 уже принадлежит "
        "организации «АО «Вектор»» (ИНН 5018012341)"
    ]
    assert not Organisation.objects.filter(inn="7705123452").exists()


def test_r2_registration_number_of_a_partner_is_a_conflict(registry: None, tmp_path: Path) -> None:
    RegistrationNumber.objects.create(
        number="800100001",
        kind="nfr",
        partner=Partner.objects.get(),
        product=Product.objects.get(),
    )

    report = import_contracts(rows_source=write_csv(tmp_path / "a.csv", [row()]))

    assert messages(report) == [
        "Строка 2, «Регистрационный номер»: номер 800100001 уже принадлежит "
        "партнёру «ООО «Франч Плюс»» (код 12-345-678)"
    ]


@pytest.mark.parametrize(
    "second,expected",
    [
        (
            {"inn": "5018012341", "organisation": "АО «Вектор»", "contract_number": "ИТС-2"},
            "Строка 3, «ИНН»: противоречит строке 2: там «7705123452», здесь «5018012341»",
        ),
        (
            {"registration_number": "800100002", "organisation": "Ромашка"},
            "Строка 3, «Организация»: противоречит строке 2: там «ООО «Ромашка»», здесь «Ромашка»",
        ),
        (
            {"valid_to": "30.06.2026"},
            "Строка 3, «Действует по»: противоречит строке 2: там «31.12.2026», здесь «30.06.2026»",
        ),
        (
            {"its_level": "ТЕХНО"},
            "Строка 3, «Уровень ИТС»: противоречит строке 2: там «ПРОФ», здесь «ТЕХНО»",
        ),
    ],
)
def test_duplicate_rows_that_contradict_each_other(
    registry: None, tmp_path: Path, second: dict[str, Any], expected: str
) -> None:
    report = import_contracts(rows_source=write_csv(tmp_path / "a.csv", [row(), row(**second)]))

    assert messages(report) == [expected]
    assert snapshot() == ([], [], [])


def test_two_stored_contracts_that_a_row_cannot_tell_apart(registry: None, tmp_path: Path) -> None:
    import_contracts(
        rows_source=write_csv(
            tmp_path / "v1.csv", [row(), row(contract_number="ИТС-2", valid_to="30.06.2026")]
        )
    )

    report = import_contracts(rows_source=write_csv(tmp_path / "v2.csv", [row(contract_number="")]))

    assert messages(report) == [
        "Строка 2, «Номер договора»: у номера 800100001 несколько договоров «1С:ИТС» "
        "с датой начала 01.01.2026; укажите номер договора"
    ]


def test_reimport_reads_the_registries_in_a_constant_number_of_queries(
    registry: None, tmp_path: Path
) -> None:
    def queries_for_reimport(rows: list[dict[str, Any]], name: str) -> int:
        path = write_csv(tmp_path / name, rows)
        import_contracts(rows_source=path)
        with CaptureQueriesContext(connection) as queries:
            report = import_contracts(rows_source=path)
        assert report.contracts.unchanged == len(rows)
        return len(queries)

    few = queries_for_reimport(good_rows(), "few.csv")
    many = [
        row(
            registration_number=f"8005{n:05}",
            organisation="ПАО «Сбербанк»",
            inn="7707083893",
            kpp="",
            contract_number=f"ИТС-{n}",
        )
        for n in range(60)
    ]
    assert queries_for_reimport(good_rows() + many, "many.csv") == few


def test_all_errors_are_reported_in_row_order(registry: None, tmp_path: Path) -> None:
    rows = [
        row(product="1С:ERP", inn="1"),
        row(registration_number="800100002", contract_kind="ИТС?", valid_from="2026-13-01"),
    ]

    report = import_contracts(rows_source=write_csv(tmp_path / "a.csv", rows))

    assert [(e.line, e.column) for e in report.errors] == [
        (2, "inn"),
        (2, "product"),
        (3, "contract_kind"),
        (3, "valid_from"),
    ]


# --- Unreadable files ----------------------------------------------------------------------


def _xlsx_bytes_with(header: list[str]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


UNREADABLE = [
    ("missing.csv", None, "не найден"),
    ("empty.csv", b"", "пуст"),
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "старом формате XLS"),
    ("scan.pdf", b"%PDF-1.4 ...", "не является таблицей CSV или XLSX"),
    ("broken.xlsx", b"PK\x03\x04 not really a zip", "Не удалось прочитать XLSX"),
    ("binary.csv", b"\x00\x01\x02\x03", "не похож на текстовый CSV"),
    ("blank-header.csv", b";;;\r\n800100001;1;2\r\n", "нет заголовков"),
    (
        "columns.csv",
        "Регистрационный номер;Организация;ИНН;Вид договора\r\n1;2;3;4\r\n".encode(),
        "нет обязательных столбцов: «Продукт», «Действует с», «Действует по»",
    ),
    (
        "holder.csv",
        "Регистрационный номер;Продукт;Вид договора;Действует с;Действует по\r\n".encode(),
        "нужны столбцы «Организация» и «ИНН»",
    ),
    (
        "twice.csv",
        "ИНН;Регистрационный номер;inn\r\n".encode(),
        "Столбец «ИНН» встречается в заголовке дважды (столбцы 1 и 3)",
    ),
    ("header-only.csv", ";".join(RU.values()).encode("cp1251"), "нет строк с данными"),
    ("header-only.xlsx", _xlsx_bytes_with(list(RU.values())), "нет строк с данными"),
]


@pytest.mark.parametrize("name,content,expected", UNREADABLE, ids=[u[0] for u in UNREADABLE])
def test_unreadable_file_is_one_clear_error(
    tmp_path: Path, name: str, content: bytes | None, expected: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(ImportFileError, match=re.escape(expected)):
        read_rows(path)


# --- The management command ----------------------------------------------------------------


def test_command_imports_and_prints_counts(registry: None, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "договоры.xlsx", good_rows())
    out = StringIO()

    call_command("import_contracts", str(path), stdout=out)

    printed = out.getvalue()
    assert "Импорт выполнен: строк 4" in printed
    assert "Организации: создано 2, обновлено 0, без изменений 0" in printed
    assert "Регистрационные номера: создано 3, обновлено 0, без изменений 0" in printed
    assert "Договоры: создано 4, обновлено 0, без изменений 0" in printed
    assert Contract.objects.count() == 4

    out = StringIO()
    call_command("import_contracts", str(path), stdout=out)
    assert "Договоры: создано 0, обновлено 0, без изменений 4" in out.getvalue()


def test_command_with_bad_rows_prints_each_error_and_fails(registry: None, tmp_path: Path) -> None:
    rows = good_rows()
    rows[0]["inn"] = "7705123453"
    rows[3]["partner_code"] = "00-000-000"
    path = write_csv(tmp_path / "a.csv", rows)
    err = StringIO()

    with pytest.raises(CommandError) as failure:
        call_command("import_contracts", str(path), stdout=StringIO(), stderr=err)

    assert failure.value.returncode == 1  # the exit code of `supportline import-contracts`
    assert "ничего не записано" in str(failure.value)
    assert err.getvalue().splitlines() == [
        "Строка 2, «ИНН»: ИНН организации не проходит проверку контрольной цифры",
        "Строка 5, «Код партнёра»: партнёр с кодом «00-000-000» не найден в реестре партнёров",
    ]
    assert snapshot() == ([], [], [])


def test_command_with_unreadable_file_fails_with_one_message(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="не найден"):
        call_command("import_contracts", str(tmp_path / "нет.csv"), stderr=StringIO())


def test_command_dry_run_writes_nothing(registry: None, tmp_path: Path) -> None:
    out = StringIO()

    call_command(
        "import_contracts", str(write_csv(tmp_path / "a.csv", good_rows())), "--dry-run", stdout=out
    )

    assert "Проверка пройдена, ничего не записано: строк 4" in out.getvalue()
    assert "Договоры: создано 4" in out.getvalue()
    assert Contract.objects.count() == 0


# --- R1: the partner–client link ------------------------------------------------------------


def test_r1_partner_code_on_a_main_delivery_links_the_partner_to_the_organisation(
    registry: None, tmp_path: Path
) -> None:
    from supportline.registry.models import PartnerClient

    rows = good_rows()
    rows[0]["partner_code"] = PARTNER_CODE
    rows[1]["partner_code"] = PARTNER_CODE  # a second contract of the same client: one link
    path = write_csv(tmp_path / "a.csv", rows)

    report = import_contracts(rows_source=path)

    assert report.ok, messages(report)
    link = PartnerClient.objects.get()
    assert (link.partner.code, link.organisation.inn, link.source) == (
        PARTNER_CODE,
        "7705123452",
        PartnerClient.Source.IMPORT,
    )
    assert (report.links.created, report.links.unchanged) == (1, 0)
    # Vector's row has no partner code: no link; the NFR's code is its holder, not a link.
    assert not PartnerClient.objects.filter(organisation__inn="5018012341").exists()
    again = import_contracts(rows_source=path)
    assert (again.links.created, again.links.unchanged) == (0, 1)
    assert PartnerClient.objects.count() == 1


def test_r1_a_link_kept_in_the_admin_is_left_as_it_is_by_a_reimport(
    registry: None, tmp_path: Path
) -> None:
    from supportline.registry.models import PartnerClient

    rows = [row(partner_code=PARTNER_CODE)]
    import_contracts(rows_source=write_csv(tmp_path / "a.csv", rows))
    link = PartnerClient.objects.get()
    link.until = dt.date(2026, 6, 30)
    link.source = PartnerClient.Source.ADMIN
    link.save()
    import_contracts(rows_source=write_csv(tmp_path / "a.csv", rows))
    link.refresh_from_db()
    assert (link.until, link.source) == (dt.date(2026, 6, 30), PartnerClient.Source.ADMIN)


def test_r1_command_prints_the_partner_client_links(registry: None, tmp_path: Path) -> None:
    rows = good_rows()
    rows[0]["partner_code"] = PARTNER_CODE
    out = StringIO()
    call_command("import_contracts", str(write_csv(tmp_path / "a.csv", rows)), stdout=out)
    assert "Партнёры — клиенты: создано 1, обновлено 0, без изменений 0" in out.getvalue()
