"""Reply templates offered while answering (issue 14 §5): the regulation's standard answers
(R3 redirections, R4 «update to the current release», R21: read from the regulation file), the
line's shared templates and the consultant's own — each filled in for the ticket.

Placeholders are replaced by name, never evaluated: {client} the client's name, {number} the
ticket number, {deadline} (the regulation's {resolution_due}) the resolution due time in the
line's zone with the zone named, {organisation}, {level}, {release} the current release of the
ticket's configuration — each also by its Russian name ({клиент}, {номер}, {срок},
{организация}, {уровень}). An unknown «{…}» stays as typed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from supportline.accounts.models import User
from supportline.core import rules
from supportline.core.formatting import level_name, msk
from supportline.registry.models import Release
from supportline.tickets import access
from supportline.tickets.models import Ticket

REGULATION_PREFIX = "reg:"


@dataclass(frozen=True)
class TemplateChoice:
    key: str  # "reg:<id>" for the regulation's, else the ReplyTemplate's id
    group: str
    title: str
    body: str


def placeholders(ticket: Ticket) -> dict[str, str]:
    client = ticket.contact_name or (
        ticket.created_by.get_full_name() if ticket.created_by is not None else ""
    )
    due = msk(ticket.resolution_due_at) if ticket.resolution_due_at else "—"
    organisation = ticket.organisation_name or (
        ticket.organisation.name if ticket.organisation is not None else ""
    )
    release = ""
    if ticket.configuration_id is not None:
        current = Release.objects.filter(
            configuration_id=ticket.configuration_id, is_current=True
        ).first()
        release = current.version if current is not None else ""
    level = level_name(ticket.level)
    return {
        "клиент": client,
        "client": client,
        "номер": ticket.number or "",
        "number": ticket.number or "",
        "срок": due,
        "deadline": due,
        "resolution_due": due,
        "организация": organisation,
        "organisation": organisation,
        "уровень": level,
        "level": level,
        "release": release or "…",
    }


def fill(text: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        text = text.replace("{" + name + "}", value)
    return text


def regulation_templates() -> list[TemplateChoice]:
    """The regulation's standard answers a consultant may send as an answer (in Russian, the
    line's language, like every text stored for the client)."""
    regulation = rules.regulation()
    group = _("Регламент")
    out = [
        TemplateChoice(
            f"{REGULATION_PREFIX}update_release",
            group,
            _("Обновиться до актуального релиза"),
            regulation.answers.update_to_current_release.ru,
        )
    ]
    for category in regulation.scope_categories:
        if category.answer and not category.in_scope:
            out.append(
                TemplateChoice(
                    f"{REGULATION_PREFIX}{category.id}",
                    group,
                    rules.tr(category.name),
                    category.answer.ru,
                )
            )
    return out


def templates_for(user: User) -> list[TemplateChoice]:
    own = []
    shared = []
    for row in access.visible_template_rows(user):
        if row.owner_id is None:
            shared.append(TemplateChoice(str(row.pk), _("Общие"), row.title, row.body))
        else:
            own.append(TemplateChoice(str(row.pk), _("Мои"), row.title, row.body))
    return [*regulation_templates(), *shared, *own]


def filled_template(user: User, key: str, ticket: Ticket) -> str | None:
    """The template's text filled in for the ticket, or None when the user has no such one."""
    found = next((t for t in templates_for(user) if t.key == key), None)
    if found is None:
        return None
    return fill(found.body, placeholders(ticket))
