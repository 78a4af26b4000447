"""Organisation and contact pages of the desk (issue 14 §3): registration numbers with their
contracts and validity today (R2), the partners serving the organisation, its contacts, and the
ticket history — only the tickets the user may see (`access.visible_tickets`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from supportline.accounts.models import Role, User
from supportline.desk.selectors.common import RegistrationCard, registration_card
from supportline.registry.models import Contract, Organisation, PartnerClient, RegistrationNumber
from supportline.tickets import access
from supportline.tickets.models import Ticket

# Rows of ticket history on a page (newest first); the search lists more.
HISTORY_LIMIT = 100


@dataclass
class OrganisationPage:
    organisation: Organisation
    registrations: list[RegistrationCard]
    partners: list[PartnerClient]
    contacts: list[tuple[str, str]]  # (name, e-mail) of people who filed tickets or have logins
    tickets: list[Ticket]
    more: bool


@dataclass
class ContactPage:
    email: str
    name: str
    organisations: list[Organisation]
    tickets: list[Ticket]
    more: bool


def _history(tickets: QuerySet[Ticket]) -> tuple[list[Ticket], bool]:
    rows = list(
        tickets.select_related("assignee", "organisation").order_by("-registered_at", "-id")[
            : HISTORY_LIMIT + 1
        ]
    )
    return rows[:HISTORY_LIMIT], len(rows) > HISTORY_LIMIT


def organisation_page(user: User, pk: int, today: dt.date) -> OrganisationPage | None:
    if not access.may_see_organisations(user):
        return None
    org = (
        Organisation.objects.prefetch_related(
            Prefetch(
                "registrations",
                queryset=RegistrationNumber.objects.select_related(
                    "product", "organisation", "partner"
                )
                .prefetch_related(Prefetch("contracts", queryset=Contract.objects.order_by("kind")))
                .order_by("number"),
            )
        )
        .filter(pk=pk)
        .first()
    )
    if org is None:
        return None
    tickets, more = _history(access.visible_tickets(user).filter(organisation=org))
    contacts: dict[str, str] = {}
    for person in User.objects.filter(organisation=org, role=Role.CLIENT, is_active=True):
        if person.email:
            contacts[person.email.lower()] = person.get_full_name() or person.username
    for email, name in (
        access.visible_tickets(user)
        .filter(organisation=org)
        .exclude(contact_email="")
        .values_list("contact_email", "contact_name")
        .distinct()[:200]
    ):
        contacts.setdefault(email.lower(), name)
    return OrganisationPage(
        organisation=org,
        registrations=[registration_card(r, today) for r in org.registrations.all()],
        partners=list(
            PartnerClient.objects.filter(organisation=org)
            .select_related("partner")
            .order_by("partner__name")
        ),
        contacts=sorted((name, email) for email, name in contacts.items()),
        tickets=tickets,
        more=more,
    )


def contact_page(user: User, email: str) -> ContactPage | None:
    """Everything a contact (by e-mail address) filed or was answered on."""
    email = email.strip()
    if not access.may_see_organisations(user) or not email or "@" not in email:
        return None
    visible = access.visible_tickets(user).filter(
        Q(contact_email__iexact=email) | Q(created_by__email__iexact=email)
    )
    tickets, more = _history(visible)
    if not tickets:
        return None
    name = next((t.contact_name for t in tickets if t.contact_name), "")
    person = User.objects.filter(email__iexact=email).first()
    if not name and person is not None:
        name = person.get_full_name() or person.username
    organisations = {t.organisation.pk: t.organisation for t in tickets if t.organisation}
    return ContactPage(
        email=email,
        name=name,
        organisations=sorted(organisations.values(), key=lambda o: o.name),
        tickets=tickets,
        more=more,
    )
