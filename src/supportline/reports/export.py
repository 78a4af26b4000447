"""The report's tables as XLSX (one sheet per table, plus a sheet saying what the report is)
and CSV (one table per file) (issue 16 §3)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from supportline.reports.tables import TABLES, expanded

# Excel's sheet names: at most 31 characters, none of []:*?/\
_SHEET_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def _local(report: dict[str, Any]) -> str:
    """The report's instant in the line's zone, the zone named («01.12.2026 00:00 МСК»)."""
    moment = dt.datetime.fromisoformat(report["as_of"]).astimezone(ZoneInfo(report["zone"]))
    return f"{moment:%d.%m.%Y %H:%M} {report['zone_label'] or report['zone']}"


def about_rows(report: dict[str, Any]) -> list[list[Any]]:
    """What the report is: period, zone, regulation and calendar versions, the norm."""
    return [
        [_("Период"), f"{report['first_day']} — {report['last_day']}"],
        [_("Данные на"), _local(report)],
        [_("Часовой пояс"), f"{report['zone']} ({report['zone_label']})"],
        [_("Регламент"), f"{report['regulation']['id']} {report['regulation']['version']}"],
        [
            _("Версии регламента у обращений"),
            ", ".join(report["regulation"]["ticket_versions"]) or "—",
        ],
        [_("Календарь"), f"{report['calendar']['id']} {report['calendar']['version']}"],
        [_("Норма рабочих дней"), report["norm"]["working_days"]],
        [_("Норма рабочих часов"), report["norm"]["working_hours"]],
        [
            _("Отчёт закрытого месяца (не пересчитывается)"),
            _("да") if report.get("frozen") else _("нет"),
        ],
    ]


def _safe(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula is written as text (CSV/XLSX
    injection: organisation names and comments come from clients)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_xlsx(report: dict[str, Any]) -> bytes:
    book = Workbook()
    about = book.active
    assert about is not None
    about.title = _("Отчёт")[:31]
    for row in about_rows(report):
        about.append([_safe(v) for v in row])
    used = {about.title}
    for table in expanded(report["tables"]):
        name = table["title"].translate(_SHEET_FORBIDDEN)[:31]
        while name in used:
            name = name[:28] + f"~{len(used)}"
        used.add(name)
        sheet = book.create_sheet(name)
        sheet.append(table["columns"])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table["rows"]:
            sheet.append([_safe(v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_csv(report: dict[str, Any], table_id: str) -> str:
    """One table as CSV (UTF-8 with BOM so spreadsheet programs read Cyrillic; `;` separated,
    as Russian Excel expects)."""
    spec = TABLES[table_id]
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerow([str(c) for c in spec.columns])
    for row in report["tables"].get(table_id, []):
        writer.writerow(["" if v is None else _safe(v) for v in row])
    return out.getvalue()
