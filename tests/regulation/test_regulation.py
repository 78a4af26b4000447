"""The regulation is data (R21): the shipped 1C:CRM file and the validation of any file."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from importlib import resources
from pathlib import Path

import pytest

from supportline.regulation import (
    KNOWN_CHANNELS,
    RegulationError,
    Text,
    default_regulation,
    load_regulation,
    parse_regulation,
)
from supportline.regulation.loader import DEFAULT_REGULATION_RESOURCE

DEFAULT_TEXT = (
    resources.files("supportline.regulation")
    .joinpath(DEFAULT_REGULATION_RESOURCE)
    .read_text(encoding="utf-8")
)


# --- the shipped 1C:CRM regulation -----------------------------------------------------------


def test_r21_default_regulation_loads_and_is_cached() -> None:
    regulation = default_regulation()
    assert regulation is default_regulation()
    assert regulation.id == "1c-crm"
    assert regulation.line_name.ru == "Линия консультации по продуктам линейки 1С:CRM"
    assert regulation.vendor.get("en") == "1C-Rarus"
    with pytest.raises(dataclasses.FrozenInstanceError):
        regulation.id = "other"  # type: ignore[misc]


def test_r9_r19_working_hours() -> None:
    hours = default_regulation().working_hours
    assert hours.time_zone == "Europe/Moscow"
    assert (hours.start, hours.end, hours.short_day_end) == (
        dt.time(9),
        dt.time(18),
        dt.time(17),
    )
    assert hours.calendar == "ru"
    assert str(hours.tz) == "Europe/Moscow"


def test_r7_r8_r10_levels_and_targets() -> None:
    regulation = default_regulation()
    assert regulation.level_ids == ("operational", "standard", "development_request")
    table = {
        level.id: (level.name.ru, level.reaction_minutes, level.resolution_minutes)
        for level in regulation.levels
    }
    assert table == {
        "operational": ("Оперативная поддержка", 4 * 60, 8 * 60),
        "standard": ("Стандартная поддержка", 8 * 60, 24 * 60),
        "development_request": ("Запрос, пожелание по развитию", 8 * 60, 40 * 60),
    }
    assert regulation.default_level.id == "standard"
    assert regulation.update_access_level_id == "operational"  # R17
    assert regulation.warning_share == 0.75  # R11
    assert regulation.auto_close_working_days == 3  # R13
    with pytest.raises(KeyError):
        regulation.level("vip")


def test_r14_only_operational_is_out_of_turn() -> None:
    assert [level.id for level in default_regulation().levels if level.out_of_turn] == [
        "operational"
    ]


def test_r2_r4_in_scope_categories_and_contract_exemptions() -> None:
    regulation = default_regulation()
    in_scope = [c.id for c in regulation.scope_categories if c.in_scope]
    assert in_scope == [
        "standard_functionality",
        "installation_and_use",
        "licensing",
        "protection_system",
        "best_solution",
    ]
    exempt = [c.id for c in regulation.scope_categories if c.contract_exempt]
    assert exempt == ["licensing", "protection_system"]
    assert all(
        c.redirect_to is None and c.answer is None
        for c in regulation.scope_categories
        if c.in_scope
    )


def test_r3_out_of_scope_categories_redirect_with_a_polite_answer() -> None:
    regulation = default_regulation()
    out = {c.id: c for c in regulation.scope_categories if not c.in_scope}
    assert {cid: c.redirect_to for cid, c in out.items()} == {
        "pc_setup": "franchisee",
        "configuration_programming": "franchisee",
        "third_party_modified": "third_party_developer",
        "withdrawn_product": "franchisee",
        "performance": "franchisee",
        "third_party_software": "third_party_developer",
        "enterprise_server": "franchisee",
    }
    for category in out.values():
        assert category.answer is not None
        text = category.answer.render("ru", number="CRM-17")
        assert text.startswith("Здравствуйте!")
        assert "CRM-17" in text
        assert category.answer.en
    assert "1С:КП" in regulation.scope_category("pc_setup").answer.ru  # type: ignore[union-attr]


def test_r6_r19_r20_channels_addresses_and_offers() -> None:
    regulation = default_regulation()
    assert [c.id for c in regulation.channels] == ["email", "phone", "connect", "portal", "api"]
    assert set(KNOWN_CHANNELS) == {c.id for c in regulation.channels}
    assert regulation.channel("email").name.ru == "Электронная почта"
    assert regulation.channel("email").address == regulation.contacts.support_email
    # R19: the regulation's real contacts.
    assert regulation.contacts.support_email == "crm@rarus.ru"
    assert regulation.contacts.quality_email == "k@rarus.ru"
    assert regulation.channel("phone").address == "+7 (495) 989-46-94"
    assert regulation.channel("connect").address == "ЛК 1C:CRM"
    assert regulation.contacts.quality_email != regulation.contacts.support_email
    assert [o.name.ru for o in regulation.offers] == [
        "Обучающие курсы",
        "Прямые эфиры",
        "Услуги индивидуального сопровождения (по запросу)",
    ]


def test_r2_r4_r7_standard_answers_render_their_placeholders() -> None:
    answers = default_regulation().answers
    refusal = answers.refusal_no_contract.render("ru", number=5, missing="договор 1С:ИТС")
    assert "не найдено: договор 1С:ИТС" in refusal
    assert "1С:Франчайзи" in refusal  # how to obtain the contracts
    assert "релиза 3.1.15" in answers.update_to_current_release.render(
        "ru", number=5, release="3.1.15"
    )
    receipt = answers.receipt.render("ru", number="CRM-1")
    assert "CRM-1" in receipt
    assert "принято к обслуживанию" not in receipt  # R7: a receipt is not the reaction
    acceptance = answers.acceptance.render(
        "en", number="CRM-1", level="Standard support", resolution_due="05.03.2025 15:00"
    )
    assert "accepted for service" in acceptance


def test_text_falls_back_to_russian() -> None:
    text = Text(ru="Привет")
    assert text.get("en") == "Привет"
    assert Text(ru="Привет", en="Hello").get("en") == "Hello"
    assert Text(ru="Привет", en="Hello").get("de") == "Привет"


def test_r21_another_vendors_file_loads_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "other.toml"
    path.write_text(DEFAULT_TEXT.replace('id = "1c-crm"', 'id = "other-vendor"'), encoding="utf-8")
    regulation = load_regulation(path)
    assert regulation.id == "other-vendor"
    assert regulation.levels == default_regulation().levels


def test_r9_toml_local_times_are_accepted() -> None:
    regulation = parse_regulation(DEFAULT_TEXT.replace('start = "09:00"', "start = 09:00:00"))
    assert regulation.working_hours.start == dt.time(9)


# --- validation: every class of error names the key path -------------------------------------


def edited(*replacements: tuple[str, str]) -> str:
    text = DEFAULT_TEXT
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def error_of(text: str) -> RegulationError:
    with pytest.raises(RegulationError) as info:
        parse_regulation(text, source="test.toml")
    return info.value


OPERATIONAL_TARGETS = "reaction_minutes = 240      # 4 working hours"


@pytest.mark.parametrize(
    ("replacement", "path", "problem"),
    [
        # missing and unknown keys
        (('calendar = "ru"', ""), "working_time.calendar", "отсутствует обязательный ключ"),
        (("[line]", '[line]\ncolour = "red"'), "line.colour", "неизвестный ключ"),
        (("schema_version = 1", "schema_version = 2"), "schema_version", "неподдерживаемая версия"),
        # types
        (
            (OPERATIONAL_TARGETS, 'reaction_minutes = "240"'),
            "levels[0].reaction_minutes",
            "ожидается целое число, получено: строка",
        ),
        (
            (OPERATIONAL_TARGETS, "reaction_minutes = true"),
            "levels[0].reaction_minutes",
            "ожидается целое число",
        ),
        (
            ("out_of_turn = true", 'out_of_turn = "yes"'),
            "levels[0].out_of_turn",
            "ожидается логическое значение",
        ),
        # non-positive targets
        (
            ("resolution_minutes = 1440", "resolution_minutes = 0"),
            "levels[1].resolution_minutes",
            "должно быть положительным целым числом, получено: 0",
        ),
        (
            (OPERATIONAL_TARGETS, "reaction_minutes = -5"),
            "levels[0].reaction_minutes",
            "должно быть положительным",
        ),
        # duplicate ids
        (
            ('id = "development_request"', 'id = "standard"'),
            "levels[2].id",
            "повторяющийся идентификатор 'standard'",
        ),
        (
            ('id = "performance"', 'id = "pc_setup"'),
            "scope[9].id",
            "повторяющийся идентификатор 'pc_setup'",
        ),
        (('id = "api"', 'id = "portal"'), "channels[4].id", "повторяющийся идентификатор"),
        # malformed id
        (
            ('id = "operational"', 'id = "Operational"'),
            "levels[0].id",
            "недопустимый идентификатор",
        ),
        # unknown level referenced
        (
            ('default_level = "standard"', 'default_level = "vip"'),
            "sla.default_level",
            "неизвестный уровень 'vip'",
        ),
        (
            ('update_access_level = "operational"', 'update_access_level = "urgent"'),
            "sla.update_access_level",
            "неизвестный уровень 'urgent'",
        ),
        # texts
        (
            (
                'name = { ru = "Оперативная поддержка", en = "Operational support" }',
                'name = { en = "Operational support" }',
            ),
            "levels[0].name.ru",
            "отсутствует обязательный ключ",
        ),
        (
            (
                'name = { ru = "Оперативная поддержка", en = "Operational support" }',
                'name = { ru = "  ", en = "Operational support" }',
            ),
            "levels[0].name.ru",
            "строка не должна быть пустой",
        ),
        (
            (
                'name = { ru = "Оперативная поддержка", en = "Operational support" }',
                'name = "Оперативная поддержка"',
            ),
            "levels[0].name",
            "ожидается таблица текстов",
        ),
        (
            (
                'name = { ru = "Оперативная поддержка", en = "Operational support" }',
                'name = { ru = "Оперативная поддержка", de = "Betrieb" }',
            ),
            "levels[0].name.de",
            "неизвестный ключ",
        ),
        # working hours
        (('end = "18:00"', 'end = "09:00"'), "working_time.end", "должен быть позже начала"),
        (('end = "18:00"', 'end = "08:00"'), "working_time.end", "должен быть позже начала"),
        (
            ('short_day_end = "17:00"', 'short_day_end = "19:00"'),
            "working_time.short_day_end",
            "не позже конца обычного дня",
        ),
        (
            ('start = "09:00"', 'start = "9:00"'),
            "working_time.start",
            'ожидается время в виде "ЧЧ:ММ"',
        ),
        (('start = "09:00"', "start = 09:00:30"), "working_time.start", "с точностью до минуты"),
        (
            ('time_zone = "Europe/Moscow"', 'time_zone = "Europe/Atlantis"'),
            "working_time.time_zone",
            "неизвестный часовой пояс",
        ),
        # scope
        (
            ('redirect_to = "franchisee"', ""),
            "scope[5].redirect_to",
            "отсутствует обязательный ключ",
        ),
        (
            ('redirect_to = "franchisee"', 'redirect_to = "anyone"'),
            "scope[5].redirect_to",
            "неизвестное направление 'anyone'",
        ),
        (
            (
                'id = "licensing"\nin_scope = true',
                'id = "licensing"\nin_scope = true\nredirect_to = "franchisee"',
            ),
            "scope[2].redirect_to",
            "только для вопросов вне рамок линии",
        ),
        # channels and contacts
        (('id = "api"', 'id = "telegram"'), "channels[4].id", "неизвестный канал 'telegram'"),
        (
            (
                'quality_email = "k@rarus.ru"',
                'quality_email = "crm@rarus.ru"',
            ),
            "contacts.quality_email",
            "отдельный адрес",
        ),
        (
            ('support_email = "crm@rarus.ru"', 'support_email = "crm-support"'),
            "contacts.support_email",
            "некорректный адрес",
        ),
        # SLA parameters
        (("warning_share = 0.75", "warning_share = 1.5"), "sla.warning_share", "меньше 1"),
        (
            ("auto_close_working_days = 3", "auto_close_working_days = 0"),
            "sla.auto_close_working_days",
            "положительным",
        ),
        # placeholders of standard answers
        (
            ("не найдено: {missing}.", "не найдено."),
            "answers.refusal_no_contract.ru",
            "нет обязательной подстановки {missing}",
        ),
        (
            ("до актуального релиза {release}", "до актуального релиза {version}"),
            "answers.update_to_current_release.ru",
            "неизвестная подстановка {version}",
        ),
        (
            ("под номером {number}.", "под номером {number."),
            "answers.receipt.ru",
            "ошибка в фигурных скобках",
        ),
        (
            (
                "Благодарим за обращение № {number}. Настройка",
                "Благодарим за обращение № {0}. Настройка",
            ),
            "scope[5].answer.ru",
            "неизвестная подстановка {0}",
        ),
        # R21: the numbering and the redirect targets are the file's
        (('ticket_prefix = "CRM"', 'ticket_prefix = "crm-1"'), "line.ticket_prefix", "заглавных"),
        (
            ('id = "third_party_developer"', 'id = "developer"'),
            "scope[7].redirect_to",
            "неизвестное направление 'third_party_developer'; в регламенте есть: franchisee, developer",
        ),
    ],
)
def test_r21_malformed_regulation_is_rejected_with_the_key_path(
    replacement: tuple[str, str], path: str, problem: str
) -> None:
    error = error_of(edited(replacement))
    assert error.path == path
    assert problem in error.problem
    assert str(error) == f"ошибка в регламенте test.toml: {path}: {error.problem}"


def test_r21_syntax_error_names_the_file() -> None:
    error = error_of(DEFAULT_TEXT + "\n[line\n")
    assert error.path == ""
    assert str(error).startswith("ошибка в регламенте test.toml: синтаксическая ошибка TOML")


def without_levels(levels: str) -> str:
    """The default file with its [[levels]] tables replaced by ``levels = ...``."""
    head, rest = DEFAULT_TEXT.split("[[levels]]", 1)
    tail = "# R4" + rest.split("# R4", 1)[1]
    return head.replace('id = "1c-crm"\n', f'id = "1c-crm"\nlevels = {levels}\n') + tail


@pytest.mark.parametrize(
    ("levels", "path", "problem"),
    [
        ("[]", "levels", "массив не должен быть пустым"),
        ('"standard"', "levels", "ожидается массив таблиц, получено: строка"),
        ("[1]", "levels[0]", "ожидается таблица, получено: целое число"),
    ],
)
def test_r21_levels_must_be_a_non_empty_array_of_tables(
    levels: str, path: str, problem: str
) -> None:
    error = error_of(without_levels(levels))
    assert (error.path, error.problem) == (path, problem)


def test_r21_missing_table() -> None:
    error = error_of('schema_version = 1\nid = "x"\n')
    assert (error.path, error.problem) == ("line", "отсутствует обязательный ключ")


def test_r21_load_regulation_reports_unreadable_files(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    with pytest.raises(RegulationError, match="не удалось прочитать файл") as info:
        load_regulation(missing)
    assert str(missing) in str(info.value)
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes("id = 'é'".encode("latin-1"))
    with pytest.raises(RegulationError, match="UTF-8"):
        load_regulation(latin1)


def test_r3_r21_redirect_targets_and_the_ticket_prefix_are_data_of_the_file() -> None:
    crm = parse_regulation(DEFAULT_TEXT)
    assert crm.ticket_prefix == "CRM"
    assert [t.id for t in crm.redirect_targets] == ["franchisee", "third_party_developer"]
    assert crm.redirect_target("franchisee").name.ru == "Компания-1С:Франчайзи (договор 1С:КП)"
    # A file without [[redirect_targets]] declares them by use; without a prefix: neutral «T».
    bare = re.sub(r"\[\[redirect_targets\]\]\nid = .*\nname = .*\n", "", DEFAULT_TEXT)
    bare = bare.replace('ticket_prefix = "CRM"', "")
    other = parse_regulation(bare.replace('redirect_to = "franchisee"', 'redirect_to = "partner"'))
    assert [t.id for t in other.redirect_targets] == ["partner", "third_party_developer"]
    assert other.redirect_target("partner").name.ru == "partner"
    assert other.ticket_prefix == "T"


def test_r18_r21_contract_levels_are_a_property_of_the_contract_kind() -> None:
    crm = parse_regulation(DEFAULT_TEXT)
    its, kp = crm.contract_kind("its"), crm.contract_kind("kp_otraslevoy")
    assert its.level_column == "Уровень ИТС"
    assert [(lv.id, lv.name.ru) for lv in its.levels] == [("prof", "ПРОФ"), ("techno", "ТЕХНО")]
    assert kp.levels == () and kp.level_column is None
    too_long = DEFAULT_TEXT.replace('{ id = "prof"', '{ id = "professional_plus"')
    error = error_of(too_long)
    assert error.path == "contracts[0].levels[0].id" and "не длиннее 10" in error.problem
