"""R13: the strict parser of a reply that is only a rating (no database)."""

from __future__ import annotations

import pytest

from supportline.tickets.rating_reply import RatingReply, parse_rating_reply


@pytest.mark.parametrize(
    ("text", "rating", "comment"),
    [
        ("5", 5, ""),
        ("  4.\n", 4, ""),
        ("5!", 5, ""),
        ("5/5", 5, ""),
        ("3 из 5", 3, ""),
        ("Оценка: 4", 4, ""),
        ("оценка 5, спасибо", 5, "спасибо"),
        ("Оценка — 2", 2, ""),
        ("ОЦЕНКА:5", 5, ""),
        ("Моя оценка 5 баллов. Большое спасибо!", 5, "Большое спасибо"),
        ("Ставлю 5", 5, ""),
        ("5 звёзд", 5, ""),
        ("Здравствуйте! 5", 5, ""),
        ("Спасибо за помощь!\n5", 5, "Спасибо за помощь"),
        ("Принимаю", None, "Принимаю"),
        ("Ответ принимаю, спасибо", None, "Ответ принимаю, спасибо"),
        (
            "Спасибо, помогло. Вопрос можно закрывать.",
            None,
            "Спасибо, помогло, Вопрос можно закрывать",
        ),
        ("Вопрос решён", None, "Вопрос решён"),
    ],
)
def test_r13_a_reply_that_is_only_a_rating_accepts(
    text: str, rating: int | None, comment: str
) -> None:
    assert parse_rating_reply(text) == RatingReply(rating=rating, comment=comment)


@pytest.mark.parametrize(
    "text",
    [
        "5\n\n-- \nИван Смирнов\nООО «Ромашка», отдел продаж\n+7 (495) 123-45-67",
        "Оценка 5\n\nС уважением,\nИрина Петрова\nглавный бухгалтер\nООО «Ромашка»",
        "5\nС уважением, Ирина",
        "Спасибо, 5\n\nОльга",
        "4\n\nИ. Петрова",
        "5\n\nОтправлено с iPhone",
    ],
)
def test_r13_a_signature_does_not_hide_the_rating(text: str) -> None:
    reply = parse_rating_reply(text)
    assert reply is not None and reply.rating in (4, 5)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Не помогло",
        "не помогло, отчёт всё так же падает",
        "Спасибо",  # thanks alone are no rating: the line asks again rather than closes
        "Спасибо!",
        "5, но отчёт всё равно не формируется",
        "5\n\nНо отчёт всё равно не формируется",
        "0",
        "6",
        "10",
        "4,5",
        "Оценка: 3, а лучше 4",
        "Оценка",
        "А когда будет исправление?",
        "Принимаю, но есть ещё вопрос",
        "5\n\nФайл «ошибка.png»",
        "5\n\nНе Помогло",
        "Отлично",
        "С уважением, Ирина",
    ],
)
def test_r13_anything_else_is_not_a_rating(text: str) -> None:
    assert parse_rating_reply(text) is None
