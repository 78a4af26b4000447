"""Demo tickets in every status of SPEC §4 (one breached, one paused), made through the
services exactly as the desk and the API would make them."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from supportline.accounts.models import User
from supportline.core import rules
from supportline.tickets.actions.complaints import complaint_file
from supportline.tickets.actions.escalation import ticket_change_level, ticket_transfer
from supportline.tickets.actions.lifecycle import (
    ticket_accept,
    ticket_answer,
    ticket_ask,
    ticket_evaluate,
    ticket_resolve,
)
from supportline.tickets.actions.registration import ticket_register
from supportline.tickets.actions.sla import tickets_sla_scan as sla_scan
from supportline.tickets.actions.update_access import update_access_request
from supportline.tickets.intake import IntakeData
from supportline.tickets.models import Ticket


def _data(subject: str, body: str, **extra: str) -> IntakeData:
    fields = {
        "registration_number": "800123456",
        "organisation": "ООО «Ромашка»",
        "configuration": "1С:CRM ПРОФ, редакция 3.0",
        "version": "3.0.36.12",
        **extra,
    }
    return IntakeData(subject=subject, body=body, **fields)


# Issue 14 §9: the demo's "now" for its stories — a fixed working-hour instant, so that the
# clocks read sensibly whatever the time of day the demo is loaded (at 03:00 a ticket
# "registered 20 minutes ago" would sit outside working hours with clocks that have not started).
ANCHOR_HOUR = 15


def demo_anchor(now: dt.datetime) -> dt.datetime:
    """The latest working day's 15:00 in the line's zone at or before `now`."""
    cal = rules.calendar()
    zone = rules.line_zone()
    day = now.astimezone(zone).date()
    for _ in range(30):
        hours = cal.working_hours(day)
        if hours is not None:
            moment = dt.datetime.combine(day, dt.time(ANCHOR_HOUR), tzinfo=zone)
            # A shortened day ends earlier: an hour before its end then.
            end = dt.datetime.combine(day, hours[1], tzinfo=zone)
            moment = min(moment, end - dt.timedelta(hours=1))
            if moment <= now:
                return moment
        day -= dt.timedelta(days=1)
    return now


@transaction.atomic
def load_demo_tickets(*, now: dt.datetime) -> int:
    """Idempotent: does nothing when tickets exist. Returns how many tickets it made. The
    stories are told relative to `demo_anchor(now)`; the stored clocks are brought up to `now`."""
    if Ticket.objects.exists():
        return 0
    real_now, now = now, demo_anchor(now)
    client = User.objects.get(username="client")
    client2 = User.objects.get(username="client2")
    partner = User.objects.get(username="partner")
    c1 = User.objects.get(username="consultant1")
    c2 = User.objects.get(username="consultant2")
    day = dt.timedelta(days=1)
    hour = dt.timedelta(hours=1)
    # R21: the level and category ids are the regulation's, whichever line it is.
    regulation = rules.regulation()
    out_of_scope = next((c.id for c in regulation.scope_categories if not c.in_scope), "")

    def reg(actor: User, data: IntakeData, at: dt.datetime, channel: str = "portal") -> Ticket:
        if not regulation.has_channel(channel):  # R6, R21: only the line's own channels
            channel = next(c for c in ("portal", "api", "email") if regulation.has_channel(c))
        return ticket_register(actor=actor, channel=channel, data=data, registered_at=at, now=at)

    # Breached: registered a week ago, accepted, never resolved (24 working hours long gone).
    t = reg(
        client,
        _data("Не отправляются письма из CRM", "Письма клиентам зависают в исходящих."),
        now - 7 * day,
    )
    ticket_accept(ticket=t, actor=c1, now=now - 7 * day + hour)
    ticket_answer(
        ticket=t, actor=c1, text="Проверьте настройки учётной записи почты.", now=now - 6 * day
    )

    # Paused: waiting for the client's answer.
    t = reg(
        client,
        _data("Ошибка при проведении сделки", "При проведении сделки появляется ошибка."),
        now - 2 * day,
    )
    ticket_accept(ticket=t, actor=c1, now=now - 2 * day + hour)
    ticket_ask(
        ticket=t,
        actor=c1,
        text="Пришлите, пожалуйста, снимок экрана с текстом ошибки.",
        now=now - 2 * day + 2 * hour,
    )

    # In progress.
    t = reg(
        client, _data("Как настроить воронку продаж", "Нужна воронка по этапам сделок."), now - day
    )
    ticket_answer(
        ticket=t, actor=c2, text="Воронка настраивается в разделе «Продажи».", now=now - day + hour
    )

    # Client evaluation and closed with a rating.
    t = reg(client, _data("Не формируется отчёт по менеджерам", "Отчёт пустой."), now - 3 * day)
    ticket_resolve(
        ticket=t,
        actor=c2,
        text="Снимите отбор по периоду в настройках отчёта.",
        now=now - 3 * day + 2 * hour,
    )
    t = reg(
        client, _data("Права доступа для менеджера", "Менеджер не видит клиентов."), now - 5 * day
    )
    ticket_resolve(
        ticket=t,
        actor=c1,
        text="Добавьте пользователя в группу «Менеджеры».",
        now=now - 5 * day + hour,
    )
    ticket_evaluate(
        ticket=t,
        actor=client,
        accepted=True,
        rating=5,
        comment="Спасибо, помогло",
        now=now - 4 * day,
    )

    # Accepted, Operational (a confirmed critical error — out of turn).
    t = reg(
        client,
        _data("Не запускается программа после обновления", "После обновления ошибка при запуске."),
        now - 3 * hour,
    )
    ticket_accept(ticket=t, actor=c2, now=now - 2 * hour)
    ticket_change_level(
        ticket=t,
        actor=c2,
        level=regulation.defect_level_id,  # R10: a confirmed critical error (R21: the file's)
        reason="Критическая ошибка подтверждена",
        now=now - 2 * hour,
    )

    # Transferred to a methodologist as a wish (Development request).
    t = reg(
        client,
        _data("Пожелание: отчёт по источникам лидов", "Хотим видеть конверсию по источникам."),
        now - 4 * day,
    )
    ticket_transfer(
        ticket=t,
        actor=c1,
        to="methodologist",
        kind="wish",
        reason="Пожелание по развитию отчётов",
        now=now - 4 * day + hour,
    )

    # Refused (R2: the KP contract expired) and redirected (R3: out of scope).
    reg(
        client2,
        _data(
            "Ошибка в карточке клиента",
            "Не сохраняется карточка.",
            registration_number="800654321",
            organisation="АО «Вектор»",
        ),
        now - day,
    )
    reg(
        client,
        _data("Настройте 1С на новом ПК", "Купили новый компьютер.", category=out_of_scope),
        now - 2 * day,
    )

    # New: from the portal, from a partner, and a phone call registered by a consultant.
    reg(
        client,
        _data("Не работает интеграция с телефонией", "Звонки не попадают в CRM."),
        now - 20 * dt.timedelta(minutes=1),
    )
    reg(
        partner,
        _data(
            "Вопрос по NFR-версии",
            "Как обновить NFR-версию?",
            registration_number="NFR-880011",
            organisation="ООО «Франч Плюс»",
            partner_code="12-345-678",
        ),
        now - hour,
    )
    reg(
        c1,
        _data(
            "Звонок: не печатаются документы",
            "Клиент звонил: не печатается коммерческое предложение.",
        ),
        now - 2 * hour,
        channel="phone",
    )

    # Update access (R17) and a quality complaint (R20).
    update_access_request(
        actor=client,
        channel="portal",
        organisation_full_name="Общество с ограниченной ответственностью «Ромашка»",
        inn="7705123452",
        registration_number="800123456",
        configuration="1С:CRM ПРОФ, редакция 3.0",
        version="3.0.36.12",
        previous_login="romashka",
        now=now - 30 * dt.timedelta(minutes=1),
    )
    complaint_file(
        actor=client,
        subject="Долгий ответ",
        text="По обращению о письмах нет решения неделю.",
        now=now,
    )
    # Stored states were computed when each ticket last changed; bring the overdue ones up to now.
    sla_scan(now=real_now)
    return Ticket.objects.count()
