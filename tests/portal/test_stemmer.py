"""The Snowball Russian stemmer (R5 on SQLite, desk search): plain unit tests, no database — plus one
check against PostgreSQL's own Snowball stemmer when the suite runs there."""

from __future__ import annotations

import pytest

from supportline.lib.russian import stem, stems, words


@pytest.mark.parametrize("form", ["отчёт", "отчёты", "отчета", "отчёта", "Отчётов", "отчетам"])
def test_r5_forms_of_a_word_share_one_stem(form: str) -> None:
    assert stem(form) == "отчет"


def test_yo_is_read_as_ye() -> None:
    assert stem("ёлка") == stem("елка")
    assert "ежик" in stems("Ёжик")


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        # Noun, adjective, verb, gerund, reflexive, derivational and superlative endings.
        ("воронке", "воронк"),
        ("продаж", "продаж"),
        ("настройки", "настройк"),
        ("программирования", "программирован"),
        ("формируется", "формир"),
        ("обновлённой", "обновлен"),
        ("прочитав", "прочита"),
        ("купив", "куп"),
        ("производительность", "производительн"),
        ("красивейший", "красив"),
        ("лицензирования", "лицензирован"),
        ("защиты", "защит"),
        ("сделки", "сделк"),
        ("ошибку", "ошибк"),
    ],
)
def test_snowball_russian_endings(word: str, expected: str) -> None:
    assert stem(word) == expected


def test_short_and_vowelless_words_are_kept() -> None:
    assert stem("в") == "в"
    assert stem("crm") == "crm"
    assert stem("1с") == "1с"


def test_words_drop_stop_words_and_repeats_and_keep_order() -> None:
    assert words("Не формируется отчёт, и отчёт не открывается!") == [
        "формируется",
        "отчет",
        "открывается",
    ]
    assert words("1С:CRM 3.0.36") == ["1с", "crm", "3", "0", "36"]


def test_stems_of_a_text() -> None:
    assert stems("Отчёты по воронке продаж") == {"отчет", "воронк", "продаж"}


def test_search_rows_stems_are_the_stemmers_also_from_the_cache() -> None:
    """Issue 15: the search row's stems are cached per word; a cached stem is the stemmer's."""
    from supportline.tickets.search import stems_of

    text = "отчеты воронке продаж формируется отчеты"
    first, again = stems_of(text), stems_of(text)
    assert first == again == " отчет воронк продаж формир "
    uncached = stem.__wrapped__  # the stemmer itself, past the per-word cache
    assert again == " " + " ".join(dict.fromkeys(uncached(w) for w in text.split())) + " "


VOCABULARY = """
отчёт отчёты отчета отчётов воронка воронке продаж продажи настройка настройки настроить
обновление обновления обновить обновлённой конфигурации конфигурацию лицензия лицензии
лицензирования защиты защита программа программы программирования ошибка ошибку ошибки
сделка сделки сделок клиентов клиента пользователь пользователи пользователей права
доступа доступ почта почты письма учётная учётной записи сервер сервера формируется
формировании выдаёт производительности установке установить прочитав купив красивейший
подключение подключиться интеграция интеграции релиз релиза актуального актуальный
""".split()  # noqa: SIM905


@pytest.mark.postgres
@pytest.mark.django_db
def test_stemmer_agrees_with_postgresql_snowball() -> None:
    """SQLite and PostgreSQL find the same articles because they stem the same way."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://…)")
    with connection.cursor() as cursor:
        for word in VOCABULARY:
            cursor.execute("SELECT ts_lexize('russian_stem', %s)", [word])
            (lexemes,) = cursor.fetchone()
            if lexemes:  # stop words have no lexeme
                assert stem(word) == lexemes[0], word
