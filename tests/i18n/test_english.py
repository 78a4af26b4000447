"""The English locale: pages render in English when asked (Accept-Language, the language cookie,
the set_language view), Russian stays the default, and the catalogue is complete."""

from __future__ import annotations

import ast
import datetime as dt
import gettext
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from supportline.accounts.models import User
from supportline.core.demo import load_demo
from supportline.core.templatetags.supportline import minutes_hm, msk

LOCALE = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")

# page → (who is signed in, English that must be there, the Russian originals that must not)
PAGES: dict[str, tuple[str | None, list[str], list[str]]] = {
    "/": (
        None,
        ["Working hours", "How to contact us", "Operational support", "Additional services"],
        ["Режим работы", "Как обратиться", "Оперативная поддержка", "Дополнительные услуги"],
    ),
    "/accounts/login/": (
        None,
        ["Log in to the consultation line portal", "Username", "Password", "Forgot your password?"],
        ["Вход на портал линии консультации", "Имя пользователя", "Пароль", "Забыли пароль?"],
    ),
    "/portal/": (
        "client",
        ["My tickets", "New ticket", "Knowledge base", "Update access", "Log out"],
        ["Мои обращения", "Новое обращение", "База знаний", "Доступ к обновлениям", "Выйти"],
    ),
    "/portal/new/": (
        "client",
        ["Program registration number", "Question category", "Send ticket", "Fields marked *"],
        [
            "Регистрационный номер программы",
            "Категория вопроса",
            "Отправить обращение",
            "Поля, отмеченные *",
        ],
    ),
    "/desk/": (
        "consultant1",
        ["Ticket queue", "Take next", "Assignee", "Standard support", "MSK"],
        ["Очередь обращений", "Взять следующее", "Исполнитель", "Стандартная поддержка", "МСК"],
    ),
}


@pytest.fixture
def demo(db: None) -> None:
    load_demo()


def browser(username: str | None) -> Client:
    client = Client()
    if username:
        client.force_login(User.objects.get(username=username))
    return client


def page(url: str, username: str | None, language: str | None = None) -> str:
    """The page as a browser sees it; `language` goes in the Accept-Language header."""
    client = browser(username)
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language) if language else client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# ------------------------------------------------------------------ pages


@pytest.mark.parametrize("url", list(PAGES))
def test_page_in_english_with_accept_language(demo: None, url: str) -> None:
    username, english, russian = PAGES[url]
    html = page(url, username, "en")
    assert '<html lang="en">' in html
    for text in english:
        assert text in html, f"{url}: no {text!r}"
    for text in russian:
        assert text not in html, f"{url}: still {text!r}"


@pytest.mark.parametrize("url", list(PAGES))
def test_page_in_russian_by_default(demo: None, url: str) -> None:
    username, english, russian = PAGES[url]
    html = page(url, username)
    assert '<html lang="ru">' in html
    for text in russian:
        assert text in html, f"{url}: no {text!r}"
    for text in english:
        assert text not in html, f"{url}: English {text!r} on the Russian page"


def test_russian_wins_over_an_unsupported_language(demo: None) -> None:
    html = page("/", None, "de")
    assert '<html lang="ru">' in html
    assert "Режим работы" in html


def test_language_cookie_selects_english(demo: None) -> None:
    client = browser("client")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/portal/").content.decode()
    assert '<html lang="en">' in html
    assert "My tickets" in html and "Мои обращения" not in html


def test_set_language_view_switches_to_english_and_back(demo: None) -> None:
    client = browser("client")
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/portal/"})
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get("/portal/").content.decode()
    assert '<html lang="en">' in html and "New ticket" in html
    # the header offers the way back
    assert 'value="ru">Русский</button>' in html

    client.post("/i18n/setlang/", {"language": "ru", "next": "/portal/"})
    html = client.get("/portal/").content.decode()
    assert '<html lang="ru">' in html and "Новое обращение" in html


