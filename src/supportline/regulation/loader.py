"""Reading and validating regulation files (TOML, R21).

Every problem raises :class:`~supportline.regulation.model.RegulationError` naming the file and
the key path. Unknown keys are errors too: a typo in an administrator's file must not be
silently ignored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import os
import re
import string
import tomllib
from collections.abc import Callable, Iterable
from importlib import resources
from typing import TypeVar, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from supportline.regulation.model import (
    Channel,
    Contacts,
    ContractKind,
    ContractLevel,
    Level,
    Offer,
    RedirectTarget,
    Regulation,
    RegulationError,
    ScopeCategory,
    StandardAnswers,
    Text,
    WorkingHours,
)
from supportline.worktime import calendar_keys

SCHEMA_VERSION = 1
DEFAULT_REGULATION_RESOURCE = "1c-crm.toml"

#: Channels the application can take tickets from (R6); a line may offer a subset.
KNOWN_CHANNELS = frozenset({"email", "phone", "connect", "portal", "api"})

_ID_RE = re.compile(r"[a-z][a-z0-9_]*\Z")
# A ticket number's prefix: what mail subjects are matched by ([A-Z][A-Z0-9]*-000042).
_PREFIX_RE = re.compile(r"[A-Z][A-Z0-9]{0,9}\Z")
_REGULATION_ID_RE = re.compile(r"[a-z0-9][a-z0-9_.-]*\Z")
_HHMM_RE = re.compile(r"([01]\d|2[0-3]):([0-5]\d)\Z")
_EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z")

_T = TypeVar("_T")


def _type_name(value: object) -> str:
    names = {
        bool: "логическое значение",
        int: "целое число",
        float: "дробное число",
        str: "строка",
        list: "массив",
        dict: "таблица",
    }
    return names.get(type(value), type(value).__name__)


class _Node:
    """A TOML table being read: typed accessors that raise errors with the key path."""

    def __init__(self, data: dict[str, object], path: str, source: str) -> None:
        self.data = data
        self.path = path
        self.source = source
        self._used: set[str] = set()

    def sub(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str | None, problem: str) -> RegulationError:
        return RegulationError(self.source, self.sub(key) if key else self.path, problem)

    def _get(self, key: str, required: bool) -> object:
        self._used.add(key)
        if key not in self.data:
            if required:
                raise self.error(key, "отсутствует обязательный ключ")
            return None
        return self.data[key]

    def _typed(self, key: str, required: bool, kind: type[_T], expected: str) -> _T | None:
        value = self._get(key, required)
        if value is None:
            return None
        # bool is an int subclass: never accept true/false where a number is expected.
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise self.error(key, f"ожидается {expected}, получено: {_type_name(value)}")
        return value

    def string(self, key: str) -> str:
        value = cast(str, self._typed(key, True, str, "строка"))
        if not value.strip():
            raise self.error(key, "строка не должна быть пустой")
        return value

    def opt_string(self, key: str) -> str | None:
        if key not in self.data:
            self._used.add(key)
            return None
        return self.string(key)

    def integer(self, key: str) -> int:
        return cast(int, self._typed(key, True, int, "целое число"))

    def boolean(self, key: str) -> bool:
        return cast(bool, self._typed(key, True, bool, "логическое значение (true/false)"))

    def number(self, key: str) -> float:
        value = self._get(key, True)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, f"ожидается число, получено: {_type_name(value)}")
        return float(value)

    def table(self, key: str) -> _Node:
        value = self._typed(key, True, dict, "таблица")
        return _Node(cast(dict[str, object], value), self.sub(key), self.source)

    def array_of_tables(self, key: str, *, required: bool = True) -> list[_Node]:
        value = self._typed(key, required, list, "массив таблиц")
        if value is None:
            return []
        items = cast(list[object], value)
        if required and not items:
            raise self.error(key, "массив не должен быть пустым")
        nodes = []
        for index, item in enumerate(items):
            path = f"{self.sub(key)}[{index}]"
            if not isinstance(item, dict):
                raise RegulationError(
                    self.source, path, f"ожидается таблица, получено: {_type_name(item)}"
                )
            nodes.append(_Node(cast(dict[str, object], item), path, self.source))
        return nodes

    def text(
        self,
        key: str,
        *,
        allowed: Iterable[str] = (),
        required_fields: Iterable[str] = (),
    ) -> Text:
        value = self._get(key, True)
        if not isinstance(value, dict):
            raise self.error(
                key,
                f'ожидается таблица текстов {{ru = "...", en = "..."}}, '
                f"получено: {_type_name(value)}",
            )
        node = _Node(cast(dict[str, object], value), self.sub(key), self.source)
        ru = node.string("ru")
        en = node.opt_string("en")
        node.finish()
        allowed_set = frozenset(allowed)
        for locale, body in (("ru", ru), ("en", en)):
            if body is not None:
                _check_placeholders(node, locale, body, allowed_set, frozenset(required_fields))
        return Text(ru=ru, en=en)

    def opt_text(self, key: str, **kwargs: Iterable[str]) -> Text | None:
        if key not in self.data:
            self._used.add(key)
            return None
        return self.text(key, **kwargs)

    def identifier(self, key: str = "id", pattern: re.Pattern[str] = _ID_RE) -> str:
        value = self.string(key)
        if not pattern.match(value):
            raise self.error(
                key,
                f"недопустимый идентификатор {value!r}: только строчные латинские буквы, "
                "цифры и _, начиная с буквы",
            )
        return value

    def clock_time(self, key: str) -> dt.time:
        value = self._get(key, True)
        if isinstance(value, dt.time):
            if value.second or value.microsecond or value.tzinfo is not None:
                raise self.error(key, "время задаётся с точностью до минуты, без часового пояса")
            return value
        if isinstance(value, str):
            match = _HHMM_RE.match(value)
            if match:
                return dt.time(int(match.group(1)), int(match.group(2)))
        raise self.error(key, f'ожидается время в виде "ЧЧ:ММ", получено: {value!r}')

    def finish(self) -> None:
        unknown = sorted(set(self.data) - self._used)
        if unknown:
            raise self.error(unknown[0], "неизвестный ключ")


def _check_placeholders(
    node: _Node, locale: str, body: str, allowed: frozenset[str], required: frozenset[str]
) -> None:
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(body) if name is not None]
    except ValueError as exc:
        raise node.error(
            locale, f"ошибка в фигурных скобках ({exc}); литеральная скобка — {{{{"
        ) from None
    for name in fields:
        if name not in allowed:
            known = ", ".join(f"{{{n}}}" for n in sorted(allowed)) or "нет"
            raise node.error(
                locale, f"неизвестная подстановка {{{name}}}; допустимые подстановки: {known}"
            )
    for name in sorted(required - set(fields)):
        raise node.error(locale, f"в тексте нет обязательной подстановки {{{name}}}")


def _unique(
    nodes: list[_Node], read: Callable[[_Node], _T], id_of: Callable[[_T], str]
) -> list[_T]:
    seen: set[str] = set()
    items = []
    for node in nodes:
        item = read(node)
        node.finish()
        item_id = id_of(item)
        if item_id in seen:
            raise node.error("id", f"повторяющийся идентификатор {item_id!r}")
        seen.add(item_id)
        items.append(item)
    return items


def _read_working_hours(node: _Node) -> WorkingHours:
    time_zone = node.string("time_zone")
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise node.error("time_zone", f"неизвестный часовой пояс {time_zone!r}") from None
    start = node.clock_time("start")
    end = node.clock_time("end")
    short_day_end = node.clock_time("short_day_end")
    if end <= start:
        raise node.error(
            "end", f"конец рабочего дня ({end:%H:%M}) должен быть позже начала ({start:%H:%M})"
        )
    if not start < short_day_end <= end:
        raise node.error(
            "short_day_end",
            f"конец сокращённого дня ({short_day_end:%H:%M}) должен быть позже начала "
            f"({start:%H:%M}) и не позже конца обычного дня ({end:%H:%M})",
        )
    calendar = node.identifier("calendar")
    known = calendar_keys()
    if calendar not in known:
        raise node.error(
            "calendar",
            f"производственного календаря {calendar!r} в сервисе нет; есть: "
            f"{', '.join(sorted(known))}",
        )
    zone_label = node.opt_text("zone_label")
    node.finish()
    return WorkingHours(
        time_zone=time_zone,
        start=start,
        end=end,
        short_day_end=short_day_end,
        calendar=calendar,
        zone_label=zone_label,
    )


def _positive(node: _Node, key: str) -> int:
    value = node.integer(key)
    if value <= 0:
        raise node.error(key, f"должно быть положительным целым числом, получено: {value}")
    return value


def _read_level(node: _Node) -> Level:
    return Level(
        id=node.identifier(),
        name=node.text("name"),
        description=node.opt_text("description"),
        reaction_minutes=_positive(node, "reaction_minutes"),
        resolution_minutes=_positive(node, "resolution_minutes"),
        out_of_turn=node.boolean("out_of_turn"),
    )


def _read_scope(node: _Node) -> ScopeCategory:
    category_id = node.identifier()
    name = node.text("name")
    in_scope = node.boolean("in_scope")
    contract_exempt = node.boolean("contract_exempt")
    redirect_to: str | None = None
    answer: Text | None = None
    if in_scope:
        for key in ("redirect_to", "answer"):
            if key in node.data:
                raise node.error(
                    key, "допустимо только для вопросов вне рамок линии (in_scope = false)"
                )
    else:
        # Checked against the file's [[redirect_targets]] once they are read.
        redirect_to = node.identifier("redirect_to")
        answer = node.text("answer", allowed=("number",))
    node._used.update(("redirect_to", "answer"))
    withdrawn = node.boolean("withdrawn_products") if "withdrawn_products" in node.data else False
    if withdrawn and in_scope:
        raise node.error("withdrawn_products", "снятые с поддержки продукты — вне рамок линии")
    return ScopeCategory(
        id=category_id,
        name=name,
        in_scope=in_scope,
        contract_exempt=contract_exempt,
        redirect_to=redirect_to,
        answer=answer,
        withdrawn_products=withdrawn,
    )


def _read_offer(node: _Node) -> Offer:
    on_request = node.boolean("on_request") if "on_request" in node.data else False
    offer = Offer(id=node.identifier(), name=node.text("name"), on_request=on_request)
    node.finish()
    return offer


def _read_channel(node: _Node) -> Channel:
    channel_id = node.identifier()
    if channel_id not in KNOWN_CHANNELS:
        raise node.error(
            "id",
            f"неизвестный канал {channel_id!r}; допустимые: {', '.join(sorted(KNOWN_CHANNELS))}",
        )
    name = node.text("name")
    address = node.opt_string("address")
    if channel_id == "email" and address is not None and not _EMAIL_RE.match(address):
        raise node.error("address", f"некорректный адрес электронной почты {address!r}")
    return Channel(id=channel_id, name=name, address=address)


def _email(node: _Node, key: str, *, required: bool = True) -> str | None:
    value = node.string(key) if required else node.opt_string(key)
    if value is not None and not _EMAIL_RE.match(value):
        raise node.error(key, f"некорректный адрес электронной почты {value!r}")
    return value


def _read_contacts(node: _Node) -> Contacts:
    support = cast(str, _email(node, "support_email"))
    quality = cast(str, _email(node, "quality_email"))
    if quality.casefold() == support.casefold():
        raise node.error(
            "quality_email",
            "жалобы на качество работы линии принимаются на отдельный адрес (R6, R20): "
            "он должен отличаться от support_email",
        )
    update_access = _email(node, "update_access_email", required=False)
    node.finish()
    return Contacts(support_email=support, quality_email=quality, update_access_email=update_access)


_Names = tuple[str, ...]

#: Every text of ``[answers]``: (allowed placeholders, required placeholders, default). A text
#: without a default is required in the file; a missing optional one is the neutral default
#: below (no line's contracts, products or rules named in it).
ANSWERS: dict[str, tuple[_Names, _Names, Text | None]] = {
    "refusal_no_contract": (("number", "missing"), ("missing",), None),
    "update_to_current_release": (("number", "release"), ("release",), None),
    "receipt": (("number",), ("number",), None),
    "acceptance": (("number", "level", "resolution_due"), ("number",), None),
    # R1: the automatic request for missing data ({missing}: each field and what is wrong).
    "ask_missing": (
        ("number", "missing"),
        ("missing",),
        Text(
            ru="Здравствуйте! Для работы с обращением № {number} не хватает данных: {missing}. "
            "Пожалуйста, пришлите их ответом на это сообщение.",
            en="Hello! To work on request No. {number} we need more data: {missing}. "
            "Please send it in reply to this message.",
        ),
    ),
    # R2: what a sender who is not the registration's holder is told is missing.
    "contracts_in_general": (
        (),
        (),
        Text(
            ru="действующие договоры на дату обращения",
            en="valid contracts on the date of the request",
        ),
    ),
    # R7: the acceptance's {resolution_due} while the resolution clock waits for the client.
    "due_after_client_answer": (
        (),
        (),
        Text(ru="будет определён после ответа клиента", en="set once the client answers"),
    ),
    # R13: the evaluation request when the line resolves without a text of its own.
    "evaluation_request": (
        ("number",),
        (),
        Text(
            ru="Здравствуйте! Ответ по обращению № {number} дан. Пожалуйста, оцените его.",
            en="Hello! Request No. {number} has been answered. Please rate the answer.",
        ),
    ),
    # R13: the notice of the automatic close.
    "auto_close": (
        ("number", "days"),
        (),
        Text(
            ru="Обращение № {number} закрыто автоматически: оценка не получена в течение "
            "{days} рабочих дней.",
            en="Request No. {number} was closed automatically: no rating came within "
            "{days} working days.",
        ),
    ),
    # R15: " (planned date …)" after a release's version, {planned} in the texts below.
    "planned_date_note": (
        ("date",),
        ("date",),
        Text(ru=" (плановая дата {date})", en=" (planned date {date})"),
    ),
    "release_planned": (
        ("number", "version", "planned", "configuration"),
        ("version",),
        Text(
            ru="Решение по обращению № {number} запланировано: релиз {version}{planned}.",
            en="The solution of request No. {number} is planned: release {version}{planned}.",
        ),
    ),
    "release_moved": (
        ("number", "version", "planned", "configuration"),
        ("version",),
        Text(
            ru="Решение по обращению № {number} перенесено: теперь релиз {version}{planned}.",
            en="The solution of request No. {number} has moved: now release {version}{planned}.",
        ),
    ),
    "release_published": (
        ("number", "version", "configuration"),
        ("version",),
        Text(
            ru="Вышел релиз {version}: в него вошло решение по обращению № {number}.",
            en="Release {version} is out: it includes the solution of request No. {number}.",
        ),
    ),
    "fixed_in_release": (
        ("number", "version", "planned", "configuration"),
        ("version",),
        Text(
            ru="Исправлено в релизе {version}{planned}.", en="Fixed in release {version}{planned}."
        ),
    ),
    # R17: an update-access request by mail that cannot be served ({labels}: the mail's lines).
    "update_access_refused": (
        ("number", "problems", "labels"),
        ("problems",),
        Text(
            ru="Запрос доступа к обновлениям № {number} не может быть выполнен: {problems}. "
            "Пожалуйста, пришлите запрос повторно со строками {labels}.",
            en="Update-access request No. {number} cannot be served: {problems}. "
            "Please send it again with the lines {labels}.",
        ),
    ),
    "update_access_granted": (
        ("number", "login", "configurations"),
        ("login",),
        Text(
            ru="Доступ к обновлениям предоставлен. Логин: {login}. Конфигурации: {configurations}.",
            en="Update access granted. Login: {login}. Configurations: {configurations}.",
        ),
    ),
    # R13 in the messenger: added to the evaluation message (the mail has rating links).
    "connect_evaluation_hint": (
        ("number",),
        (),
        Text(
            ru="Оцените, пожалуйста, ответ: пришлите одну оценку от 1 до 5.",
            en="Please rate the answer: send a single rating from 1 to 5.",
        ),
    ),
    # The subject of a messenger ticket whose first message has no line of its own.
    "connect_default_subject": (
        (),
        (),
        Text(ru="Обращение из мессенджера", en="Request from the messenger"),
    ),
}


def _read_answers(node: _Node) -> StandardAnswers:
    texts: dict[str, Text] = {}
    for key, (allowed, required, default) in ANSWERS.items():
        if default is not None and key not in node.data:
            node._used.add(key)
            texts[key] = default
        else:
            texts[key] = node.text(key, allowed=allowed, required_fields=required)
    node.finish()
    return StandardAnswers(**texts)


def _read_contract(node: _Node) -> ContractKind:
    kind_id = node.identifier()
    name = node.text("name")
    missing = node.opt_text("missing") or name
    aliases: tuple[str, ...] = ()
    raw = node._get("aliases", False)
    if raw is not None:
        if not isinstance(raw, list) or not all(isinstance(a, str) and a.strip() for a in raw):
            raise node.error("aliases", "ожидается массив непустых строк")
        aliases = tuple(cast(list[str], raw))
    levels = _read_contract_levels(node)
    level_column = node.opt_string("level_column")
    if level_column is not None and not levels:
        raise node.error("level_column", "столбец уровня указывается только вместе с levels")
    return ContractKind(
        id=kind_id,
        name=name,
        missing=missing,
        aliases=aliases,
        levels=levels,
        level_column=level_column,
    )


# A contract's level is stored in a column of this width (registry.Contract.its_level).
_CONTRACT_LEVEL_ID_MAX = 10


def _read_contract_levels(node: _Node) -> tuple[ContractLevel, ...]:
    """``levels = [{ id = "prof", name = { ru = "ПРОФ" }, aliases = [...] }, ...]``."""
    raw = node._get("levels", False)
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw or not all(isinstance(i, dict) for i in raw):
        raise node.error("levels", "ожидается непустой массив таблиц { id, name }")
    levels: list[ContractLevel] = []
    for index, item in enumerate(cast(list[dict[str, object]], raw)):
        sub = _Node(item, f"{node.sub('levels')}[{index}]", node.source)
        level_id = sub.identifier()
        if len(level_id) > _CONTRACT_LEVEL_ID_MAX:
            raise sub.error("id", f"не длиннее {_CONTRACT_LEVEL_ID_MAX} символов")
        if any(level.id == level_id for level in levels):
            raise sub.error("id", f"повторяющийся идентификатор {level_id!r}")
        level_name = sub.text("name")
        aliases: tuple[str, ...] = ()
        spelled = sub._get("aliases", False)
        if spelled is not None:
            if not isinstance(spelled, list) or not all(
                isinstance(a, str) and a.strip() for a in spelled
            ):
                raise sub.error("aliases", "ожидается массив непустых строк")
            aliases = tuple(cast(list[str], spelled))
        sub.finish()
        levels.append(ContractLevel(id=level_id, name=level_name, aliases=aliases))
    return tuple(levels)


def _read_redirect_target(node: _Node) -> RedirectTarget:
    return RedirectTarget(id=node.identifier(), name=node.text("name"))


def _read_redirect_targets(root: _Node, scope: list[ScopeCategory]) -> list[RedirectTarget]:
    """R3: the file's redirect targets; every out-of-scope category's ``redirect_to`` must name
    one. A file without ``[[redirect_targets]]`` declares them by use (named by their ids)."""
    nodes = root.array_of_tables("redirect_targets", required=False)
    targets = _unique(nodes, _read_redirect_target, lambda target: target.id)
    used = [c.redirect_to for c in scope if c.redirect_to is not None]
    if not nodes:
        return [RedirectTarget(id=t, name=Text(ru=t)) for t in dict.fromkeys(used)]
    known = [t.id for t in targets]
    for index, category in enumerate(scope):
        if category.redirect_to is not None and category.redirect_to not in known:
            raise RegulationError(
                root.source,
                f"scope[{index}].redirect_to",
                f"неизвестное направление {category.redirect_to!r}; "
                f"в регламенте есть: {', '.join(known)}",
            )
    return targets


def _level_reference(node: _Node, key: str, level_ids: list[str]) -> str:
    value = node.string(key)
    if value not in level_ids:
        raise node.error(
            key, f"неизвестный уровень {value!r}; в регламенте есть: {', '.join(level_ids)}"
        )
    return value


def _read_regulation(root: _Node) -> Regulation:
    version = root.integer("schema_version")
    if version != SCHEMA_VERSION:
        raise root.error(
            "schema_version",
            f"неподдерживаемая версия формата {version}; поддерживается {SCHEMA_VERSION}",
        )
    regulation_id = root.identifier("id", _REGULATION_ID_RE)
    declared_version = root.opt_string("version")

    line = root.table("line")
    line_name = line.text("name")
    vendor = line.text("vendor")
    prefixes: dict[str, str] = {}
    for key, default in (
        ("ticket_prefix", "T"),
        ("update_access_prefix", "UPD"),
        ("offer_request_prefix", "REQ"),
    ):
        prefix = line.opt_string(key) or default
        if not _PREFIX_RE.match(prefix):
            raise line.error(
                key,
                f"ожидаются 1–10 заглавных латинских букв и цифр, первая — буква: {prefix!r}",
            )
        for other, taken in prefixes.items():
            if taken == prefix:
                raise line.error(
                    key,
                    f"префикс {prefix!r} уже занят ключом {other}: у каждого вида обращений свой",
                )
        prefixes[key] = prefix
    line.finish()

    hours = _read_working_hours(root.table("working_time"))

    levels = _unique(root.array_of_tables("levels"), _read_level, lambda level: level.id)
    level_ids = [level.id for level in levels]

    sla = root.table("sla")
    default_level_id = _level_reference(sla, "default_level", level_ids)
    update_access_level_id = _level_reference(sla, "update_access_level", level_ids)
    defect_level_id = _level_reference(sla, "defect_level", level_ids)
    wish_level_id = _level_reference(sla, "wish_level", level_ids)
    warning_share = sla.number("warning_share")
    if not 0 < warning_share < 1:
        raise sla.error(
            "warning_share", f"должно быть больше 0 и меньше 1, получено: {warning_share}"
        )
    auto_close = _positive(sla, "auto_close_working_days")
    sla.finish()

    scope = _unique(root.array_of_tables("scope"), _read_scope, lambda category: category.id)
    if sum(1 for c in scope if c.withdrawn_products) > 1:
        raise root.error(
            "scope", "только одна категория может быть для снятых с поддержки продуктов"
        )
    targets = _read_redirect_targets(root, scope)
    channels = _unique(root.array_of_tables("channels"), _read_channel, lambda channel: channel.id)
    contacts = _read_contacts(root.table("contacts"))
    offers = _unique(
        root.array_of_tables("offers", required=False),
        _read_offer,
        lambda offer: offer.id,
    )
    answers = _read_answers(root.table("answers"))
    contracts = _unique(
        root.array_of_tables("contracts", required=False),
        _read_contract,
        lambda kind: kind.id,
    )
    complaints = root.table("complaints")
    complaint_days = _positive(complaints, "answer_working_days")
    complaints.finish()
    root.finish()
    return Regulation(
        id=regulation_id,
        line_name=line_name,
        vendor=vendor,
        working_hours=hours,
        levels=tuple(levels),
        default_level_id=default_level_id,
        update_access_level_id=update_access_level_id,
        warning_share=warning_share,
        auto_close_working_days=auto_close,
        complaint_answer_working_days=complaint_days,
        defect_level_id=defect_level_id,
        wish_level_id=wish_level_id,
        scope_categories=tuple(scope),
        channels=tuple(channels),
        contacts=contacts,
        offers=tuple(offers),
        answers=answers,
        contracts=tuple(contracts),
        version=declared_version or "",
        ticket_prefix=prefixes["ticket_prefix"],
        update_access_prefix=prefixes["update_access_prefix"],
        offer_request_prefix=prefixes["offer_request_prefix"],
        redirect_targets=tuple(targets),
    )


def parse_regulation(text: str, *, source: str = "<string>") -> Regulation:
    """Parse and validate a regulation from TOML text; ``source`` names it in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegulationError(source, "", f"синтаксическая ошибка TOML: {exc}") from None
    regulation = _read_regulation(_Node(data, "", source))
    if not regulation.version:
        # No declared version: the text itself names it (any change is a new version).
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
        regulation = dataclasses.replace(regulation, version=f"sha256:{digest}")
    return regulation


def load_regulation(path: str | os.PathLike[str]) -> Regulation:
    """Load and validate the regulation file at ``path`` (another vendor's line, R21)."""
    source = os.fspath(path)
    try:
        with open(source, "rb") as file:
            raw = file.read()
    except OSError as exc:
        raise RegulationError(source, "", f"не удалось прочитать файл: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise RegulationError(source, "", "файл должен быть в кодировке UTF-8") from None
    return parse_regulation(text, source=source)


@functools.cache
def default_regulation() -> Regulation:
    """The 1C:CRM regulation shipped with SupportLine (loaded once, cached)."""
    resource = resources.files("supportline.regulation").joinpath(DEFAULT_REGULATION_RESOURCE)
    return parse_regulation(
        resource.read_text(encoding="utf-8"), source=f"<{DEFAULT_REGULATION_RESOURCE}>"
    )
