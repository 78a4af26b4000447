"""R1 data a client writes as labelled lines («Рег. номер: 800123456», «Версия: 3.0.36.12»)
in an e-mail, a messenger message or an answer to the line's question. Pure: no Django."""

from __future__ import annotations

import re

_LABELS = {
    "registration_number": r"рег(?:истрационный|\.)?\s*(?:номер|№)(?:\s+программы)?|регномер",
    "partner_code": r"код\s+партн[её]ра",
    "organisation": r"(?:наименование\s+)?организаци[яи]|компания",
    "configuration": r"(?:название\s+)?конфигурация|конфигурация",
    "version": r"версия(?:\s+(?:программы|конфигурации))?|релиз",
}
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
    return value[:300]
