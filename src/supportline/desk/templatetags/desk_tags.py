"""Template helpers of the desk: regulation names, and one SLA clock cell (R11)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django import template
from django.template.defaultfilters import linebreaksbr
from django.template.loader import get_template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone, localtime
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from supportline.core import formatting
from supportline.desk.selectors.common import (
    AT_RISK,
    MET,
    ON_TRACK,
    PAUSED,
    STATE_LABELS,
    ClockCell,
    QueueRow,
    person_name,
)
from supportline.desk.selectors.ticket import IntervalRow, MessageRow, TimelineRow
from supportline.desk.widgets import esc
from supportline.tickets.models import Ticket

register = template.Library()


@register.filter
def level_name(level_id: str) -> str:
    """The level's name from the regulation file (R21), in the active language."""
    return formatting.level_name(level_id)


@register.filter
def category_name(category_id: str) -> str:
    return formatting.category_name(category_id) if category_id else ""


def iso(moment: dt.datetime) -> str:
    """`{{ moment|date:"c" }}`: ISO 8601 in the current time zone."""
    return localtime(moment).isoformat()


def iso_writer() -> Callable[[dt.datetime], str]:
    """`iso` with the current zone looked up once, for a list of moments (`localtime` asks
    the request's zone each time)."""
    zone = get_current_timezone()
    return lambda moment: moment.astimezone(zone).isoformat()


def clock_words() -> dict[str, Any]:
    """What a clock cell says around its figures, translated once for a page of cells."""
    return {
        "left": _("осталось %(left)s"),
        "over": _("просрочено на %(over)s"),
        "due": _('срок <time datetime="%(iso)s">%(due)s</time>'),
        "msk": formatting.msk_writer(),
        "labels": {state: str(label) for state, label in STATE_LABELS.items()},
    }


@register.simple_tag
def clock(cell: ClockCell, title: str = "", words: dict[str, Any] | None = None) -> SafeString:
    """A clock as remaining working time with its state in colour AND words.

    Built here rather than in a template: the queue shows two per row, and an included
    template per cell was most of the page's time (issue 15). `words`: `clock_words()` of
    the page (the queue's rows), else translated here."""
    if words is None:
        words = clock_words()
    parts: list[str] = [f'<span class="sla sla-{esc(cell.state)}">']
    if title:
        parts.append(f'<span class="sla-title">{esc(title)}:</span> ')
    parts.append(f"<strong>{esc(words['labels'][cell.state])}</strong>")
    counting = cell.state in (ON_TRACK, AT_RISK) or (
        cell.state == PAUSED and cell.remaining_minutes is not None
    )
    if counting:
        left = formatting.minutes_hm(cell.remaining_minutes)
        parts.append(" · " + words["left"] % {"left": esc(left)})
    elif cell.overdue_minutes:
        over = formatting.minutes_hm(cell.overdue_minutes)
        parts.append(" · " + words["over"] % {"over": esc(over)})
    if cell.due_at and cell.state != MET:
        text = words["due"] % {
            "iso": esc(iso(cell.due_at)),
            "due": esc(words["msk"](cell.due_at)),
        }
        parts.append(f"<br><small>{text}</small>")
    parts.append("</span>")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


# ---------------------------------------------------------------- a row of the queue (issue 15)

# A number the URL needs no quoting for: its link is built from one reversed address.
_PLAIN_NUMBER = re.compile(r"[A-Za-z0-9._~-]+")
_SAMPLE = "CRM-000001"