def test_time_and_duration_filters_in_english() -> None:
    """МСК, ч, мин sit in f-strings that makemessages cannot read: the catalogue keeps them
    through locale/en/supplement.po (scripts/messages.sh)."""
    moment = dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC)
    with translation.override("en"):
        assert msk(moment) == "24.11.2026 10:00 MSK"
        assert minutes_hm(570) == "9 h 30 min"
    with translation.override("ru"):
        assert msk(moment) == "24.11.2026 10:00 МСК"
        assert minutes_hm(570) == "9 ч 30 мин"


# ------------------------------------------------------------------ the catalogue


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file, parsed simply (polib is not a dependency)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    key = ""
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry is not None:
                entries.append(entry)
            entry = None
            continue
        if entry is None:
            entry = Entry()
        if line.startswith("#~"):
            entry.obsolete = True
            continue
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$', line)
        if match:
            key = match.group(2) or match.group(1)
            value = ast.literal_eval(match.group(3))
        else:
            value = ast.literal_eval(line)  # a continuation line
        if key == "msgid":
            entry.msgid += value
        elif key == "msgid_plural":
            entry.msgid_plural = (entry.msgid_plural or "") + value
        elif key == "msgctxt":
            entry.msgctxt = (entry.msgctxt or "") + value
        else:
            index = 0 if key == "msgstr" else int(key)
            entry.msgstr[index] = entry.msgstr.get(index, "") + value
    return entries


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    return [entry for entry in read_po(PO) if not entry.obsolete]


def test_catalogue_header_is_english_and_not_fuzzy(catalogue: list[Entry]) -> None:
    header = catalogue[0]
    assert header.msgid == ""
    assert "fuzzy" not in header.flags
    assert "Language: en\n" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]


def test_every_entry_is_translated_and_none_is_fuzzy(catalogue: list[Entry]) -> None:
    entries = catalogue[1:]
    assert len(entries) > 600
    untranslated = [e.msgid for e in entries if not e.msgstr or not all(e.msgstr.values())]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert untranslated == []
    assert fuzzy == []
    for entry in entries:
        if entry.msgid_plural is not None:
            assert set(entry.msgstr) == {0, 1}, entry.msgid


def test_translations_keep_placeholders_and_line_breaks(catalogue: list[Entry]) -> None:
    for entry in catalogue[1:]:
        msgid = entry.msgid
        for msgstr in entry.msgstr.values():
            assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(msgstr)), msgid
            assert msgid.count("\n") == msgstr.count("\n"), msgid
            assert msgid.startswith(" ") == msgstr.startswith(" "), msgid
            assert not re.search("[А-Яа-яЁё]", msgstr), msgid


def test_strings_from_f_strings_are_in_the_catalogue(catalogue: list[Entry]) -> None:
    strings = {entry.msgid: entry.msgstr[0] for entry in catalogue[1:]}
    assert strings["МСК"] == "MSK"
    assert strings["ч"] == "h"
    assert strings["мин"] == "min"


def test_compiled_catalogue_matches_the_po(catalogue: list[Entry]) -> None:
    """django.mo is what Django reads: it must carry every translation of django.po."""
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in catalogue[1:]:
        if entry.msgctxt is not None:
            got = compiled.pgettext(entry.msgctxt, entry.msgid)
        elif entry.msgid_plural is not None:
            got = compiled.ngettext(entry.msgid, entry.msgid_plural, 1)
        else:
            got = compiled.gettext(entry.msgid)
        assert got == entry.msgstr[0], entry.msgid


@pytest.mark.skipif(
    not shutil.which("msgattrib"), reason="GNU gettext's msgattrib is not installed"
)
@pytest.mark.parametrize("option", ["--untranslated", "--only-fuzzy"])
def test_msgattrib_finds_nothing_to_translate(option: str) -> None:
    result = subprocess.run(
        ["msgattrib", option, "--no-obsolete", str(PO)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout == ""


@pytest.mark.skipif(not shutil.which("msgfmt"), reason="GNU gettext's msgfmt is not installed")
def test_msgfmt_accepts_the_catalogue() -> None:
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", "/dev/null", str(PO)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
