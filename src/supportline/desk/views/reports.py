"""The supervisor's reports (issue 16): the period report with its charts, its export, and the
what-if replay under a draft regulation. The figures come from `supportline.reports`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from supportline.desk.views.common import supervisor_required
from supportline.regulation import RegulationError
from supportline.reports.charts import Marker, bar_chart, line_chart
from supportline.reports.export import about_rows, to_csv, to_xlsx
from supportline.reports.figures import Period
from supportline.reports.service import current_month, previous_month, sla_report
from supportline.reports.tables import TABLES, TableSpec
from supportline.reports.whatif import MAX_DRAFT_BYTES, read_draft, what_if
from supportline.worktime import MAX_YEAR, MIN_YEAR

# Rows of a table shown on the page; every row is in the XLSX/CSV export.
PAGE_ROWS = 100
# Tables with more columns than this span the page; narrower ones sit side by side.
WIDE_COLUMNS = 4
# A report covers at most this many days (a year and a leap day): bounded work per request.
MAX_DAYS = 366


class PeriodForm(forms.Form):
    # Named like the API's parameters (?from=…&to=…); `from` is a keyword, hence the prefix.
    start = forms.DateField(label=gettext_lazy("С"), required=False)
    end = forms.DateField(label=gettext_lazy("По"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        for name, day in (("start", start), ("end", end)):
            if day is not None and not MIN_YEAR <= day.year < MAX_YEAR:
                self.add_error(
                    name,
                    _("Дата вне лет производственного календаря: %(a)s–%(b)s")
                    % {"a": MIN_YEAR, "b": MAX_YEAR - 1},
                )
        if start and end:
            if end < start:
                self.add_error("end", _("Дата окончания раньше даты начала"))
            elif (end - start).days >= MAX_DAYS:
                self.add_error("end", _("Период не длиннее %(days)d дней") % {"days": MAX_DAYS})
        return data


def period_from(request: HttpRequest) -> tuple[PeriodForm, Period | None]:
    """The period asked for (`from`, `to` as YYYY-MM-DD); this month when none is given."""
    form = PeriodForm({"start": request.GET.get("from", ""), "end": request.GET.get("to", "")})
    month = current_month(timezone.now())
    if not form.is_valid():
        return form, None
    start = form.cleaned_data.get("start") or month.first
    end = form.cleaned_data.get("end") or (
        Period.month_of(start).last if form.cleaned_data.get("start") else month.last
    )
    if end < start or (end - start).days >= MAX_DAYS:
        form.add_error("end", _("Период не длиннее %(days)d дней") % {"days": MAX_DAYS})
        return form, None
    return form, Period(start, end)


def charts(report: dict[str, Any]) -> dict[str, Any]:
    """One SVG per chart; each draws a table that the page shows under it."""
    t = report["tables"]
    result: dict[str, Any] = {}
    result["per_day"] = bar_chart(
        _("Обращения по дням"),
        _("Число зарегистрированных обращений за каждый день периода"),
        [r[0] for r in t["per_day"]],
        [r[1] for r in t["per_day"]],
    )
    result["met_per_week"] = line_chart(
        _("Соблюдение сроков по неделям, %"),
        _("Доля обращений с реакцией и решением в срок по неделям регистрации"),
        [r[0] for r in t["met_per_week"]],
        [
            (_("реакция"), [r[2] for r in t["met_per_week"]]),
            (_("решение"), [r[3] for r in t["met_per_week"]]),
        ],
    )
    for which, title in (
        ("reaction", _("Время реакции, раб. ч")),
        ("resolution", _("Время решения, раб. ч")),
    ):
        spec = report["histograms"][which]
        width = spec["width_minutes"]
        rows = t[f"{which}_histogram"]
        result[f"{which}_histogram"] = bar_chart(
            title,
            _("Число обращений по затраченному рабочему времени; пунктир — цели уровней"),
            [r[0] for r in rows],
            [r[1] for r in rows],
            markers=[
                Marker(min(minutes / width, len(rows)), f"{name}: {minutes // 60} ч")
                for name, minutes in spec["targets"]
            ],
        )
    result["ageing"] = bar_chart(
        _("Возраст открытых обращений, рабочих дней"),
        _("Открытые обращения по числу рабочих дней с регистрации"),
        [r[0] for r in t["ageing"]],
        [r[1] for r in t["ageing"]],
    )
    result["ratings"] = bar_chart(
        _("Оценки клиентов"),
        _("Число оценок каждого балла"),
        [str(r[0]) for r in t["ratings"]],
        [r[1] for r in t["ratings"]],
    )
    return result


def sections(report: dict[str, Any], query: str) -> list[dict[str, Any]]:
    """The page's sections: which tables (with their chart, if any) each one shows."""
    pictures = charts(report)
    layout = [
        (
            _("Объём"),
            [
                "per_day",
                "volume_channel",
                "volume_level",
                "volume_category",
                "volume_configuration",
                "volume_organisation",
                "volume_partner",
            ],
        ),
        (
            _("Сроки (SLA)"),
            [
                "sla_levels",
                "met_per_week",
                "reaction_histogram",
                "resolution_histogram",
                "breaches",
                "level_changes",
            ],
        ),
        (_("Очередь"), ["ageing", "waiting_client", "development"]),
        (_("Консультанты"), ["consultants"]),
        (_("Оценки клиентов"), ["ratings", "low_ratings"]),
        (
            _("Договоры и границы регламента"),
            ["refusals", "redirections", "outdated_release", "exemptions"],
        ),
        (_("Доступ к обновлениям"), ["update_access"]),
    ]
    result = []
    for i, (title, ids) in enumerate(layout):
        tables = []
        for tid in ids:
            rows = report["tables"].get(tid, [])
            table = {"id": tid, "spec": TABLES[tid], "rows": rows[:PAGE_ROWS]}
            table["html"] = table_html(table, query)
            table["shown"] = min(len(rows), PAGE_ROWS)
            table["total"] = len(rows)
            table["chart"] = pictures.get(tid)
            # A table of many columns (or a chart) takes the whole width; small ones share it.
            table["wide"] = table["chart"] is not None or len(TABLES[tid].columns) > WIDE_COLUMNS
            tables.append(table)
        result.append({"title": title, "id": f"s{i}", "tables": tables})
    return result


