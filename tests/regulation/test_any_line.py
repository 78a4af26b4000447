"""R21 any line: the defect/wish target levels, the withdrawn-product category and the zone's
label come from the regulation file, not from code."""

from __future__ import annotations

from pathlib import Path

import pytest

import supportline.regulation
from supportline.regulation import RegulationError, parse_regulation

SHIPPED = (Path(supportline.regulation.__file__).parent / "1c-crm.toml").read_text("utf-8")


def test_r21_shipped_file_names_the_transfer_levels_withdrawn_category_and_zone_label() -> None:
    regulation = parse_regulation(SHIPPED)
    assert regulation.defect_level_id == "operational"
    assert regulation.wish_level_id == "development_request"
    withdrawn = regulation.withdrawn_category()
    assert withdrawn is not None and withdrawn.id == "withdrawn_product"
    label = regulation.working_hours.zone_label
    assert label is not None and (label.ru, label.en) == ("МСК", "MSK")


def test_r21_another_file_chooses_its_own_levels_and_labels() -> None:
    text = (
        SHIPPED.replace('defect_level = "operational"', 'defect_level = "standard"')
        .replace('zone_label = { ru = "МСК", en = "MSK" }', "")
        .replace("withdrawn_products = true", "")
    )
    regulation = parse_regulation(text)
    assert regulation.defect_level_id == "standard"
    assert regulation.working_hours.zone_label is None
    assert regulation.withdrawn_category() is None


def test_r21_a_transfer_level_the_file_does_not_have_is_refused() -> None:
    with pytest.raises(RegulationError, match="defect_level"):
        parse_regulation(SHIPPED.replace('defect_level = "operational"', 'defect_level = "x1"'))


def test_r21_the_zone_label_follows_the_regulation(settings: object, tmp_path: Path) -> None:
    import datetime as dt

    from supportline.core import rules
    from supportline.core.formatting import msk

    other = tmp_path / "other.toml"
    other.write_text(
        SHIPPED.replace('time_zone = "Europe/Moscow"', 'time_zone = "Asia/Yekaterinburg"').replace(
            'zone_label = { ru = "МСК", en = "MSK" }', 'zone_label = { ru = "ЕКБ", en = "YEKT" }'
        ),
        encoding="utf-8",
    )
    settings.REGULATION_FILE = str(other)  # type: ignore[attr-defined]
    settings.DISPLAY_TIME_ZONE = "Asia/Yekaterinburg"  # type: ignore[attr-defined]
    rules.regulation.cache_clear()
    try:
        moment = dt.datetime(2026, 11, 24, 5, 0, tzinfo=dt.UTC)
        from django.utils import translation

        with translation.override("ru"):  # whatever language an earlier test left active
            assert msk(moment) == "24.11.2026 10:00 ЕКБ"
    finally:
        rules.regulation.cache_clear()
