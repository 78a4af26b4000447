"""Data a client writes as labelled lines («Рег. номер: 800123456», «Версия: 3.0.36.12») in an
e-mail, a messenger message or an answer to the line's question: the R1 data of a ticket, and
the R17 data of a request for access to updates («ИНН: …», «Логин: …»). Pure: no Django.

When a letter is an update-access request (R17, the regulation's own route is a mail to the
line): `is_update_access_request` — its labelled lines carry an INN («ИНН: …») AND either a
previous-login line («Логин: …», «Прежний логин: …», «user: …») or the words «доступ к
обновлениям» (any case or form: «доступа к обновлению», «доступ на сайт обновлений», «доступ
на update.…») in the subject or the body. An INN alone is not enough: a client may give it in
a consultation too."""

from __future__ import annotations

import re

# Order matters where one label starts like another: the full name before the organisation.
_LABELS = {
    "registration_number": (
        r"рег(?:истрационный|\.)?\s*(?:номер|№)(?:\s+(?:программы|основной\s+поставки))?"
        r"|регномер"
    ),
    "partner_code": r"код\s+партн[её]ра",
    "organisation_full_name": r"полное\s+наименование(?:\s+организации)?",
    "organisation": r"(?:наименование\s+)?организаци[яи]|компания",
    "configuration": (
        r"(?:полное\s+)?название\s+конфигурации|(?:название\s+)?конфигурация|конфигурация"
    ),
    "version": r"версия(?:\s+(?:программы|конфигурации))?|релиз",
    "inn": r"инн(?:\s*/\s*кпп)?",
    "previous_login": (
        r"(?:(?:прежний|предыдущий|старый|ранее\s+выданный)\s+)?(?:логин|login|user)"
        r"(?:\s+(?:на\s+)?сайт[аеу]?\s+обновлений)?"
    ),
}
# The fields of a ticket (R1) and of an update-access request (R17).
R1_FIELDS = frozenset(
    {"registration_number", "partner_code", "organisation", "configuration", "version"}
)
R17_FIELDS = frozenset(
    {
        "organisation_full_name",
        "organisation",
        "inn",
        "registration_number",
        "configuration",
        "version",
        "previous_login",
    }
)
_UPDATE_ACCESS_WORDS = re.compile(
    r"доступ\w*\s+(?:к|на)\s+(?:сайт\w*\s+)?(?:обновлени|update)", re.IGNORECASE
)
# What a client writes for "no previous login".
_NO_LOGIN = frozenset({"нет", "не было", "отсутствует", "-", "—", "–", "no", "none"})
# A label at the start of a line or after a comma/semicolon, then «:» (or a dash).
_LABEL = re.compile(
    r"(?:^|[,;])\s*[*\-•]?\s*(?:"
    + "|".join(f"(?P<{name}>{pattern})" for name, pattern in _LABELS.items())
    + r")\s*(?::|：|\s[-–—]\s)\s*",
    re.IGNORECASE,
)


def _pairs(line: str) -> list[tuple[str, str]]:
    """(field, raw value) for every label on the line: «Рег. номер: 1, версия: 3.0.1.2»."""
    found = list(_LABEL.finditer(line))
    pairs = []
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(line)
        name = next(k for k, v in m.groupdict().items() if v is not None)
        pairs.append((name, line[m.end() : end]))
    return pairs


def intake_labels(text: str) -> dict[str, str]:
    """The R1 fields found in labelled lines; the first value for a field wins; quoted lines
    (starting with «>») are not the sender's data."""
    return {k: v for k, v in labelled_values(text).items() if k in R1_FIELDS}


def update_access_labels(text: str) -> dict[str, str]:
    """The R17 fields found in labelled lines (same rules as `intake_labels`)."""
    return {k: v for k, v in labelled_values(text).items() if k in R17_FIELDS}


def is_update_access_request(subject: str, text: str) -> bool:
    """R17: whether a letter to the line is a request for access to updates (module docstring)."""
    own = [line for line in text.split("\n") if not line.lstrip().startswith(">")]
    labels = {name for line in own for name, _raw in _pairs(line)}
    if "inn" not in labels:
        return False
    if "previous_login" in labels:  # even «Логин: нет» says what the letter is about
        return True
    return bool(_UPDATE_ACCESS_WORDS.search(subject) or _UPDATE_ACCESS_WORDS.search("\n".join(own)))


def labelled_values(text: str) -> dict[str, str]:
    """Every labelled field of the text; the first value for a field wins; quoted lines
    (starting with «>») are not the sender's data."""
    found: dict[str, str] = {}
    for line in text.split("\n"):
        if line.lstrip().startswith(">"):
            continue
        for name, raw in _pairs(line):
            value = _label_value(name, raw)
            if value and name not in found:
                found[name] = value
    return found


def is_label_line(line: str) -> bool:
    return bool(_LABEL.match(line))


def _label_value(name: str, value: str) -> str:
    value = value.strip().rstrip(".;,").strip()
    if name == "registration_number":
        # «800 123 456», «NFR-880011», or a number followed by more text on the same line.
        m = re.match(r"[A-Za-z]*-?\d[\d ]*", value)
        return m.group(0).replace(" ", "") if m else value
    if name == "version":
        m = re.search(r"\d+(?:\.\d+)+", value)
        return m.group(0) if m else value
    if name == "inn":
        m = re.match(r"\d[\d ]*", value)
        return m.group(0).replace(" ", "") if m else value[:12]
    if name == "previous_login":
        if value.casefold() in _NO_LOGIN or value.casefold().startswith(("нет", "не было")):
            return ""
        return value.split()[0].strip("«»\"'")[:100] if value.split() else ""
    return value[:300]
