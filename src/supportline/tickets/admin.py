from __future__ import annotations

from django.contrib import admin

from supportline.tickets import models


class EventInline(admin.TabularInline[models.TicketEvent, models.Ticket]):
    model = models.TicketEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "type", "author", "data"]

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(models.Ticket)
class TicketAdmin(admin.ModelAdmin[models.Ticket]):
    """Read-mostly: state changes go through the desk and the API (one write path)."""

    list_display = ["number", "subject", "status", "level", "channel", "registered_at", "assignee"]
    list_filter = ["status", "level", "channel", "kind"]
    search_fields = ["number", "subject", "registration_number", "organisation_name"]
    list_select_related = ["assignee"]
    readonly_fields = [f.name for f in models.Ticket._meta.fields]
    inlines = [EventInline]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(models.DevelopmentItem)
class DevelopmentItemAdmin(admin.ModelAdmin[models.DevelopmentItem]):
    list_display = ["title", "kind", "target_release", "created_at"]
    list_filter = ["kind"]


@admin.register(models.Complaint)
class ComplaintAdmin(admin.ModelAdmin[models.Complaint]):
    list_display = ["number", "subject", "state", "received_at"]
    list_filter = ["state"]
