"""What the 1C-Connect channel keeps: every incoming event as received, every message sent."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ConnectEvent(models.Model):
    """An event of the line as 1C-Connect sent it, stored before anything else happens.

    The webhook writes it in one transaction with its `connect.process_event` job, so an
    accepted event is never lost; `message_id` is unique, so a repeated delivery adds nothing.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("ожидает обработки")
        DONE = "done", _("обработано")
        IGNORED = "ignored", _("пропущено")
        FAILED = "failed", _("ошибка")

    message_id = models.CharField(_("message_id"), max_length=64, unique=True)
    line_id = models.CharField(_("линия"), max_length=64)
    user_id = models.CharField(_("пользователь"), max_length=64, db_index=True)
    message_type = models.IntegerField(_("тип сообщения"))
    raw = models.JSONField(_("событие"))
    received_at = models.DateTimeField(_("получено"), db_index=True)
    state = models.CharField(
        _("состояние"), max_length=10, choices=State.choices, default=State.PENDING
    )
    processed_at = models.DateTimeField(_("обработано"), null=True, blank=True)
    # Why it was skipped or failed, or what went wrong on the side (a file not downloaded).
    error = models.TextField(_("примечание"), blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="connect_events",
        verbose_name=_("обращение"),
    )

    class Meta:
        verbose_name = _("событие 1С-Коннект")
        verbose_name_plural = _("события 1С-Коннект")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["state", "received_at"])]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.message_type}, {self.state})"

    @property
    def conversation(self) -> str:
        return f"{self.line_id}:{self.user_id}"


class ConnectOutbound(models.Model):
    """A line message delivered to 1C-Connect; a second run of its job does not send again."""

    message = models.OneToOneField(
        "tickets.Message", on_delete=models.PROTECT, related_name="connect_outbound"
    )
    request_id = models.CharField(max_length=64, unique=True)
    sent_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("отправленное в 1С-Коннект")
        verbose_name_plural = _("отправленные в 1С-Коннект")
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.request_id} {self.sent_at:%Y-%m-%d %H:%M}"
