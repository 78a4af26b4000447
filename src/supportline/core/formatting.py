"""How SupportLine writes times, working-time durations and regulation names for people.

Plain functions, no template machinery: the template filters (`core/templatetags/supportline`,
`desk/templatetags/desk_tags`) and the code that builds screens (`desk/selectors/`) both call
them, so a page and the sentence a selector composes say the same thing the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils.translation import gettext as _

from supportline.core import rules


def msk(moment: dt.datetime | None, fmt: str = "%d.%m.%Y %H:%M") -> str:
    """24.11.2026 10:00 МСК — Moscow time with the zone named; or the zone the signed-in user
    chose for display, named by its UTC offset («24.11.2026 12:00 UTC+5»)."""
    return msk_writer(fmt)(moment)


def msk_writer(fmt: str = "%d.%m.%Y %H:%M") -> Callable[[dt.datetime | None], str]:
    """`msk` with the zone and its name looked up once, for a list of times (issue 15)."""
    zone = rules.display_zone()
    label = ""
    if zone.key == rules.line_zone().key:
        label = rules.tr(rules.regulation().working_hours.zone_label)

    written: dict[dt.datetime, str] = {}  # a page shows an event's time in several places

    def write(moment: dt.datetime | None) -> str:
        if moment is None:
            return "—"
        text = written.get(moment)
        if text is None:
            local = moment.astimezone(zone)
            text = written[moment] = (
                f"{local.strftime(fmt)} {label}"
                if label
                else f"{local.strftime(fmt)} {utc_offset_label(local)}"
            )
        return text

    return write


def zone_label() -> str:
    """How the line's zone is named next to a time («МСК», «ЕКБ»; without a `zone_label` in
    the regulation its UTC offset now, «UTC+5»)."""
    label = rules.tr(rules.regulation().working_hours.zone_label)
    if label:
        return label
    return utc_offset_label(dt.datetime.now(dt.UTC).astimezone(rules.line_zone()))


def utc_offset_label(local: dt.datetime) -> str:
    """UTC+5, UTC−3:30, UTC+0."""
    minutes = int((local.utcoffset() or dt.timedelta(0)).total_seconds()) // 60
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def minutes_hm(minutes: int | None) -> str:
    """570 → «9 ч 30 мин» (working time)."""
    if minutes is None:
        return "—"
    sign = "−" if minutes < 0 else ""
    hours, rest = divmod(abs(int(minutes)), 60)
    if hours and rest:
        # Translators: a working-time duration, hours and minutes, e.g. «9 ч 30 мин».
        text = _("%(hours)d ч %(minutes)d мин") % {"hours": hours, "minutes": rest}
    elif hours:
        # Translators: a working-time duration in whole hours, e.g. «9 ч».
        text = _("%(hours)d ч") % {"hours": hours}
    else:
        # Translators: a working-time duration in minutes, e.g. «30 мин».
        text = _("%(minutes)d мин") % {"minutes": rest}
    return sign + text


def level_name(level_id: str) -> str:
    """The level's name from the regulation (R21), in the active language."""
    regulation = rules.regulation()
    if not regulation.has_level(level_id):
        return level_id
    return rules.tr(regulation.level(level_id).name)


def redirect_target_name(target_id: str) -> str:
    """R3: the name of where out-of-scope questions go, from the regulation (R21); the id
    itself when the regulation no longer has it."""
    try:
        return rules.tr(rules.regulation().redirect_target(target_id).name)
    except KeyError:
        return target_id


def category_name(category_id: str) -> str:
    """The scope category's name from the regulation (R21); the id itself when unknown."""
    try:
        return rules.tr(rules.regulation().scope_category(category_id).name)
    except KeyError:
        return category_id
