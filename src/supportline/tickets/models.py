"""Tickets of the consultation line, their append-only event log (R16) and what hangs off them.

State changes happen only in the ticket actions (`supportline.tickets.actions`); nothing here writes other rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from supportline.sla import TicketSla


class Channel(models.TextChoices):
    EMAIL = "email", _("Электронная почта")
    PHONE = "phone", _("Телефон")
    CONNECT = "connect", _("1С-Коннект")
    PORTAL = "portal", _("Портал")
    API = "api", _("REST API")


# Channels where missing R1 data is asked for after registration instead of being refused.
# Channels whose missing R1 data the line asks for in an automatic message (R1, R12). On the
# phone the consultant asks during the call (R6), so a call is not one of them.
ASKING_CHANNELS = frozenset({Channel.EMAIL, Channel.CONNECT})


class Status(models.TextChoices):
    REGISTERED = "registered", _("Зарегистрировано")
    ACCEPTED = "accepted", _("Принято в работу")
    IN_PROGRESS = "in_progress", _("В работе")
    WAITING_CLIENT = "waiting_client", _("Ожидает ответа клиента")
    TRANSFERRED = "transferred", _("Передано методологу / в отдел разработки")
    CLIENT_EVALUATION = "client_evaluation", _("Оценка клиентом")
    CLOSED = "closed", _("Закрыто")
    REFUSED = "refused", _("Отказано: нет действующего договора")
    REDIRECTED = "redirected", _("Перенаправлено: вне регламента")


FINAL_STATUSES = frozenset({Status.CLOSED, Status.REFUSED, Status.REDIRECTED})
OPEN_STATUSES = frozenset(set(Status) - FINAL_STATUSES)


def level_choices() -> list[tuple[str, str]]:
    """The support levels of the regulation in force (R7-R11, R21: `[[levels]]` of the file):
    a callable, so the levels are data, not code or a migration."""
    from supportline.core import rules

    regulation = rules.regulation_or_none()
    levels = regulation.levels if regulation is not None else ()
    return [(level.id, rules.tr(level.name)) for level in levels]


def default_level() -> str:
    """The regulation's default level (`sla.default_level`)."""
    from supportline.core import rules

    return rules.regulation().default_level_id


class Kind(models.TextChoices):
    CONSULTATION = "consultation", _("Консультация")
    UPDATE_ACCESS = "update_access", _("Доступ к обновлениям")
    OFFER_REQUEST = "offer_request", _("Запрос услуги")


class TransferTarget(models.TextChoices):
    METHODOLOGIST = "methodologist", _("Методолог")
    DEVELOPMENT = "development", _("Отдел разработки")


class Exemption(models.TextChoices):
    """R2: an ineligible ticket whose client chose a contract-exempt category (licensing, the
    protection system) is served only once the line confirms that the question really is one."""

    NONE = "", _("не требуется")
    PENDING = "pending", _("исключение ждёт подтверждения")
    CONFIRMED = "confirmed", _("исключение подтверждено")
    RECLASSIFIED = "reclassified", _("исключение не подтверждено")


class SlaState(models.TextChoices):
    RUNNING = "running", _("идёт")
    PAUSED = "paused", _("на паузе")
    MET = "met", _("выполнено")
    BREACHED = "breached", _("нарушено")


@dataclass(frozen=True)
class Written:
    """What the action that just registered a ticket wrote: its events and messages, and the
    SLA figures computed from them, so the answer to that request reads nothing back."""

    events: list[TicketEvent]
    messages: list[Message]
    sla: TicketSla


