"""The regulation of a consultation line as frozen, validated data (R21).

Instances are built only by :mod:`supportline.regulation.loader`, which validates every value;
code that receives a :class:`Regulation` can rely on its invariants (ids unique, references
resolved, targets positive, hours ordered, placeholders known, Russian text present).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Literal
from zoneinfo import ZoneInfo

Locale = Literal["ru", "en"]


class RegulationError(ValueError):
    """A regulation file is malformed; the message names the file and the key path.

    ``source`` is the file (or ``"<string>"``), ``path`` the dotted key path inside it
    (``levels[1].reaction_minutes``; empty for errors of the file as a whole) and ``problem``
    the description, in Russian first (SPEC: error messages are Russian first).
    """

    def __init__(self, source: str, path: str, problem: str) -> None:
        self.source = source
        self.path = path
        self.problem = problem
        where = f"{source}: {path}" if path else source
        super().__init__(f"ошибка в регламенте {where}: {problem}")


@dataclass(frozen=True)
class Text:
    """A text in Russian (always present) and optionally English."""

    ru: str
    en: str | None = None

    def get(self, locale: str = "ru") -> str:
        """The text in ``locale``; Russian when that locale is missing."""
        if locale == "en" and self.en is not None:
            return self.en
        return self.ru

    def render(self, locale: str = "ru", /, **values: object) -> str:
        """The text in ``locale`` with its ``{placeholders}`` filled from ``values``."""
        return self.get(locale).format(**values)


@dataclass(frozen=True)
class WorkingHours:
    """R9/R19: the line's working day; which days are working is the calendar's business."""

    time_zone: str
    start: dt.time
    end: dt.time
    short_day_end: dt.time
    calendar: str
    # How people read the zone next to a time («МСК»); none: the UTC offset («UTC+5»).
    zone_label: Text | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


@dataclass(frozen=True)
class Level:
    """An SLA level (R7-R11); targets are working minutes counted from registration."""

    id: str
    name: Text
    description: Text | None
    reaction_minutes: int
    resolution_minutes: int
    out_of_turn: bool


@dataclass(frozen=True)
class RedirectTarget:
    """R3: who an out-of-scope question is sent to (a franchisee, a third-party developer…);
    data of the file, as are the categories' client texts that point there."""

    id: str
    name: Text


@dataclass(frozen=True)
class ScopeCategory:
    """A kind of question: in scope (R4) or out of scope and redirected (R3).

    ``contract_exempt`` questions are served without valid contracts (R2: licensing,
    protection system). Out-of-scope categories always carry ``redirect_to`` and ``answer``.
    """

    id: str
    name: Text
    in_scope: bool
    contract_exempt: bool
    # The id of one of the regulation's redirect targets.
    redirect_to: str | None
    answer: Text | None
    # R3: questions about a product or configuration withdrawn from support land here.
    withdrawn_products: bool = False


@dataclass(frozen=True)
class Channel:
    """A contact channel of the line (R6) and, when it has one, its address shown to clients."""

    id: str
    name: Text
    address: str | None


@dataclass(frozen=True)
class Contacts:
    """The line's addresses; quality complaints have their own (R6, R20)."""

    support_email: str
    quality_email: str
    update_access_email: str | None


@dataclass(frozen=True)
class Offer:
    """An additional offer listed on the portal (R19)."""

    id: str
    name: Text
    # R19: a client can request it from the portal (a request the line answers).
    on_request: bool = False


@dataclass(frozen=True)
class ContractLevel:
    """A level of a contract kind (1C:ITS: ПРОФ, ТЕХНО), read from the registry's level column;
    ``aliases`` are other spellings the import accepts (its id and name always are)."""

    id: str
    name: Text
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class ContractKind:
    """A kind of contract a registration needs for consultations (R2, R18).

    ``missing`` names it in the refusal's ``{missing}`` list («договор 1С:ИТС»); ``aliases`` are
    the other spellings a registry import accepts for it (its id and name always are)."""

    id: str
    name: Text
    missing: Text
    aliases: tuple[str, ...] = ()
    # The kind's levels (none: the kind has no levels, and the import's level column must be
    # empty for it) and the title of the registry column that carries them («Уровень ИТС»).
    levels: tuple[ContractLevel, ...] = ()
    level_column: str | None = None

    def level(self, level_id: str) -> ContractLevel:
        """The level ``level_id``; :class:`KeyError` if the kind has no such level."""
        for level in self.levels:
            if level.id == level_id:
                return level
        raise KeyError(level_id)


@dataclass(frozen=True)
class StandardAnswers:
    """Standard answers and the client-facing texts of the lifecycle (R21: no text of a line
    in code). Which placeholders each accepts is :data:`supportline.regulation.loader.ANSWERS`;
    the texts after ``acceptance`` are optional in the file (a neutral default stands in)."""

    refusal_no_contract: Text
    update_to_current_release: Text
    receipt: Text
    acceptance: Text
    ask_missing: Text
    contracts_in_general: Text
    due_after_client_answer: Text
    evaluation_request: Text
    auto_close: Text
    planned_date_note: Text
    release_planned: Text
    release_moved: Text
    release_published: Text
    fixed_in_release: Text
    update_access_refused: Text
    update_access_granted: Text
    connect_evaluation_hint: Text
    connect_default_subject: Text


