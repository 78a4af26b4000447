from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from supportline.connect.models import ConnectEvent, ConnectOutbound


class ReadOnly:
    """What 1C-Connect sent and what we sent it are records, never edited by hand."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ConnectEvent)
class ConnectEventAdmin(ReadOnly, admin.ModelAdmin[ConnectEvent]):
    list_display = ["message_id", "message_type", "state", "received_at", "ticket", "error"]
    list_filter = ["state", "message_type"]
    search_fields = ["message_id", "user_id", "ticket__number"]
    list_select_related = ["ticket"]
    readonly_fields = [f.name for f in ConnectEvent._meta.fields]
    date_hierarchy = "received_at"


@admin.register(ConnectOutbound)
class ConnectOutboundAdmin(ReadOnly, admin.ModelAdmin[ConnectOutbound]):
    list_display = ["request_id", "message", "sent_at", "status_code"]
    search_fields = ["request_id"]
    readonly_fields = [f.name for f in ConnectOutbound._meta.fields]
