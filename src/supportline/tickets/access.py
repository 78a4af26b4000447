"""Who may see and do what with tickets and complaints — the one place that decides.

- client contact: the tickets of its own organisation;
- partner: the tickets its partner (franchisee) filed;
- consultant, supervisor, administrator: every ticket;
- methodologist / developer: tickets transferred to them (R15) and tickets assigned to them.
Callers that must not leak existence answer 404 for a ticket outside `visible_tickets`.

Every rule of who may do what is a named function here (`may_…`, `is_…`, `visible_…`): the desk
*offers* an action through the same function the action *requires* it with (`require`).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from supportline.accounts.models import Role, User
from supportline.core import rules
from supportline.lib.statements import Select
from supportline.registry.models import PartnerClient, RegistrationNumber
from supportline.tickets.errors import AccessDenied
from supportline.tickets.models import (
    Attachment,
    Complaint,
    ReplyTemplate,
    SavedView,
    Ticket,
    TransferTarget,
)

LINE_ROLES = frozenset({Role.CONSULTANT, Role.SUPERVISOR, Role.ADMIN})
CLIENT_ROLES = frozenset({Role.CLIENT, Role.PARTNER})
# The quality manager (R20) and the line's head: complaints, the SLA board, the mail quarantine.
SUPERVISOR_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
# R15: who publishes releases and who plans development items for a release.
PUBLISHER_ROLES = frozenset({Role.DEVELOPER, Role.SUPERVISOR, Role.ADMIN})
PLANNER_ROLES = frozenset({Role.DEVELOPER, Role.METHODOLOGIST, Role.SUPERVISOR, Role.ADMIN})
_TRANSFER_OF_ROLE = {
    Role.METHODOLOGIST: TransferTarget.METHODOLOGIST,
    Role.DEVELOPER: TransferTarget.DEVELOPMENT,
}


def sees_every_ticket(user: User) -> bool:
    """The line itself (consultants, supervisors, the admin) sees every ticket."""
    return bool(user.is_authenticated and user.is_active and user.role in LINE_ROLES)


def visible_tickets(user: User) -> QuerySet[Ticket]:
    tickets = Ticket.objects.all()
    if not user.is_authenticated or not user.is_active:
        return tickets.none()
    if sees_every_ticket(user):
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


def require(allowed: bool, what: str) -> None:
    """Refuse unless `allowed` (one of the rules below). `what` is already translated by the
    caller: it completes «Недостаточно прав: …»."""
    if not allowed:
        raise AccessDenied(_("Недостаточно прав: %(what)s") % {"what": what})


def _active(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active)


def is_line(user: User) -> bool:
    """The line itself (consultants, supervisors, administrators): the queue, registering
    calls, dating a ticket, transfers, assignments, update-access decisions."""
    return _active(user) and user.role in LINE_ROLES


def is_staff_member(user: User) -> bool:
    """Anyone who works for the line, methodologists and developers too: the desk, registries."""
    return _active(user) and user.is_line_staff


def is_supervisor(user: User) -> bool:
    return _active(user) and user.role in SUPERVISOR_ROLES


def is_client(user: User) -> bool:
    """A client contact or a partner: files tickets for itself or its clients."""
    return _active(user) and user.role in CLIENT_ROLES


def may_publish_release(user: User) -> bool:
    return _active(user) and user.role in PUBLISHER_ROLES


def may_plan_development(user: User) -> bool:
    return _active(user) and user.role in PLANNER_ROLES


def may_answer_complaints(user: User) -> bool:
    """R20: the quality manager answers complaints."""
    return is_supervisor(user)


def may_watch_mail(user: User) -> bool:
    """The mail quarantine in the admin: supervisors with admin access."""
    return is_supervisor(user) and bool(user.is_staff)


def may_be_assignee(user: User) -> bool:
    """Who a ticket can be assigned to: the line's staff, not the administrator account."""
    return _active(user) and user.is_line_staff and user.role != Role.ADMIN


def is_partner(user: User) -> bool:
    return _active(user) and user.role == Role.PARTNER


def may_name_partner(user: User | None) -> bool:
    """A client cannot attach a partner to its ticket (the partner would then see it)."""
    return user is None or user.role != Role.CLIENT


def _day(on: dt.date | None) -> dt.date:
    return on if on is not None else rules.local_date(timezone.now())


def served_organisations(partner_id: int, on: dt.date | None = None) -> QuerySet[PartnerClient]:
    """R1: the partner's links to the organisations it serves on `on` (today by default)."""
    day = _day(on)
    return PartnerClient.objects.filter(
        Q(since__isnull=True) | Q(since__lte=day),
        Q(until__isnull=True) | Q(until__gte=day),
        partner_id=partner_id,
    )


def partner_serves(
    partner_id: int | None, reg: RegistrationNumber, on: dt.date | None = None
) -> bool:
    """R1: a partner asks about its own NFR version, or about the program of a client it
    serves (a `PartnerClient` link from the contracts import or the admin) — nothing else."""
    if partner_id is None:
        return False
    if reg.kind == RegistrationNumber.Kind.NFR:
        return reg.partner_id == partner_id
    if reg.organisation_id is None:
        return False
    return served_organisations(partner_id, on).filter(organisation_id=reg.organisation_id).exists()


def may_file_for(user: User | None, reg: RegistrationNumber, on: dt.date | None = None) -> bool:
    """Whether `user` may file a ticket (or a request) on this registration number: a client
    only on its own organisation's; a partner on its NFR or a client it serves (`on` that
    day, today by default); the line and a channel without a user on any."""
    if user is None:
        return True
    if user.role == Role.CLIENT:
        return user.organisation_id is not None and user.organisation_id == reg.organisation_id
    if user.role == Role.PARTNER:
        return partner_serves(user.partner_id, reg, on)
    return True