class Ticket(models.Model):
    number = models.CharField(_("номер"), max_length=20, unique=True, null=True)
    kind = models.CharField(
        _("тип"), max_length=20, choices=Kind.choices, default=Kind.CONSULTATION
    )
    subject = models.CharField(_("тема"), max_length=300)
    channel = models.CharField(_("канал"), max_length=10, choices=Channel.choices)
    category = models.CharField(_("категория"), max_length=50, blank=True)
    level = models.CharField(
        _("уровень"), max_length=30, choices=level_choices, default=default_level
    )
    status = models.CharField(
        _("статус"), max_length=20, choices=Status.choices, default=Status.REGISTERED
    )
    # Critical release errors are worked out of turn, ahead of the FIFO order (R14).
    out_of_turn = models.BooleanField(_("вне очереди"), default=False)
    # Indexed with the id in Meta (the lists' order, issue 15).
    registered_at = models.DateTimeField(_("зарегистрировано"))

    # R1 intake data as given, and what it resolved to in the registries.
    registration_number = models.CharField(_("регистрационный номер"), max_length=50, blank=True)
    partner_code = models.CharField(_("код партнёра"), max_length=50, blank=True)
    organisation_name = models.CharField(_("организация"), max_length=300, blank=True)
    configuration_name = models.CharField(_("конфигурация"), max_length=300, blank=True)
    version = models.CharField(_("версия"), max_length=40, blank=True)
    registration = models.ForeignKey(
        "registry.RegistrationNumber",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("регистрационный номер в реестре"),
    )
    # Both indexed in Meta, leading the client's and the partner's lists (issue 15).
    organisation = models.ForeignKey(
        "registry.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
        verbose_name=_("организация в реестре"),
    )
    partner = models.ForeignKey(
        "registry.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
        verbose_name=_("партнёр"),
    )
    configuration = models.ForeignKey(
        "registry.Configuration",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("конфигурация в реестре"),
    )
    # R1 fields still missing on a ticket that came by e-mail/phone/messenger.
    missing_fields = models.JSONField(
        default=list, blank=True, verbose_name=_("недостающие данные")
    )
    # R2: whether the line still has to confirm a licensing/protection exemption.
    exemption = models.CharField(
        _("исключение по договору"),
        max_length=12,
        choices=Exemption.choices,
        default=Exemption.NONE,
        blank=True,
    )
    # R1, R4 checks shown to the consultant: a version newer than every known release of the
    # configuration (accepted), and an organisation name that differs from the registry's.
    version_unreleased = models.BooleanField(_("версия новее известных релизов"), default=False)
    organisation_mismatch = models.BooleanField(
        _("наименование организации не совпадает с реестром"), default=False
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="filed_tickets",
        verbose_name=_("кем зарегистрировано"),
    )
    contact_email = models.EmailField(_("e-mail для ответа"), blank=True)
    contact_name = models.CharField(_("контактное лицо"), max_length=200, blank=True)
    contact_phone = models.CharField(_("телефон для связи"), max_length=30, blank=True)
    # The 1C-Connect conversation (line_id:user_id) a messenger ticket is answered in.
    connect_conversation = models.CharField(
        max_length=200, blank=True, db_index=True, verbose_name=_("диалог 1С-Коннект")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
        verbose_name=_("исполнитель"),
    )
    transferred_to = models.CharField(
        _("передано"), max_length=20, choices=TransferTarget.choices, blank=True
    )
    development_item = models.ForeignKey(
        "DevelopmentItem",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name=_("задача разработки"),
    )
    rating = models.PositiveSmallIntegerField(_("оценка"), null=True, blank=True)
    rating_comment = models.TextField(_("комментарий к оценке"), blank=True)
    evaluation_started_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("на оценке с")
    )
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("закрыто"))

    # SLA figures recomputed from the events on every change, so queues and warnings
    # query columns rather than running the clock (R11).
    # The due-at and warn-at columns are indexed only where a clock runs (Meta): the scan's
    # index range is the open tickets, not the whole history (issue 15).
    reaction_due_at = models.DateTimeField(null=True, blank=True, verbose_name=_("срок реакции"))
    reaction_state = models.CharField(
        max_length=10,
        choices=SlaState.choices,
        default=SlaState.RUNNING,
        verbose_name=_("состояние срока реакции"),
    )
    resolution_due_at = models.DateTimeField(null=True, blank=True, verbose_name=_("срок решения"))
    resolution_state = models.CharField(
        max_length=10,
        choices=SlaState.choices,
        default=SlaState.RUNNING,
        verbose_name=_("состояние срока решения"),
    )
    # Working minutes the resolution clock had used at the last change: what a paused clock
    # still has left is its target minus this (R12), without running the clock per row.
    resolution_elapsed_minutes = models.PositiveIntegerField(
        default=0, verbose_name=_("использовано на решение, раб. мин")
    )
    # The same for the reaction clock, which pauses while the automatic request for R1 data
    # waits (R7).
    reaction_elapsed_minutes = models.PositiveIntegerField(
        default=0, verbose_name=_("использовано на реакцию, раб. мин")
    )
    # When a running clock reaches the regulation's warning share of its target (R11).
    sla_warn_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("предупреждение о сроке")
    )
    # R21, reproducible figures: the regulation version in force at registration and the levels'
    # targets it set ({level: [reaction, resolution]} working minutes), kept for the ticket's
    # life; and, once the ticket is finished, its SLA figures frozen (sla.frozen), so a later
    # change of the regulation or the calendar never rewrites them.
    regulation_version = models.CharField(
        max_length=80, blank=True, verbose_name=_("версия регламента")
    )
    sla_targets = models.JSONField(default=dict, blank=True, verbose_name=_("цели уровней"))
    sla_frozen = models.JSONField(null=True, blank=True, verbose_name=_("зафиксированные сроки"))
    # Issue 14 §6: a duplicate (the same question by phone and by mail) merged into another
    # ticket: closed, its messages moved there; and tickets the line linked as related.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_duplicates",
        verbose_name=_("объединено с"),
    )
    related_tickets = models.ManyToManyField(
        "self", blank=True, symmetrical=True, verbose_name=_("связанные обращения")
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("изменено"))
    # Not stored: set by the registration that wrote this instance (`steps.save`).
    written: Written | None = None

    class Meta:
        verbose_name = _("обращение")
        verbose_name_plural = _("обращения")
        ordering = ["-out_of_turn", "registered_at", "id"]
        # Each list's filter + order (issue 15; the plans are in bench/README.md):
        indexes = [
            # the queue (R14) and «take next»: open tickets in regulation order, straight
            # from the index whatever the open status filter;
            models.Index(
                fields=["-out_of_turn", "registered_at", "id"],
                condition=models.Q(status__in=sorted(OPEN_STATUSES)),
                name="ticket_queue_open",
            ),
            # the line's list, newest first, a keyset page at a time;
            models.Index(fields=["registered_at", "id"], name="ticket_newest"),
            # a client's and a partner's own lists;
            models.Index(fields=["organisation", "registered_at", "id"], name="ticket_org_newest"),
            models.Index(fields=["partner", "registered_at", "id"], name="ticket_partner_newest"),
            # the SLA scan (R11): running clocks only.
            models.Index(
                fields=["reaction_due_at"],
                condition=models.Q(reaction_state="running"),
                name="ticket_reaction_running",
            ),
            models.Index(
                fields=["resolution_due_at"],
                condition=models.Q(resolution_state="running"),
                name="ticket_resolution_running",
            ),
            models.Index(
                fields=["sla_warn_at"],
                condition=models.Q(sla_warn_at__isnull=False),
                name="ticket_warn_pending",
            ),
            # reports (issue 16): the backlog — tickets still open at an instant.
            models.Index(fields=["closed_at"], name="ticket_closed_at"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class EventType(models.TextChoices):
    REGISTERED = "registered", _("Зарегистрировано")
    ACCEPTED = "accepted", _("Принято в работу")
    ASKED = "asked", _("Вопрос клиенту")
    # R1, R7: the automatic request for missing R1 data — not a reaction; pauses both clocks.
    DATA_REQUESTED = "data_requested", _("Автоматический запрос недостающих данных")
    CLIENT_REPLIED = "client_replied", _("Ответ клиента")
    ANSWERED = "answered", _("Ответ линии")
    RESOLVED = "resolved", _("Передано на оценку клиенту")
    REOPENED = "reopened", _("Клиент отклонил ответ")
    CLOSED = "closed", _("Закрыто")
    REFUSED = "refused", _("Отказ: нет действующего договора")
    REDIRECTED = "redirected", _("Перенаправлено")
    LEVEL_CHANGED = "level_changed", _("Изменён уровень поддержки")
    ASSIGNED = "assigned", _("Назначен исполнитель")
    TRANSFERRED = "transferred", _("Передано")
    DATA_CHANGED = "data_changed", _("Изменены данные")
    MESSAGE = "message", _("Сообщение")
    EVALUATED = "evaluated", _("Оценка клиента")
    EXEMPTION_PENDING = "exemption_pending", _("Исключение по договорам ждёт подтверждения")
    EXEMPTION_CONFIRMED = "exemption_confirmed", _("Исключение по договорам подтверждено")
    RECLASSIFIED = "reclassified", _("Исключение по договорам не подтверждено")
    # Issue 14 §6: the duplicate's side (a final event: both clocks stop) and the kept ticket's.
    MERGED = "merged", _("Объединено с другим обращением")
    MERGED_IN = "merged_in", _("Присоединено обращение-дубль")
    LINKED = "linked", _("Связано с обращением")
    UNLINKED = "unlinked", _("Связь с обращением снята")


# The event types the SLA clock reads (supportline.sla); the rest are for the audit trail.
CLOCK_EVENTS = frozenset(
    {
        EventType.REGISTERED,
        EventType.ACCEPTED,
        EventType.ASKED,
        EventType.DATA_REQUESTED,
        EventType.CLIENT_REPLIED,
        EventType.RESOLVED,
        EventType.REOPENED,
        EventType.CLOSED,
        EventType.REFUSED,
        EventType.REDIRECTED,
        EventType.MERGED,
        EventType.LEVEL_CHANGED,
    }
)


class TicketEvent(models.Model):
    """Append-only (R16): every change of status, level, assignee, data and every message."""

    ticket = models.ForeignKey(
        Ticket, on_delete=models.PROTECT, related_name="events", verbose_name=_("обращение")
    )
    at = models.DateTimeField(db_index=True, verbose_name=_("когда"))
    type = models.CharField(max_length=20, choices=EventType.choices, verbose_name=_("событие"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("кто"),
    )
    data = models.JSONField(default=dict, blank=True, verbose_name=_("подробности"))

    class Meta:
        verbose_name = _("событие")
        verbose_name_plural = _("события")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.type}"


class Message(models.Model):
    class Author(models.TextChoices):
        CLIENT = "client", _("клиент")
        LINE = "line", _("линия")
        SYSTEM = "system", _("система")

    class Purpose(models.TextChoices):
        """Why the message was written: it picks the e-mail template (set by the services)."""

        REQUEST = "request", _("вопрос при регистрации")
        CLIENT = "client", _("сообщение клиента")
        RECEIPT = "receipt", _("уведомление о регистрации")
        ACCEPTANCE = "acceptance", _("подтверждение принятия")
        QUESTION = "question", _("вопрос клиенту")
        ANSWER = "answer", _("ответ")
        EVALUATION = "evaluation", _("ответ на оценку клиенту")
        REFUSAL = "refusal", _("отказ")
        REDIRECTION = "redirection", _("перенаправление")
        RELEASE = "release", _("выход релиза")
        NOTICE = "notice", _("уведомление")

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="messages")
    at = models.DateTimeField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    author_kind = models.CharField(max_length=10, choices=Author.choices)
    purpose = models.CharField(max_length=20, choices=Purpose.choices, default=Purpose.NOTICE)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    body = models.TextField()
    # External id (e-mail Message-ID, 1C-Connect message_id) for idempotent intake.
    external_id = models.CharField(max_length=300, blank=True, db_index=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.author_kind} {self.at:%Y-%m-%d %H:%M}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.message.ticket_id}/{filename}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return self.name


