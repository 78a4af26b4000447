"""Russian words and stems for the knowledge-base search on SQLite (R5).

PostgreSQL stems Russian itself (`to_tsvector('russian', …)`, Snowball). SQLite has no Russian
morphology, so the portal applies this compact Snowball-Russian stemmer to both the question
and the texts and matches by stems: «отчёты», «отчета», «отчёт» all become «отчет».
Pure Python, no Django.

The algorithm is Snowball's Russian stemmer (snowballstem.org/algorithms/russian):

1. Lower-case; ё → е. RV is the part after the first vowel, R1 the part after the first
   consonant that follows a vowel, R2 the same taken inside R1. Endings are removed only
   inside RV.
2. Step 1: remove a perfective gerund ending; if there is none, remove a reflexive ending
   (if any) and then an adjectival, else a verb, else a noun ending.
3. Step 2: remove a final «и».
4. Step 3: remove a derivational ending «ост(ь)» lying in R2.
5. Step 4: remove a superlative ending and undouble «нн», or undouble «нн», or remove «ь».

In every class the longest ending that fits is taken. Endings of a "group 1" must follow «а»
or «я» (which stays); when that letter is missing the class does not apply.
"""

from __future__ import annotations

import re
from functools import lru_cache

VOWELS = frozenset("аеиоуыэюя")

_GERUND_1 = ("в", "вши", "вшись")
_GERUND_2 = ("ив", "ивши", "ившись", "ыв", "ывши", "ывшись")
_REFLEXIVE = ("ся", "сь")
_ADJECTIVE = (
    *("ее", "ие", "ые", "ое", "ими", "ыми", "ей", "ий", "ый", "ой", "ем", "им", "ым", "ом"),
    *("его", "ого", "ему", "ому", "их", "ых", "ую", "юю", "ая", "яя", "ою", "ею"),
)
_PARTICIPLE_1 = ("ем", "нн", "вш", "ющ", "щ")
_PARTICIPLE_2 = ("ивш", "ывш", "ующ")
_VERB_1 = (
    *("ла", "на", "ете", "йте", "ли", "й", "л", "ем", "н", "ло", "но", "ет", "ют", "ны"),
    *("ть", "ешь", "нно"),
)
_VERB_2 = (
    *("ила", "ыла", "ена", "ейте", "уйте", "ите", "или", "ыли", "ей", "уй", "ил", "ыл", "им"),
    *("ым", "ен", "ило", "ыло", "ено", "ят", "ует", "уют", "ит", "ыт", "ены", "ить", "ыть"),
    *("ишь", "ую", "ю"),
)
_NOUN = (
    *("а", "ев", "ов", "ие", "ье", "е", "иями", "ями", "ами", "еи", "ии", "и", "ией", "ей"),
    *("ой", "ий", "й", "иям", "ям", "ием", "ем", "ам", "ом", "о", "у", "ах", "иях", "ях"),
    *("ы", "ь", "ию", "ью", "ю", "ия", "ья", "я"),
)
_SUPERLATIVE = ("ейш", "ейше")
_DERIVATIONAL = ("ост", "ость")

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


def _regions(word: str) -> tuple[int, int]:
    """The start indices of RV and R2 (len(word) when the region is empty)."""
    rv = next((i + 1 for i, c in enumerate(word) if c in VOWELS), len(word))

    def after_vowel_consonant(start: int) -> int:
        for i in range(start + 1, len(word)):
            if word[i - 1] in VOWELS and word[i] not in VOWELS:
                return i + 1
        return len(word)

    r1 = after_vowel_consonant(0)
    return rv, after_vowel_consonant(r1)


def _longest(word: str, endings: tuple[str, ...], limit: int) -> str | None:
    """The longest of `endings` that ends `word` without reaching before `limit`."""
    best: str | None = None
    for ending in endings:
        if (
            word.endswith(ending)
            and len(word) - len(ending) >= limit
            and (best is None or len(ending) > len(best))
        ):
            best = ending
    return best


def _remove(word: str, group1: tuple[str, ...], group2: tuple[str, ...], rv: int) -> str | None:
    """Remove the longest ending of the class; group-1 endings need a preceding а/я in RV."""
    ending = _longest(word, group1 + group2, rv)
    if ending is None:
        return None
    cut = len(word) - len(ending)
    if ending in group2:
        return word[:cut]
    if cut - 1 >= rv and word[cut - 1] in "ая":
        return word[:cut]
    return None


def _adjectival(word: str, rv: int) -> str | None:
    ending = _longest(word, _ADJECTIVE, rv)
    if ending is None:
        return None
    word = word[: len(word) - len(ending)]
    participle = _remove(word, _PARTICIPLE_1, _PARTICIPLE_2, rv)
    return participle if participle is not None else word


def stem(word: str) -> str:
    """The Snowball-Russian stem of one word (lower-cased, ё → е)."""
    word = word.lower().replace("ё", "е")
    rv, r2 = _regions(word)

    # Step 1.
    result = _remove(word, _GERUND_1, _GERUND_2, rv)
    if result is None:
        ending = _longest(word, _REFLEXIVE, rv)
        if ending is not None:
            word = word[: -len(ending)]
        result = _adjectival(word, rv)
        if result is None:
            result = _remove(word, _VERB_1, _VERB_2, rv)
        if result is None:
            result = _remove(word, (), _NOUN, rv)
    word = result if result is not None else word

    # Step 2.
    if word.endswith("и") and len(word) - 1 >= rv:
        word = word[:-1]

    # Step 3.
    ending = _longest(word, _DERIVATIONAL, r2)
    if ending is not None:
        word = word[: -len(ending)]

    # Step 4.
    ending = _longest(word, (*_SUPERLATIVE, "н", "ь"), rv)
    if ending in _SUPERLATIVE:
        word = word[: -len(ending)]
        ending = "н"
    if (ending == "н" and word.endswith("нн") and len(word) - 2 >= rv) or ending == "ь":
        word = word[:-1]
    return word


def words(text: str) -> list[str]:
    """The meaningful words of `text`, lower-cased with ё → е, in order, without repeats."""
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
