"""Issue 16 §5: last period replayed under an uploaded draft regulation, side by side with the
real figures, changing nothing (R21)."""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources

from django.core.files.uploadedfile import SimpleUploadedFile

from supportline.regulation import parse_regulation
from supportline.reports.figures import Period, compute_report
from supportline.reports.whatif import what_if
from supportline.tickets.models import Ticket, TicketEvent
from tests.desk.conftest import html
from tests.reports.conftest import Desk, Month

SHIPPED = resources.files("supportline.regulation").joinpath("1c-crm.toml").read_text("utf-8")
NOVEMBER = Period(dt.date(2026, 11, 1), dt.date(2026, 11, 30))


def draft_text(
    *, standard_reaction: int = 480, operational: tuple[int, int] = (240, 480), end: str = "18:00"
) -> str:
    text = SHIPPED.replace('id = "1c-crm"', 'id = "1c-crm"\nversion = "draft-2027"', 1)
    text = text.replace(
        "reaction_minutes = 480      # 8 working hours\nresolution_minutes = 1440",
        f"reaction_minutes = {standard_reaction}\nresolution_minutes = 1440",
    )
    text = text.replace(
        "reaction_minutes = 240      # 4 working hours\nresolution_minutes = 480 ",
        f"reaction_minutes = {operational[0]}\nresolution_minutes = {operational[1]} ",
    )
    text = text.replace('end = "18:00"', f'end = "{end}"')
    if end < "17:00":
        text = text.replace('short_day_end = "17:00"', f'short_day_end = "{end}"')
    return text


def _state(tickets: list[Ticket]) -> list[tuple[object, ...]]:
    return [
        (t.pk, t.status, t.level, t.reaction_state, t.resolution_state, t.sla_frozen, t.updated_at)
        for t in Ticket.objects.order_by("pk")
    ] + [(TicketEvent.objects.count(),)]


def test_whatif_same_regulation_changes_no_verdict(month: Month) -> None:
    result = what_if(parse_regulation(SHIPPED), NOVEMBER)
    assert result["changed"] == []
    report = compute_report(NOVEMBER)
    real = {lv["level"]: lv for lv in report["levels"]}
    for lv in result["levels"]:
        assert lv["real"] == lv["draft"]
        assert lv["real"]["reaction"] == real[lv["level"]]["reaction"]


def test_whatif_stricter_and_looser_targets_gain_and_lose_breaches(month: Month) -> None:
    before = _state(month.tickets)
    draft = parse_regulation(draft_text(standard_reaction=30, operational=(2400, 4800)))
    result = what_if(draft, NOVEMBER)
    levels = {lv["level"]: lv for lv in result["levels"]}
    assert levels["standard"]["breaches_gained"] > 0
    assert (
        levels["standard"]["draft"]["reaction"]["met_pct"]
        < levels["standard"]["real"]["reaction"]["met_pct"]
    )
    assert levels["operational"]["breaches_lost"] > 0
    assert levels["operational"]["draft"]["reaction"]["met_pct"] == 100.0
    assert result["draft"]["version"] == "draft-2027"
    assert _state(month.tickets) == before  # nothing changed


def test_whatif_shorter_working_day_counts_fewer_working_hours(month: Month) -> None:
    short = what_if(parse_regulation(draft_text(end="15:00")), NOVEMBER)
    real = compute_report(NOVEMBER)
    std = next(lv for lv in short["levels"] if lv["level"] == "standard")
    real_std = next(lv for lv in real["levels"] if lv["level"] == "standard")
    # Fewer working hours a day: the same tickets used less working time.
    assert std["draft"]["resolution"]["p90_minutes"] < real_std["resolution"]["p90_minutes"]


def test_whatif_page_side_by_side_and_supervisors_only(month: Month, desk: Desk) -> None:
    upload = SimpleUploadedFile("draft.toml", draft_text(standard_reaction=30).encode())
    response = desk.supervisor.post(
        "/desk/reports/what-if/", {"draft": upload, "start": "2026-11-01", "end": "2026-11-30"}
    )
    assert response.status_code == 200
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html(response)))
    assert "Реакция в срок, % (факт)" in text and "Реакция в срок, % (проект)" in text
    assert "draft-2027" in text
    assert desk.consultant.post("/desk/reports/what-if/", {}).status_code == 403


def test_whatif_bad_upload_is_a_clear_russian_error(month: Month, desk: Desk) -> None:
    broken = SHIPPED.replace("reaction_minutes = 240", "reaction_minutes = -5")
    for content, words in (
        (broken.encode(), "levels[0].reaction_minutes"),
        (b"\xff\xfe not utf-8", "UTF-8"),
        (b"[[levels]\nid=", "синтаксическая ошибка TOML"),
        (b"x" * (300 * 1024), "КБ"),
    ):
        upload = SimpleUploadedFile("draft.toml", content)
        response = desk.supervisor.post("/desk/reports/what-if/", {"draft": upload})
        assert response.status_code == 400
        page = html(response)
        assert words in page, words
        assert "ошибка в регламенте" in page or "КБ" in page
