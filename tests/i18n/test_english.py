"""The English locale: pages render in English when asked (Accept-Language, the language cookie,
the set_language view), Russian stays the default, and the catalogue is complete.

Errors (API, forms) follow the language of the request; what the line stores in a ticket for the
client (questions, refusals, notices) stays Russian, the line's language, whoever acted."""

from __future__ import annotations

import ast
import datetime as dt
import gettext
import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from supportline.accounts.models import User
from supportline.api.models import ApiToken
from supportline.core.demo import load_demo
from supportline.core.templatetags.supportline import minutes_hm, msk
from supportline.tickets.actions.registration import ticket_register
from supportline.tickets.actions.update_access import update_access_decide, update_access_request
from supportline.tickets.intake import IntakeData
from supportline.tickets.models import Channel, Message, Status, Ticket

LOCALE = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
CYRILLIC = re.compile("[А-Яа-яЁё]")

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
    """МСК, ч, мин are whole phrases with placeholders (no gettext inside f-strings, which
    xgettext cannot read), so makemessages extracts them itself."""
    moment = dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC)
    with translation.override("en"):
        assert msk(moment) == "24.11.2026 10:00 MSK"
        assert msk(moment, "%H:%M") == "10:00 MSK"
        assert minutes_hm(570) == "9 h 30 min"
        assert minutes_hm(540) == "9 h"
        assert minutes_hm(-30) == "−30 min"
    with translation.override("ru"):
        assert msk(moment) == "24.11.2026 10:00 МСК"
        assert minutes_hm(570) == "9 ч 30 мин"
        assert minutes_hm(540) == "9 ч"
        assert minutes_hm(-30) == "−30 мин"


# ------------------------------------------------------------------ the API


def api_call(
    username: str | None,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    language: str | None = None,
) -> Any:
    """A call of the REST API with the user's Bearer token and an optional Accept-Language."""
    headers: dict[str, str] = {}
    if username:
        _, raw = ApiToken.issue(User.objects.get(username=username))
        headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    if language:
        headers["HTTP_ACCEPT_LANGUAGE"] = language
    if method == "get":
        return Client().get(f"/api/v1{path}", **headers)
    return Client().post(
        f"/api/v1{path}", json.dumps(body or {}), content_type="application/json", **headers
    )


REQUIRED_EN = {
    "subject": "Enter the ticket subject",
    "body": "Describe your question",
    "registration_number": "Enter the program registration number",
    "organisation": "Enter the organisation name",
    "configuration": "Enter the configuration name",
    "version": "Enter the program version (release), e.g. 3.0.36.12",
}
REQUIRED_RU = {
    "subject": "Укажите тему обращения",
    "body": "Опишите вопрос",
    "registration_number": "Укажите регистрационный номер программы",
    "organisation": "Укажите наименование организации",
    "configuration": "Укажите название конфигурации",
    "version": "Укажите версию (релиз) программы, например 3.0.36.12",
}


def test_api_field_errors_in_english_with_accept_language(demo: None) -> None:
    response = api_call("client", "post", "/tickets", {}, language="en")
    assert response.status_code == 422
    assert response.json() == {"errors": REQUIRED_EN}
    assert not any(CYRILLIC.search(message) for message in REQUIRED_EN.values())

    unknown = api_call(
        "client",
        "post",
        "/tickets",
        {"registration_number": "1", "configuration": "Бухгалтерия", "version": "3.0"},
        language="en",
    ).json()["errors"]
    assert unknown["registration_number"].startswith("Registration number “1” was not found")
    assert unknown["configuration"] == (
        "Configuration “Бухгалтерия” was not found in the product registry"
    )
    channel = api_call("client", "post", "/tickets", {"channel": "fax"}, language="en")
    assert channel.json() == {"errors": {"channel": "Unknown channel “fax”"}}


def test_api_field_errors_stay_russian_by_default(demo: None) -> None:
    response = api_call("client", "post", "/tickets", {})
    assert response.status_code == 422
    assert response.json() == {"errors": REQUIRED_RU}
    # A language the line does not speak falls back to Russian as well.
    assert api_call("client", "post", "/tickets", {}, language="de").json() == {
        "errors": REQUIRED_RU
    }


def test_api_status_errors_in_english(demo: None) -> None:
    unauthenticated = api_call(None, "get", "/tickets", language="en")
    assert unauthenticated.status_code == 401
    assert unauthenticated.json()["detail"] == (
        "Authorisation required: the Authorization: Bearer <token> header"
    )
    assert api_call("client", "get", "/tickets/CRM-999999", language="en").json() == {
        "detail": "Not found"
    }
    denied = api_call("client", "get", "/queue", language="en")
    assert denied.status_code == 403
    assert denied.json() == {"detail": "Not permitted: the queue is visible to line staff only"}
    invalid = api_call(
        "consultant1", "post", "/tickets", {"registered_at": "yesterday"}, language="en"
    )
    assert invalid.json() == {
        "errors": {"registered_at": "Expected a date and time in ISO 8601 format"}
    }

    number = api_call(
        "client",
        "post",
        "/tickets",
        {
            "registration_number": "800123456",
            "organisation": "ООО «Ромашка»",
            "configuration": "1С:CRM ПРОФ, редакция 3.0",
            "version": "3.0.36.12",
            "subject": "Отчёт",
            "body": "Не формируется отчёт",
        },
    ).json()["number"]
    conflict = api_call(
        "client", "post", f"/tickets/{number}/evaluate", {"accepted": True}, language="en"
    )
    assert conflict.status_code == 409
    assert conflict.json() == {
        "detail": f"Cannot evaluate the answer: ticket {number} is in status “Registered”"
    }
    russian = api_call("client", "post", f"/tickets/{number}/evaluate", {"accepted": True})
    assert russian.json() == {
        "detail": f"Нельзя оценить ответ: обращение {number} в статусе «Зарегистрировано»"
    }