@dataclass(frozen=True)
class Regulation:
    """A consultation line's regulation (R21)."""

    id: str
    line_name: Text
    vendor: Text
    working_hours: WorkingHours
    levels: tuple[Level, ...]
    default_level_id: str
    update_access_level_id: str
    warning_share: float
    auto_close_working_days: int
    # R20: working days the quality manager has to answer a complaint.
    complaint_answer_working_days: int
    # R10, R15: the level a transferred defect and a transferred wish get.
    defect_level_id: str
    wish_level_id: str
    scope_categories: tuple[ScopeCategory, ...]
    channels: tuple[Channel, ...]
    contacts: Contacts
    offers: tuple[Offer, ...]
    answers: StandardAnswers
    # R2: the contracts a registration needs, all valid at the registration instant; none
    # (an empty tuple): the line serves without contracts.
    contracts: tuple[ContractKind, ...] = ()
    # Which text of the regulation this is: the file's own `version`, or a digest of its text.
    # A ticket records it at registration (R21: figures are reproducible).
    version: str = ""
    # The prefix of a consultation ticket's number («CRM» → CRM-000042); `[line] ticket_prefix`.
    ticket_prefix: str = "T"
    # The numbering of the two other kinds of ticket (R17 update access, R19 an offer's
    # request): `[line] update_access_prefix` / `offer_request_prefix`, UPD and REQ by default.
    update_access_prefix: str = "UPD"
    offer_request_prefix: str = "REQ"
    # R3: where out-of-scope questions are redirected (`[[redirect_targets]]`); a category's
    # `redirect_to` names one of them.
    redirect_targets: tuple[RedirectTarget, ...] = ()

    def redirect_target(self, target_id: str) -> RedirectTarget:
        """The redirect target ``target_id``; :class:`KeyError` if the file has no such target."""
        for target in self.redirect_targets:
            if target.id == target_id:
                return target
        raise KeyError(target_id)

    def withdrawn_category(self) -> ScopeCategory | None:
        """R3: the category of questions about a product withdrawn from support."""
        return next((c for c in self.scope_categories if c.withdrawn_products), None)

    def targets(self) -> dict[str, tuple[int, int]]:
        """Each level's (reaction, resolution) targets in working minutes."""
        return {lv.id: (lv.reaction_minutes, lv.resolution_minutes) for lv in self.levels}

    def with_targets(self, targets: dict[str, tuple[int, int]]) -> Regulation:
        """This regulation with the levels' targets a ticket kept from its registration; a level
        the regulation no longer has is taken back with its kept targets (R21)."""
        if targets == self.targets():
            return self
        levels = []
        for level in self.levels:
            if level.id in targets:
                reaction, resolution = targets[level.id]
                level = replace(level, reaction_minutes=reaction, resolution_minutes=resolution)
            levels.append(level)
        known = {lv.id for lv in self.levels}
        for level_id, (reaction, resolution) in targets.items():
            if level_id not in known:
                levels.append(
                    Level(
                        id=level_id,
                        name=Text(ru=level_id),
                        description=None,
                        reaction_minutes=reaction,
                        resolution_minutes=resolution,
                        out_of_turn=False,
                    )
                )
        return replace(self, levels=tuple(levels))

    def level(self, level_id: str) -> Level:
        """The level ``level_id``; :class:`KeyError` if the regulation has no such level."""
        for level in self.levels:
            if level.id == level_id:
                return level
        raise KeyError(level_id)

    def has_level(self, level_id: str) -> bool:
        return any(level.id == level_id for level in self.levels)

    @property
    def level_ids(self) -> tuple[str, ...]:
        return tuple(level.id for level in self.levels)

    @property
    def default_level(self) -> Level:
        return self.level(self.default_level_id)

    def scope_category(self, category_id: str) -> ScopeCategory:
        """The scope category ``category_id``; :class:`KeyError` if unknown."""
        for category in self.scope_categories:
            if category.id == category_id:
                return category
        raise KeyError(category_id)

    def contract_kind(self, kind_id: str) -> ContractKind:
        """The contract kind ``kind_id``; :class:`KeyError` if the regulation has no such kind."""
        for kind in self.contracts:
            if kind.id == kind_id:
                return kind
        raise KeyError(kind_id)

    def has_channel(self, channel_id: str) -> bool:
        return any(channel.id == channel_id for channel in self.channels)

    def channel(self, channel_id: str) -> Channel:
        """The channel ``channel_id``; :class:`KeyError` if the line has no such channel."""
        for channel in self.channels:
            if channel.id == channel_id:
                return channel
        raise KeyError(channel_id)
