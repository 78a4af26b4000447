from __future__ import annotations

from django.contrib import admin

from supportline.tickets import models


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The ticket domain is written only by the actions (the desk, the API, the channels): the
    admin shows it and never adds, changes or deletes a row (R16: the history is kept whole)."""

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


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
class TicketAdmin(ReadOnlyAdmin):
    """Read-only: state changes go through the desk and the API (one write path)."""

    list_display = ["number", "subject", "status", "level", "channel", "registered_at", "assignee"]
    list_filter = ["status", "level", "channel", "kind"]
    search_fields = ["number", "subject", "registration_number", "organisation_name"]
    list_select_related = ["assignee"]
    readonly_fields = [f.name for f in models.Ticket._meta.fields]
    inlines = [EventInline]


@admin.register(models.DevelopmentItem)
class DevelopmentItemAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "target_release", "created_at"]
    list_filter = ["kind"]


@admin.register(models.Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = ["number", "subject", "state", "received_at"]
    list_filter = ["state"]
