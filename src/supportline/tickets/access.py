"""Who may see and do what with tickets and complaints — the one place that decides.

- client contact: the tickets of its own organisation;
- partner: the tickets its partner (franchisee) filed;
- consultant, supervisor, administrator: every ticket;
- methodologist / developer: tickets transferred to them (R15) and tickets assigned to them.
Callers that must not leak existence answer 404 for a ticket outside `visible_tickets`.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from supportline.accounts.models import Role, User
from supportline.tickets.errors import AccessDenied
from supportline.tickets.models import Complaint, Ticket, TransferTarget

LINE_ROLES = frozenset({Role.CONSULTANT, Role.SUPERVISOR, Role.ADMIN})
CLIENT_ROLES = frozenset({Role.CLIENT, Role.PARTNER})
_TRANSFER_OF_ROLE = {
    Role.METHODOLOGIST: TransferTarget.METHODOLOGIST,
    Role.DEVELOPER: TransferTarget.DEVELOPMENT,
}


def visible_tickets(user: User) -> QuerySet[Ticket]:
    tickets = Ticket.objects.all()
    if not user.is_authenticated or not user.is_active:
        return tickets.none()
    if user.role in LINE_ROLES:
        return tickets
    if user.role == Role.CLIENT:
        if user.organisation_id is None:
            return tickets.none()
        return tickets.filter(organisation_id=user.organisation_id)
    if user.role == Role.PARTNER:
        if user.partner_id is None:
            return tickets.none()
        return tickets.filter(partner_id=user.partner_id)
    target = _TRANSFER_OF_ROLE.get(Role(user.role))
    if target is not None:
        return tickets.filter(Q(transferred_to=target) | Q(assignee=user))
    return tickets.none()


def is_client_side(user: User, ticket: Ticket) -> bool:
    """The person (or partner) the ticket serves: may reply and evaluate."""
    if user.role == Role.CLIENT:
        return user.organisation_id is not None and user.organisation_id == ticket.organisation_id
    if user.role == Role.PARTNER:
        return user.partner_id is not None and user.partner_id == ticket.partner_id
    return False


def require_client_side(user: User, ticket: Ticket) -> None:
    if not is_client_side(user, ticket):
        raise AccessDenied(
            _("Отвечать и оценивать обращение может только клиент, который его подал")
        )


def is_line_worker(user: User, ticket: Ticket) -> bool:
    """May act for the line on this ticket (accept, ask, answer, resolve…)."""
    if user.role in LINE_ROLES:
        return True
    target = _TRANSFER_OF_ROLE.get(Role(user.role)) if user.role in _TRANSFER_OF_ROLE else None
    return target is not None and (ticket.transferred_to == target or ticket.assignee_id == user.pk)


def require_line_worker(user: User, ticket: Ticket) -> None:
    if not is_line_worker(user, ticket):
        raise AccessDenied(_("Это действие доступно только сотрудникам линии консультаций"))


def require_role(user: User, roles: frozenset[Role] | set[Role], what: str) -> None:
    """`what` is already translated by the caller: it completes «Недостаточно прав: …»."""
    if user.role not in roles:
        raise AccessDenied(_("Недостаточно прав: %(what)s") % {"what": what})


def visible_complaints(user: User) -> QuerySet[Complaint]:
    """R20: complaints go to the quality manager (supervisor), not to the consultants concerned."""
    complaints = Complaint.objects.all()
    if not user.is_authenticated:
        return complaints.none()
    if user.role in {Role.SUPERVISOR, Role.ADMIN}:
        return complaints
    if user.role in CLIENT_ROLES:
        return complaints.filter(author=user)
    return complaints.none()