def _cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return formats.number_format(value)
    return str(value)


def table_html(table: dict[str, Any], query: str) -> SafeString:
    """One report table as HTML (built here rather than in a template loop: a year's report
    has thousands of cells). Every value is escaped; a ticket number links to its timeline."""
    spec: TableSpec = table["spec"]
    link = spec.link
    csv_url = reverse("desk:report_export", args=["csv"]) + f"?{query}&table={table['id']}"
    head = format_html_join("", '<th scope="col">{}</th>', ((c,) for c in spec.columns))
    rows = []
    for row in table["rows"]:
        cells = []
        for i, value in enumerate(row):
            if i == link and value:
                cells.append(
                    format_html(
                        '<th scope="row"><a href="{}">{}</a></th>',
                        reverse("desk:ticket", args=[value]),
                        value,
                    )
                )
            elif value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
                # Figures line up on the right, digits of equal width.
                cells.append(format_html('<td class="num">{}</td>', _cell(value)))
            else:
                cells.append(format_html("<td>{}</td>", _cell(value)))
        rows.append(format_html("<tr>{}</tr>", mark_safe("".join(cells))))  # noqa: S308
    if not rows:
        rows.append(
            format_html('<tr><td colspan="{}">{}</td></tr>', len(spec.columns), _("Нет данных"))
        )
    return format_html(
        '<div class="scroll"><table><caption>{} <a class="export" href="{}">CSV</a></caption>'
        "<thead><tr>{}</tr></thead><tbody>{}</tbody></table></div>",
        spec.title,
        csv_url,
        head,
        mark_safe("".join(rows)),  # noqa: S308 - built from escaped parts above
    )


def _query(period: Period) -> str:
    return f"from={period.first.isoformat()}&to={period.last.isoformat()}"


@require_GET
@supervisor_required
def report(request: HttpRequest) -> HttpResponse:
    form, period = period_from(request)
    if period is None:
        return render(
            request, "desk/reports/report.html", {"form": form, "section": "reports"}, status=400
        )
    data = sla_report(period, now=timezone.now())
    previous = Period.month_of(period.first - dt.timedelta(days=1))
    following = Period.month_of(period.last + dt.timedelta(days=1))
    return render(
        request,
        "desk/reports/report.html",
        {
            "form": form,
            "period": period,
            "report": data,
            "about": about_rows(data),
            "sections": sections(data, _query(period)),
            "query": _query(period),
            "previous": _query(previous),
            "following": _query(following),
            "section": "reports",
        },
    )


@require_GET
@supervisor_required
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("xlsx", "csv"):
        raise Http404
    form, period = period_from(request)
    if period is None:
        return HttpResponse(
            "; ".join(str(e) for errors in form.errors.values() for e in errors),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    data = sla_report(period, now=timezone.now())
    name = f"report-{period.first.isoformat()}-{period.last.isoformat()}"
    if fmt == "xlsx":
        response = HttpResponse(
            to_xlsx(data),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    table = request.GET.get("table", "")
    if table not in TABLES:
        return HttpResponse(
            _("Неизвестная таблица отчёта"), status=400, content_type="text/plain; charset=utf-8"
        )
    response = HttpResponse(to_csv(data, table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{table}.csv"'
    return response


class DraftForm(forms.Form):
    draft = forms.FileField(label=gettext_lazy("Файл регламента (TOML)"))
    start = forms.DateField(label=gettext_lazy("С"), required=False)
    end = forms.DateField(label=gettext_lazy("По"), required=False)


@require_http_methods(["GET", "POST"])
@supervisor_required
def whatif(request: HttpRequest) -> HttpResponse:
    """Issue 16 §5: last period replayed under an uploaded draft; nothing is changed."""
    now = timezone.now()
    period = previous_month(now)
    form = DraftForm(request.POST or None, request.FILES or None)
    result = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            start = form.cleaned_data.get("start") or period.first
            end = form.cleaned_data.get("end") or (
                period.last if not form.cleaned_data.get("start") else Period.month_of(start).last
            )
            upload = form.cleaned_data["draft"]
            if end < start or (end - start).days >= MAX_DAYS:
                form.add_error("end", _("Период не длиннее %(days)d дней") % {"days": MAX_DAYS})
                status = 400
            elif upload.size > MAX_DRAFT_BYTES:
                form.add_error(
                    "draft",
                    _("Файл больше %(kb)d КБ: это не файл регламента")
                    % {"kb": MAX_DRAFT_BYTES // 1024},
                )
                status = 400
            else:
                try:
                    draft = read_draft(upload.read(), upload.name or "draft.toml")
                except RegulationError as error:
                    form.add_error("draft", str(error))
                    status = 400
                else:
                    period = Period(start, end)
                    result = what_if(draft, period, now=now)
        else:
            status = 400
    return render(
        request,
        "desk/reports/whatif.html",
        {"form": form, "result": result, "period": period, "section": "reports"},
        status=status,
    )