class DevelopmentItem(models.Model):
    """A defect or wish the line escalated (R15), planned for a release."""

    class ItemKind(models.TextChoices):
        DEFECT = "defect", _("Ошибка")
        WISH = "wish", _("Пожелание")

    title = models.CharField(_("название"), max_length=300)
    kind = models.CharField(_("вид"), max_length=10, choices=ItemKind.choices)
    description = models.TextField(_("описание"), blank=True)
    target_release = models.ForeignKey(
        "registry.Release",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="items",
        verbose_name=_("целевой релиз"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("создано"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("кем создано"),
    )

    class Meta:
        verbose_name = _("задача разработки")
        verbose_name_plural = _("задачи разработки")

    def __str__(self) -> str:
        return self.title


class Notification(models.Model):
    """An in-app notice for a user (release published, SLA warnings, …)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.CASCADE)
    kind = models.CharField(max_length=30)
    text = models.TextField()
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "ticket", "kind"], name="notification_once_per_ticket_kind"
            )
        ]


class UpdateAccessDetails(models.Model):
    """R17: what an update-site access request carries; R18: what granting recorded."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="update_access")
    organisation_full_name = models.CharField(max_length=500)
    inn = models.CharField(max_length=12)
    previous_login = models.CharField(max_length=100, blank=True)
    granted_login = models.CharField(max_length=100, blank=True)
    # R18: the registry's configurations the granted access covers (not free text).
    configurations = models.ManyToManyField(
        "registry.Configuration", blank=True, related_name="update_access_grants"
    )
    decided_at = models.DateTimeField(null=True, blank=True)


class Complaint(models.Model):
    """A quality complaint (R20): its own queue for the quality manager, answered too."""

    class State(models.TextChoices):
        OPEN = "open", _("Новая")
        ANSWERED = "answered", _("Дан ответ")

    number = models.CharField(max_length=20, unique=True, null=True, verbose_name=_("номер"))
    received_at = models.DateTimeField(verbose_name=_("получено"))
    channel = models.CharField(max_length=10, choices=Channel.choices, verbose_name=_("канал"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("автор"),
    )
    author_email = models.EmailField(blank=True, verbose_name=_("e-mail автора"))
    organisation = models.ForeignKey(
        "registry.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("организация"),
    )
    subject = models.CharField(max_length=300, verbose_name=_("тема"))
    text = models.TextField(verbose_name=_("текст"))
    tickets = models.ManyToManyField(
        Ticket, blank=True, related_name="complaints", verbose_name=_("обращения")
    )
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.OPEN, verbose_name=_("состояние")
    )
    answer = models.TextField(blank=True, verbose_name=_("ответ"))
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("кто ответил"),
    )
    answered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("когда ответил"))
    # R20: who answers it and by when (the regulation's working days from receipt).
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_complaints",
        verbose_name=_("ответственный"),
    )
    due_at = models.DateTimeField(
        null=True, blank=True, db_index=True, verbose_name=_("срок ответа")
    )

    class Meta:
        ordering = ["received_at", "id"]

    def is_overdue(self, now: dt.datetime) -> bool:
        """R20: still unanswered after the regulation's deadline."""
        return self.state == self.State.OPEN and self.due_at is not None and self.due_at < now


