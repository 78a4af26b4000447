"""R13: is a client's e-mail or 1C-Connect reply during client evaluation only a rating?

A reply that is only a rating accepts the answer; any other message rejects it (with the
message as the reason), so the parser is strict: the whole reply must be made of

- one rating, 1–5: «5», «5/5», «5 из 5», «Оценка: 4», «оценка — 4», «Моя оценка 5 баллов»,
  «ставлю 5», «5 звёзд»;
- or an acceptance without a number: «принимаю», «ответ принимаю», «принято», «помогло»,
  «вопрос решён», «можно закрывать»;
- with, around it, only greetings and thanks («Здравствуйте», «спасибо», «благодарю»,
  «спасибо за помощь») and a signature (after «-- », a valediction such as «С уважением,»
  with up to four short lines, a lone name, «Отправлено с iPhone»).

Anything else — a second number, «не помогло», a question, a file note — is not a rating. Quoted
text is removed by the channel before (mail: the quoted part of a reply). Pure: no Django.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class RatingReply:
    """The client accepts: ``rating`` 1–5 or None (accepted without a number); ``comment`` is
    what the reply said besides the rating («спасибо»), as written."""

    rating: int | None
    comment: str


# Clauses are split at these; a dash is not one («Оценка — 4»).
_SPLIT = re.compile(r"[\n,;!?.]+")
_SCALE = r"(?:\s*(?:/|из)\s*5)?(?:\s*(?:балл(?:а|ов)?|звезд(?:а|ы)?|★+))?"
_RATING = [
    re.compile(r"^(?:моя\s+|ваша\s+)?оценк[аи]?\s*(?:[:\-–—=]\s*)?([1-5])" + _SCALE + "$"),
    re.compile(r"^(?:ставлю|ставим|оцениваю(?:\s+на)?)\s+([1-5])" + _SCALE + "$"),
    re.compile(r"^([1-5])" + _SCALE + "$"),
]
_ACCEPT = {
    "принимаю",
    "принимаем",
    "ответ принимаю",
    "ответ принимаем",
    "принято",
    "ответ принят",
    "помогло",
    "все помогло",
    "вопрос решен",
    "проблема решена",
    "можно закрывать",
    "можно закрыть",
    "вопрос можно закрывать",
    "вопрос можно закрыть",
    "обращение можно закрыть",
    "обращение можно закрывать",
}
# Greetings are dropped; thanks are kept as the rating's comment.
_GREETING = {"здравствуйте", "добрый день", "добрый вечер", "доброе утро", "привет"}
_THANKS = {
    "спасибо",
    "спасибо большое",
    "большое спасибо",
    "огромное спасибо",
    "спасибо за помощь",
    "спасибо за ответ",
    "благодарю",
    "благодарим",
    "благодарю за помощь",
    "всего доброго",
    "хорошего дня",
}
_VALEDICTION = re.compile(
    r"^(?:с\s+уважением|с\s+наилучшими\s+пожеланиями|всего\s+доброго|best\s+regards|"
    r"kind\s+regards|regards)\b",
    re.IGNORECASE,
)
_SENT_FROM = re.compile(r"^(?:отправлено\s+(?:с|из)\b|sent\s+from\b)", re.IGNORECASE)
# A word of a signature name on its own last line: «Ольга», «Ирина Петрова», «И. Петрова».
_NAME_WORD = re.compile(r"^(?:[А-ЯЁA-Z][а-яёa-z]+(?:-[А-ЯЁA-Z][а-яёa-z]+)?|[А-ЯЁA-Z]\.)$")
# Words that make a capitalised line a sentence, not a name («Не Помогло», «Но Нет»).
_NOT_NAMES = {"не", "нет", "но", "а", "и", "да", "или", "все", "помогло", "работает", "ошибка"}
# Longest signature block kept after a valediction (name, position, company, phone).
_SIGNATURE_LINES = 4


def _normal(clause: str) -> str:
    return " ".join(clause.lower().replace("ё", "е").split())


def _without_signature(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    for i, line in enumerate(lines):
        if line in ("--", "—"):  # RFC 3676 «-- » (its trailing space stripped), or mangled
            lines = lines[:i]
            break
    lines = [line for line in lines if not _SENT_FROM.match(line.strip())]
    content = [line.strip() for line in lines if line.strip()]
    for i, line in enumerate(content):
        if _VALEDICTION.match(line) and len(content) - i - 1 <= _SIGNATURE_LINES:
            # «С уважением, Ирина» keeps nothing of the line; the block after it goes too.
            content = content[:i]
            break
    if len(content) > 1 and _is_name(content[-1]):
        content = content[:-1]
    return "\n".join(content)


def _is_name(line: str) -> bool:
    words = line.split()
    return (
        1 <= len(words) <= 3
        and all(_NAME_WORD.match(word) for word in words)
        and not {_normal(word) for word in words} & _NOT_NAMES
        and _normal(line) not in _ACCEPT | _GREETING | _THANKS
    )


def parse_rating_reply(text: str) -> RatingReply | None:
    """The acceptance a reply expresses, or None when the reply is anything but a rating."""
    body = _without_signature(text)
    if not body:
        return None
    rating: int | None = None
    accepted = False
    comment: list[str] = []
    for raw in _SPLIT.split(body):
        clause = _normal(raw)
        if not clause:
            continue
        found = next((m for m in (r.match(clause) for r in _RATING) if m is not None), None)
        if found is not None:
            if rating is not None:
                return None  # two ratings: not one answer
            rating = int(found.group(1))
        elif clause in _ACCEPT:
            accepted = True
            comment.append(raw.strip())
        elif clause in _THANKS:
            comment.append(raw.strip())
        elif clause not in _GREETING:
            return None
    if rating is None and not accepted:
        return None
    return RatingReply(rating=rating, comment=", ".join(comment))
