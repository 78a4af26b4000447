from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self, now: dt.datetime | None = None) -> ApiTokenQuerySet:
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )

    def revoke(self, *, reason: str, now: dt.datetime | None = None) -> int:
        """Revoke the tokens not yet revoked; how many were."""
        return self.filter(revoked_at__isnull=True).update(
            revoked_at=now or timezone.now(), revoked_reason=reason[:100]
        )


class ApiToken(models.Model):
    """A bearer token of the REST API. Only its SHA-256 is stored; the token is shown once.

    It may expire (`expires_at`) and is revoked by hand (admin, `supportline token --revoke`)
    or when its user's password changes (`supportline.api.signals`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("пользователь"),
    )
    key_hash = models.CharField(max_length=64, unique=True)
    name = models.CharField(_("назначение"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("выпущен"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("последнее использование"), null=True, blank=True)
    expires_at = models.DateTimeField(_("действует до"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("отозван"), null=True, blank=True)
    revoked_reason = models.CharField(_("причина отзыва"), max_length=100, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("токен API")
        verbose_name_plural = _("токены API")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.name or ''}".strip()

    @classmethod
    def issue(
        cls, user: models.Model, name: str = "", *, expires_at: dt.datetime | None = None
    ) -> tuple[ApiToken, str]:
        raw = "sl_" + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, key_hash=hash_token(raw), name=name, expires_at=expires_at
        )
        return token, raw

    def is_expired(self, now: dt.datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())


class IdempotencyKey(models.Model):
    """The first answer to a POST that carried an `Idempotency-Key` (issue 12 §6).

    Written in the same transaction as what the request created, so a key exists exactly
    when its ticket does; a retry with the key gets this answer back. Keys older than a week
    may be pruned (`supportline prune`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    # The JSON text as first answered (text, not jsonb: PostgreSQL would reorder its keys).
    response_body = models.TextField()
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("ключ идемпотентности")
        verbose_name_plural = _("ключи идемпотентности")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_once_per_user_key")
        ]

    def __str__(self) -> str:
        return self.key