# ---------------------------------------------------------------- the desk's working day (issue 14)


class TicketSearch(models.Model):
    """What the desk's search box looks in (issue 14 §2), one row per ticket, rebuilt by the
    actions whenever the ticket changes (`tickets.search.refresh`): the number, subject, message
    texts, organisation, INN, registration number and contact as plain words (`document`); their
    Snowball stems for SQLite (`stems`, « stem1 stem2 … »); and on PostgreSQL the `russian`
    text-search vector of the document (`vector`, GIN-indexed by migration 0014)."""

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, primary_key=True, related_name="search"
    )
    document = models.TextField(blank=True)
    stems = models.TextField(blank=True)
    vector = SearchVectorField(null=True, blank=True)


class InternalNote(models.Model):
    """A note of the line on a ticket (issue 14 §4): a separate table from `Message`, so it can
    never reach the client — not the portal, not mail or 1C-Connect (the outbox sends messages),
    not the API's messages or events."""

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="notes")
    at = models.DateTimeField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("текст заметки"))
    mentioned = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        verbose_name = _("внутренняя заметка")
        verbose_name_plural = _("внутренние заметки")
        ordering = ["at", "id"]


class ReplyTemplate(models.Model):
    """A reply template of the line (issue 14 §5): shared (`owner` empty) or a consultant's own.
    The regulation's standard answers are templates too, read from the regulation file."""

    title = models.CharField(_("название"), max_length=200)
    body = models.TextField(_("текст"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reply_templates",
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("шаблон ответа")
        verbose_name_plural = _("шаблоны ответов")
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title


class SavedView(models.Model):
    """A consultant's saved search of the desk (issue 14 §2): its name and the search's query
    string (the same parameters the search form sends, checked again when it is opened)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(_("название"), max_length=100)
    query = models.CharField(max_length=1000)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_view_name")]
