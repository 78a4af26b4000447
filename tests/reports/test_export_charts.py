"""Export and charts without a database: spreadsheet formulas from clients stay text, chart
texts are escaped, and the page reads in English too."""

from __future__ import annotations

import io
import re

from openpyxl import load_workbook

from supportline.reports.charts import Marker, bar_chart, line_chart
from supportline.reports.export import to_csv, to_xlsx
from supportline.reports.tables import TABLES
from tests.desk.conftest import html
from tests.reports.conftest import Desk, Month

REPORT = {
    "first_day": "2026-11-01",
    "last_day": "2026-11-30",
    "as_of": "2026-11-30T21:00:00+00:00",
    "zone": "Europe/Moscow",
    "zone_label": "МСК",
    "regulation": {"id": "1c-crm", "version": "v1", "ticket_versions": ["v1"]},
    "calendar": {"id": "ru", "version": "sha256:abc"},
    "norm": {"working_days": 20, "working_hours": 179.0},
    "tables": {"volume_organisation": [['=HYPERLINK("http://x")', 3], ["ООО «Ромашка»", 2]]},
}


def test_client_text_that_looks_like_a_formula_stays_text() -> None:
    book = load_workbook(io.BytesIO(to_xlsx(REPORT)))
    sheet = book.worksheets[1 + list(TABLES).index("volume_organisation")]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == '\'=HYPERLINK("http://x")'
    assert rows[2] == ("ООО «Ромашка»", 2)
    csv = to_csv(REPORT, "volume_organisation")
    assert "'=HYPERLINK" in csv


def test_charts_escape_their_texts_and_draw_target_lines() -> None:
    svg = bar_chart("<b>", "d&d", ["<x>"], [3], markers=[Marker(2.5, "цель <4 ч>")])
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "&lt;x&gt;" in svg
    assert 'stroke-dasharray="4 3"' in svg and "цель &lt;4 ч&gt;" in svg
    assert svg.startswith("<svg") and 'role="img"' in svg and "<title>" in svg
    line = line_chart("t", "d", ["a", "b"], [("реакция", [50.0, None]), ("решение", [10, 20])])
    assert line.count("<polyline") == 2


def test_report_page_in_english(month: Month, desk: Desk) -> None:
    desk.supervisor.http.cookies["django_language"] = "en"
    page = html(
        desk.supervisor.get(
            "/desk/reports/", {"from": "2026-11-01", "to": "2026-11-30"}, HTTP_ACCEPT_LANGUAGE="en"
        )
    )
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Line report" in text and "SLA compliance by level" in text
    assert "Reaction met, %" in text
