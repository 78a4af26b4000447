"""What the e-mail channel keeps: every message fetched (raw, never dropped) and every sent one."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class InboundMail(models.Model):
    """A message fetched from a mailbox, stored before the server marks it \\Seen.

    Processing turns it into a ticket, a client's reply or a complaint (state processed),
    ignores an auto-reply or bounce (ignored), or keeps it for a supervisor (quarantined).
    """

    class State(models.TextChoices):
        NEW = "new", _("новое")
        PROCESSED = "processed", _("обработано")
        QUARANTINED = "quarantined", _("карантин")
        IGNORED = "ignored", _("пропущено")

    class Box(models.TextChoices):
        LINE = "line", _("линия консультаций")
        QUALITY = "quality", _("качество (претензии)")

    mailbox = models.CharField(_("ящик"), max_length=20, choices=Box.choices)
    # IMAP identity (UIDVALIDITY + UID); empty for a message imported from a file.
    uidvalidity = models.PositiveBigIntegerField(null=True, blank=True)
    uid = models.PositiveBigIntegerField(null=True, blank=True)
    message_id = models.CharField("Message-ID", max_length=300)
    sender = models.CharField(_("отправитель"), max_length=300, blank=True)
    subject = models.CharField(_("тема"), max_length=300, blank=True)
    raw = models.BinaryField(_("исходное письмо"))
    received_at = models.DateTimeField(_("получено"), db_index=True)
    state = models.CharField(
        _("состояние"), max_length=12, choices=State.choices, default=State.NEW, db_index=True
    )
    error = models.TextField(_("причина"), blank=True)
    # Whether the line's mail server vouched for the From address (mail.authresults): None
    # until processed; False = kept and processed, but not as the user with that address.
    sender_verified = models.BooleanField(_("отправитель подтверждён"), null=True, blank=True)
    verification = models.CharField(_("проверка отправителя"), max_length=300, blank=True)
    processed_at = models.DateTimeField(_("обработано"), null=True, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inbound_mail",
        verbose_name=_("обращение"),
    )
    complaint = models.ForeignKey(
        "tickets.Complaint",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inbound_mail",
        verbose_name=_("претензия"),
    )

    class Meta:
        verbose_name = _("входящее письмо")
        verbose_name_plural = _("входящие письма")
        ordering = ["-received_at", "-id"]
        constraints = [
            # A second delivery of the same message (same Message-ID, same sender) creates
            # nothing; the same Message-ID from another sender is kept (quarantined).
            models.UniqueConstraint(
                fields=["mailbox", "message_id", "sender"], name="inbound_once_per_id_and_sender"
            ),
            models.UniqueConstraint(
                fields=["mailbox", "uidvalidity", "uid"],
                condition=Q(uid__isnull=False),
                name="inbound_once_per_uid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.get_state_display()})"

    @property
    def collision_id(self) -> str:
        """The external id of this letter when another sender used its Message-ID first."""
        return f"<inbound-{self.pk}@supportline.invalid>"


class SentMail(models.Model):
    """A ticket message delivered to the SMTP server: a re-run of its job sends nothing."""

    message = models.OneToOneField(
        "tickets.Message", on_delete=models.PROTECT, related_name="sent_mail"
    )
    # The mail's Message-ID header (`message_id` is the column of the `message` link).
    mail_id = models.CharField("Message-ID", max_length=300)
    kind = models.CharField(_("вид письма"), max_length=20)
    to = models.CharField(_("кому"), max_length=300)
    sent_at = models.DateTimeField(_("отправлено"))

    class Meta:
        verbose_name = _("отправленное письмо")
        verbose_name_plural = _("отправленные письма")
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.mail_id} → {self.to}"