def _row_words() -> dict[str, Any]:
    """What every row of one page says alike, translated (and escaped, as `{% translate %}`
    writes it) once for the page rather than once per row."""

    link = reverse("desk:ticket", args=[_SAMPLE])
    head, tail = link.split(_SAMPLE)
    return {
        "msk": formatting.msk_writer(),
        "clock": clock_words(),
        "head": head,
        "tail": tail,
        "number": esc(_("Номер")),
        "subject": esc(_("Тема")),
        "organisation": esc(_("Организация")),
        "level": esc(_("Уровень")),
        "status": esc(_("Статус")),
        "reaction": esc(_("Реакция")),
        "resolution": esc(pgettext("SLA clock", "Решение")),
        "assignee": esc(_("Исполнитель")),
        "pick": _("Отметить %(number)s"),
        "unread": (
            f' <span class="badge unread" title="'
            f'{esc(_("Есть непрочитанные уведомления по обращению"))}">{esc(_("новое"))}</span>'
        ),
        "urgent": f'<span class="badge urgent">{esc(_("вне очереди"))}</span>',
        "missing": f' <span class="badge">{esc(_("нет данных"))}</span>',
        "exemption": (
            ' <span class="badge warn" title="'
            + esc(
                _(
                    "Нет действующих договоров; клиент выбрал лицензирование или систему "
                    "защиты — подтвердите исключение или переквалифицируйте вопрос"
                )
            )
            + f'">{esc(_("исключение: подтвердить"))}</span>'
        ),
        "until": _("до %(until)s"),
        "unassigned": f'<span class="note">{esc(_("не назначен"))}</span>',
        "statuses": {str(k): str(v) for k, v in Ticket._meta.get_field("status").flatchoices},
        "channels": {str(k): str(v) for k, v in Ticket._meta.get_field("channel").flatchoices},
    }


@register.simple_tag(takes_context=True)
def queue_row(context: template.Context, row: QueueRow) -> SafeString:
    """One row of the queue table — what `desk/_queue_row.html` renders, written here: an
    included template per row was most of the queue page's time (issue 15). The words are
    translated once per page; every value is escaped (tests/desk/test_queue_row.py holds it
    to the template's output)."""
    words = context.render_context.get("queue_row_words")
    if words is None:
        words = context.render_context["queue_row_words"] = _row_words()
    t = row.ticket
    clocks = words["clock"]
    number = str(t.number)
    safe_number = esc(number)
    if _PLAIN_NUMBER.fullmatch(number):
        link = f"{words['head']}{number}{words['tail']}"
    else:
        link = reverse("desk:ticket", args=[number])
    parts = [
        f'<tr class="row-{esc(row.worst)}">\n'
        f'    <th scope="row" data-label="{words["number"]}"><a id="q-{safe_number}" '
        f'href="{esc(link)}">{safe_number}</a>'
    ]
    if context.get("can_take"):
        pick = words["pick"] % {"number": safe_number}
        parts.append(
            f' <input type="checkbox" name="tickets" value="{safe_number}" form="bulk-form" '
            f'class="bulk-pick" aria-label="{pick}">'
        )
    unread = context.get("unread")
    if unread is not None and t.pk in unread:
        parts.append(words["unread"])
    parts.append("\n      ")
    if t.out_of_turn:
        parts.append(words["urgent"])
    parts.append(
        f"\n      <br><small>{esc(words['msk'](t.registered_at))}</small></th>\n"
        f'    <td data-label="{words["subject"]}">{esc(t.subject)}'
    )
    if t.missing_fields:
        parts.append(words["missing"])
    if t.exemption == "pending":
        parts.append(words["exemption"])
    status = str(t.status)
    channel = str(t.channel)
    parts.append(
        f"</td>\n"
        f'    <td data-label="{words["organisation"]}">'
        f"{esc(row.organisation or '—')}</td>\n"
        f'    <td data-label="{words["level"]}">{esc(row.level)}</td>\n'
        f'    <td data-label="{words["status"]}">'
        f"{esc(words['statuses'].get(status, status))}"
    )
    if row.evaluation_until:
        until = words["until"] % {"until": esc(words["msk"](row.evaluation_until))}
        parts.append(f"<br><small>{until}</small>")
    parts.append(
        f"<br><small>{esc(words['channels'].get(channel, channel))}</small></td>\n"
        f'    <td data-label="{words["reaction"]}">{clock(row.reaction, "", clocks)}</td>\n'
        f'    <td data-label="{words["resolution"]}">{clock(row.resolution, "", clocks)}</td>\n'
        f'    <td data-label="{words["assignee"]}">'
    )
    if t.assignee:
        parts.append(str(esc(person_name(t.assignee))))
    else:
        parts.append(words["unassigned"])
    parts.append("</td>\n  </tr>\n")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


