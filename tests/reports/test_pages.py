"""Issue 16 §1-§3, §8: the report page with its charts, the export, and the API — supervisors
only; every table also in XLSX and CSV."""

from __future__ import annotations

import datetime as dt
import io
import re

import time_machine
from openpyxl import load_workbook

from supportline.api.models import ApiToken
from supportline.reports.tables import TABLES
from tests.desk.conftest import html
from tests.reports.conftest import Desk, Month, msk

Q = {"from": "2026-11-01", "to": "2026-11-30"}


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_report_page_shows_every_section_with_a_table_behind_each_chart(
    month: Month, desk: Desk
) -> None:
    response = desk.supervisor.get("/desk/reports/", Q)
    assert response.status_code == 200
    page = html(response)
    text = _text(page)
    for spec in TABLES.values():
        assert str(spec.title) in page, spec.title
    assert page.count("<svg") == 6
    assert page.count('role="img"') == 6
    # Each chart is followed by its table (accessible form).
    for chart in ("per_day", "met_per_week", "reaction_histogram", "ageing", "ratings"):
        block = page[page.index(f'id="t-{chart}"') :]
        assert block.index("<svg") < block.index("<table")
    assert "Europe/Moscow" in text and "рабочих часах" in text
    assert re.search(r"Норма рабочих часов 179[.,]0", text)
    # A breach links to the ticket's explained timeline (R11).
    breach = page[page.index('id="t-breaches"') :]
    number = month.tickets[0].number
    assert f'href="/desk/tickets/{number}/"' in breach or "/desk/tickets/" in breach
    assert "Месяц закрыт" in text


def test_report_is_for_supervisors_only(month: Month, desk: Desk) -> None:
    assert desk.consultant.get("/desk/reports/", Q).status_code == 403
    assert desk.client.get("/desk/reports/", Q).status_code == 403
    assert desk.consultant.get("/desk/reports/export.xlsx", Q).status_code == 403


def test_report_refuses_bad_dates_naming_the_field(desk: Desk) -> None:
    response = desk.supervisor.get("/desk/reports/", {"from": "2026-13-01", "to": "2026-11-30"})
    assert response.status_code == 400
    assert "from:" in _text(html(response))
    response = desk.supervisor.get("/desk/reports/", {"from": "2026-11-10", "to": "2026-11-01"})
    assert response.status_code == 400 and "to:" in _text(html(response))


def test_export_xlsx_has_every_table_and_says_which_versions(month: Month, desk: Desk) -> None:
    response = desk.supervisor.get("/desk/reports/export.xlsx", Q)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == len(TABLES) + 1
    about = {row[0]: row[1] for row in book.worksheets[0].iter_rows(values_only=True)}
    assert str(about["Календарь"]).startswith("ru sha256:") or "sha256:" in str(about["Календарь"])
    assert "1c-crm" in str(about["Регламент"])
    levels = book.worksheets[1 + list(TABLES).index("sla_levels")]
    header = next(levels.iter_rows(values_only=True))
    assert header[0] == "Уровень" and "Реакция в срок, %" in header


def test_export_csv_of_one_table(month: Month, desk: Desk) -> None:
    response = desk.supervisor.get("/desk/reports/export.csv", {**Q, "table": "per_day"})
    assert response.status_code == 200
    body = response.content.decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert lines[0] == "День;Обращений" and len(lines) == 31
    assert desk.supervisor.get("/desk/reports/export.csv", {**Q, "table": "x"}).status_code == 400
    assert desk.supervisor.get("/desk/reports/export.pdf", Q).status_code == 404


def _api(desk: Desk, who: str) -> dict[str, str]:
    user = getattr(desk, who).user
    _, raw = ApiToken.issue(user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_api_reports_sla_same_figures_as_the_page(month: Month, desk: Desk) -> None:
    response = desk.supervisor.http.get("/api/v1/reports/sla", Q, **_api(desk, "supervisor"))
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["summary"]["tickets"] == 25
    assert data["frozen"] is True
    assert data["zone"] == "Europe/Moscow"
    assert data["calendar"]["version"].startswith("sha256:")
    ids = [t["id"] for t in data["tables"]]
    assert ids == list(TABLES)
    levels = {lv["level"]: lv for lv in data["levels"]}
    assert levels["standard"]["reaction"]["met_pct"] == 84.2


def test_api_reports_sla_supervisors_only_and_422_naming_the_field(desk: Desk) -> None:
    assert desk.client.http.get("/api/v1/reports/sla", Q).status_code == 401
    r = desk.client.http.get("/api/v1/reports/sla", Q, **_api(desk, "consultant"))
    assert r.status_code == 403
    r = desk.client.http.get("/api/v1/reports/sla", Q, **_api(desk, "client"))
    assert r.status_code == 403
    auth = _api(desk, "supervisor")
    r = desk.client.http.get(
        "/api/v1/reports/sla", {"from": "1.11.2026", "to": "2026-11-30"}, **auth
    )
    assert r.status_code == 422 and set(r.json()["errors"]) == {"from"}
    r = desk.client.http.get(
        "/api/v1/reports/sla", {"from": "2026-11-30", "to": "2026-11-01"}, **auth
    )
    assert r.status_code == 422 and set(r.json()["errors"]) == {"to"}
    r = desk.client.http.get("/api/v1/reports/sla", {"from": "2026-11-01"}, **auth)
    assert r.status_code == 422 and "to" in r.json()["errors"]
    r = desk.client.http.get(
        "/api/v1/reports/sla", {"from": "2024-01-01", "to": "2026-01-01"}, **auth
    )
    assert r.status_code == 422 and "to" in r.json()["errors"]


def test_api_reports_sla_is_in_the_openapi_document_with_every_status(desk: Desk) -> None:
    doc = desk.client.http.get("/api/openapi.json").json()
    operation = doc["paths"]["/api/v1/reports/sla"]["get"]
    assert set(operation["responses"]) == {"200", "401", "403", "422", "429"}
    assert {p["name"] for p in operation["parameters"]} == {"from", "to"}


def test_r21_closed_month_report_does_not_change_when_the_regulation_changes(
    month: Month, desk: Desk, clock: time_machine.Coordinates, settings: object, tmp_path: object
) -> None:
    first = desk.supervisor.get("/desk/reports/export.csv", {**Q, "table": "sla_levels"}).content
    # Later: the calendar gets an override in the closed month (a day off on 10 November).
    from supportline.core import rules
    from supportline.registry.models import CalendarOverride

    CalendarOverride.objects.create(date=dt.date(2026, 11, 10), kind="day_off")
    rules.forget_calendar()
    clock.move_to(msk(2026, 12, 15, 10, 0))
    again = desk.supervisor.get("/desk/reports/export.csv", {**Q, "table": "sla_levels"}).content
    assert again == first
