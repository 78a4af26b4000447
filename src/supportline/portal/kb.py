"""Self-service first (R5): searching the knowledge base and the answered tickets of the
client's own organisation while the question is typed.

On PostgreSQL the database stems Russian (`config="russian"`, websearch syntax, ranked); on
SQLite the Snowball stemmer (`supportline.lib.russian`) is applied to the
question and to the texts, and matches are counted by stems. A typed question is a sentence,
not a query: any meaningful word may match (OR), and more matches rank higher.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection, transaction
from django.db.models import F, QuerySet

from supportline.accounts.models import User
from supportline.lib import russian as search
from supportline.portal.models import Article
from supportline.tickets import access
from supportline.tickets.models import Status, Ticket

# A question of a hundred words is still one question: its first words are enough to search.
MAX_WORDS = 16
# On SQLite the answered tickets are matched in Python: the organisation's latest ones only.
TICKET_SCAN_LIMIT = 500


def _websearch(words: list[str]) -> SearchQuery:
    # websearch syntax: "a or b" is a disjunction; a bare "or" would be an operator.
    terms = [w for w in words[:MAX_WORDS] if w != "or"]
    return SearchQuery(" or ".join(terms), config="russian", search_type="websearch")


def _is_postgres() -> bool:
    return connection.vendor == "postgresql"


def search_articles(query: str, *, limit: int = 5) -> list[Article]:
    """Published articles matching `query` by Russian stems, best first."""
    words = search.words(query)
    if not words:
        return []
    published = Article.objects.filter(published=True)
    if _is_postgres():
        vector = SearchVector("title", config="russian", weight="A") + SearchVector(
            "body", config="russian", weight="B"
        )
        wanted = _websearch(words)
        return list(
            published.annotate(document=vector, rank=SearchRank(vector, wanted))
            .filter(document=wanted)
            .order_by("-rank", "-updated_at", "id")[:limit]
        )
    wanted_stems = {search.stem(w) for w in words[:MAX_WORDS]}
    scored = []
    for article in published:
        # A word in the title counts twice, like weight A against B on PostgreSQL.
        score = 2 * len(wanted_stems & search.stems(article.title)) + len(
            wanted_stems & search.stems(article.body)
        )
        if score:
            scored.append((-score, -article.updated_at.timestamp(), article.pk, article))
    return [row[-1] for row in sorted(scored, key=lambda row: row[:3])[:limit]]


def _answered(user: User) -> QuerySet[Ticket]:
    """R5: closed and rated tickets the user may see (its organisation's, a partner's own)."""
    return access.visible_tickets(user).filter(status=Status.CLOSED, rating__isnull=False)


def search_answered_tickets(user: User, query: str, *, limit: int = 5) -> list[Ticket]:
    """Answered tickets of the user's organisation whose subject matches `query`."""
    words = search.words(query)
    if not words:
        return []
    answered = _answered(user).only("id", "number", "subject", "rating", "closed_at")
    if _is_postgres():
        vector = SearchVector("subject", config="russian")
        wanted = _websearch(words)
        return list(
            answered.annotate(document=vector, rank=SearchRank(vector, wanted))
            .filter(document=wanted)
            .order_by("-rank", F("closed_at").desc(nulls_last=True), "-id")[:limit]
        )
    wanted_stems = {search.stem(w) for w in words[:MAX_WORDS]}
    scored = []
    for position, ticket in enumerate(answered.order_by("-closed_at", "-id")[:TICKET_SCAN_LIMIT]):
        score = len(wanted_stems & search.stems(ticket.subject))
        if score:
            scored.append((-score, position, ticket))
    return [row[-1] for row in sorted(scored, key=lambda row: row[:2])[:limit]]


# ------------------------------------------------------------------ demo articles

SEED_ARTICLES: list[tuple[str, str]] = [
    (
        "Не формируется отчёт «Воронка продаж»",
        "Если отчёт «Воронка продаж» формируется пустым или выдаёт ошибку, проверьте:\n"
        "1. Заполнены ли этапы в настройках процесса продаж (раздел «Продажи» — "
        "«Настройки» — «Процессы продаж»). Отчёт группирует сделки по этапам: сделки без "
        "этапа в воронку не попадают.\n"
        "2. Отбор по периоду: в воронку попадают сделки, созданные в выбранном периоде.\n"
        "3. Права пользователя: отчёт показывает только сделки, доступные пользователю по "
        "настройкам прав доступа.\n"
        "Если отчёт по-прежнему не формируется, обновите конфигурацию до актуального релиза и "
        "пришлите на линию текст ошибки и снимок экрана.",
    ),
    (
        "Как обновить конфигурацию 1С:CRM до актуального релиза",
        "Обновления конфигурации доступны на сайте обновлений 1С при действующем договоре "
        "1С:ИТС. Перед обновлением создайте резервную копию информационной базы "
        "(«Администрирование» — «Обслуживание» — «Резервное копирование»).\n"
        "Обновление выполняется последовательно, через все промежуточные релизы, указанные в "
        "описании обновления. Для типовой конфигурации используйте команду «Обновить "
        "конфигурацию» в Конфигураторе или автоматическое обновление из режима предприятия.\n"
        "Если у вас нет доступа к сайту обновлений, оформите на портале запрос доступа к "
        "обновлениям: укажите ИНН организации и регистрационный номер основной поставки.",
    ),
    (
        "Ошибка «Не обнаружена лицензия для использования программы»",
        "Сообщение означает, что программа не нашла программную лицензию или ключ защиты.\n"
        "Проверьте, что лицензия активирована на этом компьютере или на сервере 1С:Предприятия, "
        "и что после замены оборудования (сетевой карты, жёсткого диска) лицензия не "
        "потеряла привязку — в этом случае её нужно активировать повторно резервным "
        "пин-кодом.\n"
        "Вопросы лицензирования и системы защиты линия консультирует всегда, даже без "
        "действующего договора 1С:ИТС: при обращении укажите регистрационный номер программы "
        "и приложите текст сообщения.",
    ),
    (
        "Настройка учётной записи электронной почты в 1С:CRM",
        "Чтобы получать и отправлять письма из 1С:CRM, создайте учётную запись электронной "
        "почты: «Администрирование» — «Органайзер» — «Учётные записи электронной почты». "
        "Укажите адрес, серверы входящей (IMAP или POP3) и исходящей (SMTP) почты и порты. "
        "Для почтовых сервисов с двухфакторной защитой используйте пароль приложения.\n"
        "Если письма не загружаются, проверьте настройки сервера с помощью команды «Проверить "
        "настройки» и посмотрите журнал регистрации.",
    ),
    (
        "Права доступа: пользователь не видит клиентов и сделки",
        "Видимость клиентов, сделок и интересов ограничивается настройками прав доступа "
        "(«Администрирование» — «Настройки пользователей и прав» — «Группы доступа»).\n"
        "Проверьте, в какие группы доступа входит пользователь и какие ограничения доступа "
        "на уровне записей включены (по ответственному, по подразделению). После изменения "
        "групп пользователь должен перезапустить программу.",
    ),
]


@transaction.atomic
def seed_articles() -> list[Article]:
    """Realistic 1C:CRM knowledge-base articles for the demo; idempotent (by title)."""
    return [
        Article.objects.get_or_create(title=title, defaults={"body": body, "published": True})[0]
        for title, body in SEED_ARTICLES
    ]
