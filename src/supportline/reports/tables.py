"""Titles and columns of the report's tables (the page, the export and the API show these).

The report's JSON keeps only rows (`figures.compute_report`); titles are looked up here in the
reader's language. ``link`` is the column holding a ticket number that links to the ticket's
explained timeline (R11) on the desk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


@dataclass(frozen=True)
class TableSpec:
    title: Promise
    columns: tuple[Promise, ...]
    link: int | None = None


_H = _("раб. ч")  # working hours

TABLES: dict[str, TableSpec] = {
    "volume_channel": TableSpec(_("Обращения по каналам"), (_("Канал"), _("Обращений"))),
    "volume_level": TableSpec(_("Обращения по уровням"), (_("Уровень"), _("Обращений"))),
    "volume_category": TableSpec(_("Обращения по категориям"), (_("Категория"), _("Обращений"))),
    "volume_configuration": TableSpec(
        _("Обращения по конфигурациям и релизам"), (_("Конфигурация и версия"), _("Обращений"))
    ),
    "volume_organisation": TableSpec(
        _("Обращения по организациям"), (_("Организация"), _("Обращений"))
    ),
    "volume_partner": TableSpec(_("Обращения по партнёрам"), (_("Партнёр"), _("Обращений"))),
    "per_day": TableSpec(_("Обращения по дням"), (_("День"), _("Обращений"))),
    "sla_levels": TableSpec(
        _("Соблюдение сроков по уровням"),
        (
            _("Уровень"),
            _("Обращений"),
            _("Цель реакции, раб. ч"),
            _("Реакция в срок"),
            _("Реакция нарушена"),
            _("Реакция идёт"),
            _("Реакция в срок, %"),
            _("Медиана реакции, раб. ч"),
            _("90-й перцентиль реакции, раб. ч"),
            _("Цель решения, раб. ч"),
            _("Решение в срок"),
            _("Решение нарушено"),
            _("Решение идёт"),
            _("Решение в срок, %"),
            _("Медиана решения, раб. ч"),
            _("90-й перцентиль решения, раб. ч"),
            _("Доля паузы (ожидание клиента), %"),
        ),
    ),
    "breaches": TableSpec(
        _("Нарушения сроков"),
        (
            _("Обращение"),
            _("Уровень"),
            pgettext_lazy("which SLA clock", "Срок"),
            _("Затрачено, раб. ч"),
            _("Цель, раб. ч"),
            _("Превышение, раб. ч"),
        ),
        link=0,
    ),
    "level_changes": TableSpec(
        _("Изменения уровня"),
        (_("Обращение"), _("Когда"), _("Было"), _("Стало"), _("Причина"), _("Кто")),
        link=0,
    ),
    "met_per_week": TableSpec(
        _("Соблюдение сроков по неделям"),
        (_("Неделя с"), _("Обращений"), _("Реакция в срок, %"), _("Решение в срок, %")),
    ),
    "reaction_histogram": TableSpec(
        _("Распределение времени реакции"), (_("Раб. ч"), _("Обращений"))
    ),
    "resolution_histogram": TableSpec(
        _("Распределение времени решения"), (_("Раб. ч"), _("Обращений"))
    ),
    "ageing": TableSpec(_("Возраст открытых обращений"), (_("Рабочих дней"), _("Обращений"))),
    "waiting_client": TableSpec(
        _("Ожидают ответа клиента"),
        (_("Обращение"), _("Организация"), _("Ожидает с"), _("Рабочих дней")),
        link=0,
    ),
    "development": TableSpec(
        _("В отделе разработки"),
        (_("Обращение"), _("Организация"), _("Задача"), _("Целевой релиз"), _("Плановая дата")),
        link=0,
    ),
    "consultants": TableSpec(
        _("По консультантам"),
        (
            _("Консультант"),
            _("Принято"),
            _("Решено"),
            _("Отклонено клиентом, %"),
            _("Средняя оценка"),
            _("Передачи"),
        ),
    ),
    "ratings": TableSpec(_("Распределение оценок"), (_("Оценка"), _("Обращений"))),
    "low_ratings": TableSpec(
        _("Низкие оценки"),
        (_("Обращение"), _("Оценка"), _("Исполнитель"), _("Комментарий")),
        link=0,
    ),
    "refusals": TableSpec(
        _("Отказы из-за недействующих договоров"),
        (
            _("Организация"),
            _("Партнёр"),
            _("Регистрационный номер"),
            _("Отказов"),
            _("Чего не хватает"),
        ),
    ),
    "redirections": TableSpec(_("Перенаправления по категориям"), (_("Категория"), _("Обращений"))),
    "outdated_release": TableSpec(
        _("Ответы «обновитесь до релиза N»"),
        (_("Конфигурация"), _("Релиз"), _("Ответов")),
    ),
    "exemptions": TableSpec(
        _("Исключения по лицензированию и защите"), (_("Категория"), _("Обращений"))
    ),
    "update_access": TableSpec(
        _("Запросы доступа к обновлениям"),
        (_("Обращение"), _("Организация"), _("Время до предоставления, раб. ч"), _("Статус")),
        link=0,
    ),
}


def expanded(tables: dict[str, list[list[Any]]]) -> list[dict[str, Any]]:
    """The tables with their titles and columns in the active language (API, export)."""
    return [
        {
            "id": table_id,
            "title": str(spec.title),
            "columns": [str(c) for c in spec.columns],
            "rows": tables.get(table_id, []),
        }
        for table_id, spec in TABLES.items()
    ]
