"""Comparing an organisation's name as a client typed it with the registry's (R1).

People write the same organisation many ways: «ООО "Ромашка"», «ооо Ромашка», «Общество с
ограниченной ответственностью «Ромашка»», «Ромашка». `same_organisation` treats them as one:

1. case and ё/е are ignored;
2. quotes of every kind («» "" „“ '') and punctuation become spaces, runs of spaces one space;
3. a legal form written out in full becomes its abbreviation (общество с ограниченной
   ответственностью → ООО, акционерное общество → АО, …), at the start or at the end;
4. two names match when what remains is equal and their legal forms are equal — or one of the
   two names gives no legal form at all («Ромашка» matches «ООО «Ромашка»», «АО Ромашка» does not).
Pure: no Django.
"""

from __future__ import annotations

import re

# Legal forms written out, and their abbreviations.
_FORMS: tuple[tuple[str, str], ...] = (
    ("общество с ограниченной ответственностью", "ооо"),
    ("публичное акционерное общество", "пао"),
    ("непубличное акционерное общество", "ао"),
    ("закрытое акционерное общество", "зао"),
    ("открытое акционерное общество", "оао"),
    ("акционерное общество", "ао"),
    ("индивидуальный предприниматель", "ип"),
    ("федеральное государственное унитарное предприятие", "фгуп"),
    ("государственное унитарное предприятие", "гуп"),
    ("муниципальное унитарное предприятие", "муп"),
    ("некоммерческая организация", "нко"),
    ("автономная некоммерческая организация", "ано"),
)
# Longest first: «публичное акционерное общество» must not be read as «акционерное общество».
_LONGEST_FIRST = sorted(_FORMS, key=lambda f: -len(f[0]))
_ABBREVIATIONS = frozenset(short for _full, short in _FORMS) | {"нао"}
_NOISE = re.compile(r"[«»\"'“”„‟‘’`´.,;:()\[\]/\\]+")
_DASHES = re.compile(r"\s*[-–—]\s+|\s+[-–—]\s*")


def name_key(name: str) -> tuple[str, str]:
    """(legal form abbreviation or "", the rest) of a name, normalised."""
    text = name.casefold().replace("ё", "е").replace("\u00a0", " ")
    text = _DASHES.sub(" ", _NOISE.sub(" ", text))
    text = " ".join(text.split())
    form = ""
    for full, short in _LONGEST_FIRST:
        if text.startswith(full + " ") or text == full:
            form, text = short, text[len(full) :].strip()
            break
        if text.endswith(" " + full):
            form, text = short, text[: -len(full)].strip()
            break
    if not form:
        words = text.split(" ")
        if len(words) > 1 and words[0] in _ABBREVIATIONS:
            form, text = words[0], " ".join(words[1:])
        elif len(words) > 1 and words[-1] in _ABBREVIATIONS:
            form, text = words[-1], " ".join(words[:-1])
    if form == "нао":
        form = "ао"
    return form, text


def same_organisation(typed: str, *registered: str) -> bool:
    """Whether `typed` names the organisation registered under any of the `registered` names
    (its short and full name); blank registry names are skipped."""
    form, core = name_key(typed)
    if not core:
        return False
    for name in registered:
        if not name.strip():
            continue
        other_form, other_core = name_key(name)
        if core == other_core and (not form or not other_form or form == other_form):
            return True
    return False
