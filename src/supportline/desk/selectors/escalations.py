"""Escalations (R15): tickets with methodologists and development, development items, releases."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from supportline.accounts.models import User
from supportline.registry.models import Release
from supportline.tickets import access
from supportline.tickets.models import OPEN_STATUSES, DevelopmentItem, Status, Ticket


def transferred_tickets(user: User, to: str = "") -> QuerySet[Ticket]:
    """Tickets transferred to a methodologist or development, as far as the user may see."""
    tickets = access.visible_tickets(user).filter(status=Status.TRANSFERRED)
    if to:
        tickets = tickets.filter(transferred_to=to)
    return tickets.select_related(
        "assignee", "organisation", "development_item__target_release__configuration"
    ).order_by("-out_of_turn", "registered_at", "id")


def development_items() -> QuerySet[DevelopmentItem]:
    return (
        DevelopmentItem.objects.select_related("target_release__configuration", "created_by")
        .annotate(
            ticket_count=Count("tickets", distinct=True),
            open_count=Count("tickets", filter=Q(tickets__status__in=OPEN_STATUSES), distinct=True),
        )
        .order_by("-created_at", "-id")
    )


def planned_releases() -> QuerySet[Release]:
    """Releases still to come: neither published nor current (R15 targets)."""
    return (
        Release.objects.filter(published_at__isnull=True, is_current=False)
        .select_related("configuration")
        .order_by("configuration__name", "version_key")
    )


def releases_with_items() -> QuerySet[Release]:
    items = Prefetch(
        "items",
        queryset=DevelopmentItem.objects.annotate(ticket_count=Count("tickets")).order_by("id"),
    )
    return planned_releases().prefetch_related(items)


def published_releases(limit: int = 20) -> list[Release]:
    return list(
        Release.objects.filter(published_at__isnull=False)
        .select_related("configuration")
        .order_by("-published_at")[:limit]
    )