# ---------------------------------------------------------------- the ticket page's long lists


@register.simple_tag
def timeline_rows(rows: list[TimelineRow]) -> SafeString:
    """The ticket's history (R16), one `<li>` per event — what the page's loop wrote, built
    here: a ticket with hundreds of events spent most of its page in that loop (issue 15)."""
    msk = formatting.msk_writer()
    iso = iso_writer()
    parts = []
    for row in rows:
        at = row.event.at
        detail = row.detail
        note = f'<br><span class="note">{esc(detail)}</span>' if detail else ""
        parts.append(
            f'\n      <li><time datetime="{esc(iso(at))}">'
            f"{esc(msk(at))}</time> — "
            f"<strong>{esc(row.label)}</strong> · "
            f"{esc(row.author)}{note}</li>\n    "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


@register.simple_tag
def interval_rows(rows: list[IntervalRow]) -> SafeString:
    """A clock's intervals (R11), one table row each, as the page's loop wrote them."""
    now = esc(_("сейчас"))
    msk = formatting.msk_writer()
    durations: dict[int, str] = {}  # many intervals last the same: translated once each
    parts = []
    for i in rows:
        end = now if i.current else esc(msk(i.end))
        minutes = durations.get(i.minutes)
        if minutes is None:
            minutes = durations[i.minutes] = esc(formatting.minutes_hm(i.minutes))
        parts.append(
            f'\n          <tr class="iv-{esc(i.kind)}">'
            f"<td>{esc(i.label)}</td>"
            f"<td>{esc(msk(i.start))}</td><td>{end}</td>"
            f"<td>{minutes}</td></tr>\n        "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


@register.simple_tag
def message_items(messages: list[MessageRow], ticket: Ticket) -> SafeString:
    """The conversation, one `<li>` per message — what the page's loop wrote
    (tests/desk/ticket_messages_reference.html), built here (issue 15). The client's words typed
    in by the line (a phone call, a forwarded letter) are the client's: named by the contact,
    with who wrote them down."""
    client = str(_("Клиент"))
    contact = esc(ticket.contact_name) if ticket.contact_name else client
    wrote = _("записал(а) %(name)s")
    unverified_title = esc(_("Отправитель не подтверждён."))
    unverified_text = _(
        "Почтовый сервер линии не подтвердил адрес отправителя (%(reason)s): письмо могло быть "
        "подделано. Оно зарегистрировано как письмо неизвестного лица — не сообщайте по нему "
        "данные клиента, пока не убедитесь, что пишет он."
    )
    attachments = get_template("desk/_attachments.html")
    msk = formatting.msk_writer()
    iso = iso_writer()
    parts = []
    for m in messages:
        author = m.author
        kind = esc(m.author_kind_label)
        channel = esc(m.channel_label)
        if m.author_kind == "client" and (author is None or author.is_line_staff):
            by = "; " + wrote % {"name": esc(person_name(author))} if author else ""
            head = (
                f"<strong>{contact}</strong>\n"
                f'          <span class="note">({kind}, {channel}{by})</span>\n          '
            )
        else:
            name = esc(person_name(author)) if author else kind
            head = (
                f'<strong>{name}</strong>\n          <span class="note">({kind}, {channel})</span>'
            )
        reason = m.unverified_sender
        warning = (
            f'<p class="unverified" role="note"><strong>{unverified_title}</strong> '
            f"{unverified_text % {'reason': esc(reason)}}</p>"
            if reason
            else ""
        )
        files = m.files
        listed = attachments.render({"ticket": ticket, "files": files}) if files else ""
        parts.append(
            f'\n      <li class="msg msg-{esc(m.author_kind)}">\n        \n'
            f'        <p class="msg-head">{head}\n'
            f'          <time datetime="{esc(iso(m.at))}">'
            f"{esc(msk(m.at))}</time></p>\n"
            f"        {warning}\n"
            f'        <div class="msg-body">{linebreaksbr(m.body, autoescape=True)}</div>\n'
            f"        {listed}\n"
            f"      </li>\n    "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
