"""Complaints (R20) as far as the user may see them, new ones first."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from supportline.accounts.models import User
from supportline.tickets import access
from supportline.tickets.models import Complaint, Ticket


def complaints_for(user: User, state: str = "") -> QuerySet[Complaint]:
    complaints = access.visible_complaints(user)
    if state:
        complaints = complaints.filter(state=state)
    # "open" sorts after "answered": descending puts the new complaints first.
    return (
        complaints.select_related("organisation", "author", "answered_by")
        .prefetch_related(Prefetch("tickets", queryset=Ticket.objects.order_by("registered_at")))
        .order_by("-state", "received_at", "id")
    )