# ------------------------------------------------------------------ forms and stored texts


def test_portal_form_errors_in_english(demo: None) -> None:
    client = browser("client")
    data = {"organisation": "ООО «Ромашка»", "subject": "Question"}
    response = client.post("/portal/new/", data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["version"] == [REQUIRED_EN["version"]]
    assert form.errors["body"] == [REQUIRED_EN["body"]]
    html = response.content.decode()
    assert REQUIRED_EN["configuration"] in html
    assert REQUIRED_RU["configuration"] not in html

    russian = client.post("/portal/new/", data).context["form"]
    assert russian.errors["version"] == [REQUIRED_RU["version"]]
    assert Ticket.objects.count() == 0


def test_texts_the_line_stores_stay_russian_under_the_english_ui(demo: None) -> None:
    """A consultant working in English still writes to the client in Russian (the line's
    language): the question for missing data and a refusal's reason are stored texts."""
    consultant = User.objects.get(username="consultant1")
    with translation.override("en"):
        ticket = ticket_register(
            actor=consultant,
            channel=Channel.PHONE,
            data=IntakeData(subject="Звонок", body="Не проводится документ"),
        )
    assert ticket.status == Status.WAITING_CLIENT
    question = ticket.messages.get(purpose=Message.Purpose.QUESTION).body
    assert question.startswith(f"Здравствуйте! Для работы с обращением № {ticket.number}")
    assert "версия (релиз) программы — Укажите версию (релиз) программы" in question
    assert "Enter" not in question and "version" not in question

    response = api_call(
        "client2",
        "post",
        "/tickets",
        {
            "registration_number": "800654321",
            "organisation": "АО «Вектор»",
            "configuration": "1С:CRM ПРОФ, редакция 3.0",
            "version": "3.0.36.12",
            "subject": "Отчёт",
            "body": "Не формируется отчёт",
        },
        language="en",
    )
    assert response.status_code == 201
    refused = Ticket.objects.get(number=response.json()["number"])
    assert refused.status == Status.REFUSED
    refusal = refused.messages.get(purpose=Message.Purpose.REFUSAL).body
    assert "договор 1С:КП Отраслевой" in refusal
    assert not re.search("contract", refusal, re.IGNORECASE)


def test_one_russian_word_two_english_meanings_on_the_desk(demo: None) -> None:
    """«Решение» is the SLA resolution and an update-access decision; «Срок» is a contract's
    validity and a clock's due time — each by its own context."""
    client = User.objects.get(username="client")
    ticket = update_access_request(
        actor=client,
        channel=Channel.PORTAL,
        organisation_full_name="Общество с ограниченной ответственностью «Ромашка»",
        inn="7705123452",
        registration_number="800123456",
        configuration="1С:CRM ПРОФ, редакция 3.0",
        version="3.0.36.12",
    )
    update_access_decide(
        ticket=ticket, actor=User.objects.get(username="consultant1"), login="romashka-upd"
    )
    html = page(f"/desk/tickets/{ticket.number}/", "consultant1", "en")
    assert "<dt>Decision</dt>" in html
    assert "login romashka-upd" in html
    assert '<th scope="col">Validity</th>' in html
    assert "<dt>Due</dt>" in html
    assert "<th>Resolution</th>" in page("/", None, "en")  # the SLA table of the line page

    russian = page(f"/desk/tickets/{ticket.number}/", "consultant1")
    assert "<dt>Решение</dt>" in russian and "логин romashka-upd" in russian
    assert '<th scope="col">Срок</th>' in russian and "<dt>Срок</dt>" in russian
    assert "<th>Решение</th>" in page("/", None)


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


def test_strings_of_the_time_filters_are_in_the_catalogue(catalogue: list[Entry]) -> None:
    strings = {entry.msgid: entry.msgstr[0] for entry in catalogue[1:]}
    assert strings["%(time)s МСК"] == "%(time)s MSK"
    assert strings["%(hours)d ч %(minutes)d мин"] == "%(hours)d h %(minutes)d min"
    assert strings["%(hours)d ч"] == "%(hours)d h"
    assert strings["%(minutes)d мин"] == "%(minutes)d min"


def test_ambiguous_words_are_told_apart_by_context(catalogue: list[Entry]) -> None:
    strings = {(entry.msgctxt, entry.msgid): entry.msgstr[0] for entry in catalogue[1:]}
    assert strings[("SLA clock", "Решение")] == "Resolution"
    assert strings[("update access", "Решение")] == "Decision"
    assert strings[("contract validity", "Срок")] == "Validity"
    assert strings[("due time", "Срок")] == "Due"
    # No context-free entry is left for a translator to guess at.
    assert (None, "Решение") not in strings and (None, "Срок") not in strings


def test_no_supplement_catalogue_is_needed() -> None:
    """Every string reaches django.po through makemessages; nothing is merged in by hand."""
    assert not (LOCALE.parent / "supplement.po").exists()
    script = (Path(settings.BASE_DIR).parents[1] / "scripts" / "messages.sh").read_text()
    assert "supplement.po" not in script


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
