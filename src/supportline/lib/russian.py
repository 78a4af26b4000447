"""Russian words and stems for searching without PostgreSQL (R5 knowledge base, the desk's
ticket search).

PostgreSQL stems Russian itself (`to_tsvector('russian', …)`, Snowball). SQLite has no Russian
morphology, so the question and the texts go through Snowball's Russian stemmer (the
`snowballstemmer` package — the same algorithm PostgreSQL's `russian_stem` dictionary runs) and
are matched by stems: «отчёты», «отчета», «отчёт» all become «отчет». No Django.
"""

from __future__ import annotations

import re
from functools import lru_cache

import snowballstemmer

# Frequent words that carry no meaning for the search (PostgreSQL drops them too).
STOP_WORDS = frozenset(
    """
    а без более бы был была были было быть в вам вас весь во вот все всего всех вы где да
    даже для до его ее ей если есть еще же за здесь и из или им их к как когда кто ли либо
    мне может мы на над надо наш не него нее нет ни них но ну о об однако он она они оно от
    очень по под при с со так также такой там те тем то того тоже той только том ты у уже
    хотя чего чей чем что чтобы чье чья эта эти это я
    здравствуйте добрый день спасибо пожалуйста подскажите
    """.split()  # noqa: SIM905 (a block of words reads better than a 100-line list)
)

_WORD = re.compile(r"[0-9a-zа-яё]+", re.IGNORECASE)
_STEMMER = snowballstemmer.stemmer("russian")


# How many words' stems `stem` keeps: Snowball in Python was a sixth of the intake's CPU
# (issue 15, the desk search row), and a line's words repeat from ticket to ticket (about 6 MB
# a process at most).
STEM_CACHE = 20_000


@lru_cache(maxsize=STEM_CACHE)
def stem(word: str) -> str:
    """The Snowball-Russian stem of one word (lower-cased, ё → е); cached per word."""
    return str(_STEMMER.stemWord(word.lower().replace("ё", "е")))


def words(text: str) -> list[str]:
    """The meaningful words of `text`, lower-cased with ё → е, in order, without repeats.
    Only letters and digits: a word can go into a query syntax unescaped."""
    seen: dict[str, None] = {}
    for match in _WORD.finditer(text):
        word = match.group().lower().replace("ё", "е")
        if word not in STOP_WORDS and (len(word) > 1 or word.isdigit()):
            seen.setdefault(word, None)
    return list(seen)


@lru_cache(maxsize=2048)
def stems(text: str) -> frozenset[str]:
    """The set of stems of the meaningful words of `text` (cached: articles repeat)."""
    return frozenset(stem(w) for w in words(text))
