"""Incoming mail for supervisors: quarantine and ignored messages are visible, never deleted."""

from __future__ import annotations

from typing import TypeVar

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from supportline.accounts.models import User
from supportline.mail.inbound import decode_text
from supportline.mail.models import InboundMail, SentMail
from supportline.mail.services import inbound_mail_retry
from supportline.tickets import access
from supportline.tickets.errors import TicketError

PREVIEW_BYTES = 200_000


def _watcher(request: HttpRequest) -> bool:
    # Supervisors (quality managers) watch the quarantine without per-model permissions.
    user = request.user
    return isinstance(user, User) and access.may_watch_mail(user)


M = TypeVar("M", bound=Model)


class WatchedAdmin(admin.ModelAdmin[M]):
    """Read-only for supervisors: nothing is added, changed or deleted here."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _watcher(request) or super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return _watcher(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: M | None = None) -> bool:
        return False


@admin.register(InboundMail)
class InboundMailAdmin(WatchedAdmin[InboundMail]):
    list_display = [
        "received_at",
        "mailbox",
        "state",
        "sender",
        "sender_verified",
        "subject",
        "ticket",
        "complaint",
    ]
    list_filter = ["state", "mailbox", "sender_verified"]
    search_fields = ["sender", "subject", "message_id", "ticket__number"]
    list_select_related = ["ticket", "complaint"]
    date_hierarchy = "received_at"
    fields = (
        "mailbox",
        "state",
        "error",
        "received_at",
        "processed_at",
        "sender",
        "sender_verified",
        "verification",
        "subject",
        "message_id",
        "uidvalidity",
        "uid",
        "ticket",
        "complaint",
        "raw_preview",
    )
    readonly_fields = fields
    actions = ["retry"]

    class Media:
        css = {"all": ["supportline/admin.css"]}

    @admin.display(description=_("исходное письмо"))
    def raw_preview(self, obj: InboundMail) -> str:
        raw = bytes(obj.raw)
        text = decode_text(raw[:PREVIEW_BYTES], None)
        more = f"\n… ещё {len(raw) - PREVIEW_BYTES} байт" if len(raw) > PREVIEW_BYTES else ""
        return format_html(
            '<pre class="raw-mail">{}{}</pre>',
            text,
            more,
        )

    @admin.action(description=_("Обработать повторно (из карантина)"))
    def retry(self, request: HttpRequest, queryset: QuerySet[InboundMail]) -> None:
        done = 0
        for mail in queryset.filter(state=InboundMail.State.QUARANTINED):
            try:
                assert isinstance(request.user, User)
                inbound_mail_retry(mail=mail, actor=request.user)
                done += 1
            except TicketError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return
        self.message_user(request, f"Поставлено в обработку писем: {done}")


@admin.register(SentMail)
class SentMailAdmin(WatchedAdmin[SentMail]):
    list_display = ["sent_at", "kind", "to", "mail_id", "message"]
    list_filter = ["kind"]
    search_fields = ["to", "mail_id"]
    readonly_fields = ["message", "mail_id", "kind", "to", "sent_at"]