def is_registration_holder(user: User, reg: RegistrationNumber, on: dt.date | None = None) -> bool:
    """R2: who may learn which contract of this registration lapsed — its organisation's
    contacts, the partner of an NFR or a partner serving that client, and the line itself."""
    if not _active(user):
        return False
    if user.is_line_staff:
        return True
    if user.role == Role.CLIENT:
        return user.organisation_id is not None and user.organisation_id == reg.organisation_id
    if user.role == Role.PARTNER:
        return partner_serves(user.partner_id, reg, on)
    return False


def may_merge(user: User, duplicate: Ticket, into: Ticket) -> bool:
    """Issue 14 §6: the line merges a duplicate into another ticket of the same client — the
    same organisation and the same partner, so no client's words reach another's ticket."""
    return (
        is_line(user)
        and duplicate.pk != into.pk
        and duplicate.organisation_id == into.organisation_id
        and duplicate.partner_id == into.partner_id
    )


def may_link(user: User, ticket: Ticket, other: Ticket) -> bool:
    """Issue 14 §6: whoever works a ticket for the line links it to another one they may see
    (a link shows a number and a subject to the line's staff only, never to clients)."""
    return (
        is_line_worker(user, ticket)
        and ticket.pk != other.pk
        and visible_tickets(user).filter(pk=other.pk).exists()
    )


def may_bulk_act(user: User) -> bool:
    """Issue 14 §8: bulk actions on the queue are the line's (each ticket is then checked by
    its own single-ticket action)."""
    return is_line(user)


def may_decide_exemption(user: User) -> bool:
    """R2: whether a licensing/protection question really is one is decided by the line."""
    return is_line(user)


def visible_registrations(user: User) -> QuerySet[RegistrationNumber]:
    """Registration numbers (and their contracts): the line's staff sees all, a client its
    organisation's, a partner its own NFR and those of the clients it serves today."""
    regs = RegistrationNumber.objects.all()
    if not _active(user):
        return regs.none()
    if user.is_line_staff:
        return regs
    if user.role == Role.CLIENT:
        if user.organisation_id is None:
            return regs.none()
        return regs.filter(organisation_id=user.organisation_id)
    if user.role == Role.PARTNER:
        if user.partner_id is None:
            return regs.none()
        served = served_organisations(user.partner_id).values("organisation_id")
        return regs.filter(
            Q(partner_id=user.partner_id)
            | Q(kind=RegistrationNumber.Kind.MAIN, organisation_id__in=served)
        )
    return regs.none()


def visible_complaints(user: User) -> QuerySet[Complaint]:
    """R20: complaints go to the quality manager (supervisor), not to the consultants concerned."""
    complaints = Complaint.objects.all()
    if not user.is_authenticated:
        return complaints.none()
    if user.role in SUPERVISOR_ROLES:
        return complaints
    if user.role in CLIENT_ROLES:
        return complaints.filter(author=user)
    return complaints.none()


# ---------------------------------------------------------------- the desk's working day (issue 14)


def visible_attachments(user: User) -> QuerySet[Attachment]:
    """Files open to whoever may see their ticket — on the desk, the portal and the API alike
    (one rule; a file of a ticket outside `visible_tickets` answers 404)."""
    return Attachment.objects.filter(message__ticket__in=visible_tickets(user))


def may_search_desk(user: User) -> bool:
    """The desk's search box and saved views: the line's staff (over `visible_tickets`)."""
    return is_staff_member(user)


def may_read_notes(user: User, ticket: Ticket) -> bool:
    """Internal notes: the line's staff who may see the ticket, never a client or partner
    (for the staff, seeing a ticket is working it: `visible_tickets` ⇔ `is_line_worker`)."""
    return is_staff_member(user) and is_line_worker(user, ticket)


def may_write_note(user: User, ticket: Ticket) -> bool:
    """A consultant, methodologist or developer (or supervisor) working the ticket."""
    return is_staff_member(user) and is_line_worker(user, ticket)


def may_be_mentioned(user: User) -> bool:
    """Who an @mention in a note can notify: an active member of the line's staff."""
    return is_staff_member(user)


def may_share_templates(user: User) -> bool:
    """Shared reply templates are kept by supervisors; anyone on the staff keeps personal ones."""
    return is_supervisor(user)


def may_edit_template(user: User, template: ReplyTemplate) -> bool:
    if template.owner_id is None:
        return may_share_templates(user)
    return is_staff_member(user) and template.owner_id == user.pk


def visible_templates(user: User) -> QuerySet[ReplyTemplate]:
    """The shared templates and the user's own; nothing for a client."""
    if not is_staff_member(user):
        return ReplyTemplate.objects.none()
    return _templates_of(user.pk)


def _templates_of(user: int) -> QuerySet[ReplyTemplate]:
    return ReplyTemplate.objects.filter(Q(owner__isnull=True) | Q(owner_id=user))


# `visible_templates` as rows, compiled once: the answer box of every ticket page (issue 15).
_TEMPLATES: Select[ReplyTemplate] = Select(_templates_of, user=int)


def visible_template_rows(user: User) -> list[ReplyTemplate]:
    """`visible_templates(user)`, evaluated."""
    if not is_staff_member(user):
        return []
    return _TEMPLATES.all(user=user.pk)


def may_see_organisations(user: User) -> bool:
    """Organisation and contact pages of the desk (registrations, contracts, ticket history):
    the line's staff; the history lists only `visible_tickets`."""
    return is_staff_member(user)


def may_edit_view(user: User, view: SavedView) -> bool:
    """A saved view is its owner's alone."""
    return is_staff_member(user) and view.user_id == user.pk
