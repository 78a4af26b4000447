"""A realistic demo of the 1C:CRM consultation line: organisations with contracts, products,
users of every role. Idempotent: running it again neither fails nor duplicates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from supportline.accounts.models import Role, User
from supportline.core import rules
from supportline.lib.versions import version_key
from supportline.registry.models import (
    Configuration,
    Contract,
    Organisation,
    Partner,
    PartnerClient,
    Product,
    RegistrationNumber,
    Release,
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    who: str


# Demo-only credentials, printed by `supportline demo`; never used outside the demo database.
DEMO_USERS: list[tuple[str, str, Role, str, str]] = [
    ("admin", "admin-demo", Role.ADMIN, "Администратор", "Анна Админова"),
    ("supervisor", "supervisor-demo", Role.SUPERVISOR, "Руководитель линии", "Ольга Руководова"),
    ("consultant1", "consultant-demo", Role.CONSULTANT, "Консультант", "Иван Консультантов"),
    ("consultant2", "consultant-demo", Role.CONSULTANT, "Консультант", "Мария Линейная"),
    ("methodologist", "method-demo", Role.METHODOLOGIST, "Методолог", "Пётр Методистов"),
    ("developer", "developer-demo", Role.DEVELOPER, "Разработчик", "Денис Разработчиков"),
    ("client", "client-demo", Role.CLIENT, "Клиент ООО «Ромашка»", "Светлана Клиентова"),
    ("client2", "client-demo", Role.CLIENT, "Клиент АО «Вектор»", "Глеб Векторов"),
    ("partner", "partner-demo", Role.PARTNER, "Партнёр ООО «Франч Плюс»", "Павел Партнёров"),
]


DEMO_EMAIL_DOMAIN = "demo.example.ru"


def why_not_a_trial(*, debug: bool, testing: bool, vendor: str) -> str | None:
    """Why this database looks like a working line's rather than a trial; None for a trial.

    A trial is the embedded database of `make run` or a test: it holds no user but the
    demo's (a demo user has a demo login and its demo address) and no ticket made before the
    demo's users existed. PostgreSQL with DEBUG off is how a line runs in production, so it is
    never taken for a trial, empty or not (the suite's own databases excepted)."""
    if vendor == "postgresql" and not (debug or testing):
        return "база PostgreSQL при выключенном DEBUG — так работает линия, а не проба"
    demo = Q()
    for username, *_ in DEMO_USERS:
        demo |= Q(username=username, email=f"{username}@{DEMO_EMAIL_DOMAIN}")
    others = list(
        User.objects.exclude(demo).order_by("username").values_list("username", flat=True)[:4]
    )
    if others:
        listed = ", ".join(others[:3]) + (", …" if len(others) > 3 else "")
        return f"в базе есть пользователи не из демо ({listed})"
    from supportline.tickets.models import Ticket

    if Ticket.objects.exists() and not User.objects.filter(demo).exists():
        return "в базе есть обращения, а демо-пользователей нет"
    return None


def _year_bounds(today: dt.date, years_back: int, years_ahead: int) -> tuple[dt.date, dt.date]:
    return today.replace(year=today.year - years_back, day=1), today.replace(
        year=today.year + years_ahead, day=1
    )


@transaction.atomic
def load_demo(*, today: dt.date | None = None) -> list[DemoLogin]:
    today = today or timezone.localdate()
    crm, _ = Product.objects.get_or_create(name="1С:CRM")
    prof, _ = Configuration.objects.get_or_create(
        name="1С:CRM ПРОФ, редакция 3.0", defaults={"product": crm}
    )
    corp, _ = Configuration.objects.get_or_create(
        name="1С:CRM КОРП, редакция 3.0", defaults={"product": crm}
    )
    old, _ = Configuration.objects.get_or_create(
        name="1С:CRM ПРОФ, редакция 2.1", defaults={"product": crm, "support_status": "withdrawn"}
    )
    for conf, versions in (
        (prof, ["3.0.35.4", "3.0.36.12"]),
        (corp, ["3.0.35.4", "3.0.36.12"]),
        (old, ["2.1.9.3"]),
    ):
        for version in versions:
            Release.objects.get_or_create(
                configuration=conf,
                version=version,
                defaults={
                    "version_key": version_key(version),
                    "is_current": version == versions[-1] and conf != old,
                },
            )

    romashka, _ = Organisation.objects.get_or_create(
        inn="7705123452",
        defaults={
            "name": "ООО «Ромашка»",
            "full_name": "Общество с ограниченной ответственностью «Ромашка»",
            "kpp": "770501001",
            "email": "it@romashka.example.ru",
        },
    )
    vector, _ = Organisation.objects.get_or_create(
        inn="5018012341",
        defaults={
            "name": "АО «Вектор»",
            "full_name": "Акционерное общество «Вектор»",
            "kpp": "501801001",
            "email": "crm@vector.example.ru",
        },
    )
    franch, _ = Partner.objects.get_or_create(
        code="12-345-678", defaults={"name": "ООО «Франч Плюс»", "inn": "7840123459"}
    )
    # R1: Франч Плюс serves Ромашка (it may file tickets for it), not Вектор.
    PartnerClient.objects.get_or_create(
        partner=franch, organisation=romashka, defaults={"source": PartnerClient.Source.IMPORT}
    )

    start, end = _year_bounds(today, 1, 1)
    expired = today - dt.timedelta(days=40)
    # R2, R21: one contract of each kind the regulation requires; Вектор's last one lapsed.
    kinds = [kind.id for kind in rules.regulation().contracts]
    valid = [(kind, start, end) for kind in kinds]
    lapsed = [*valid[:-1], (kinds[-1], start, expired)] if kinds else []
    registrations: list[tuple[str, dict[str, Any], list[tuple[str, dt.date, dt.date]]]] = [
        # number, holder, contracts (kind, from, to)
        ("800123456", {"organisation": romashka}, valid),
        ("800654321", {"organisation": vector}, lapsed),
        ("NFR-880011", {"partner": franch, "kind": "nfr"}, valid),
    ]
    for number, holder, contracts in registrations:
        reg, created = RegistrationNumber.objects.get_or_create(
            number=number, defaults={"product": crm, **holder}
        )
        if created:
            for kind, valid_from, valid_to in contracts:
                Contract.objects.create(
                    registration=reg,
                    kind=kind,
                    number=f"{kind.upper()}-{number}",
                    valid_from=valid_from,
                    valid_to=valid_to,
                    its_level="prof" if kind == "its" else "",
                )

    from supportline.portal.kb import seed_articles

    seed_articles()

    holders = {"client": romashka, "client2": vector}
    logins = []
    for username, password, role, who, full_name in DEMO_USERS:
        first, last = full_name.split(" ", 1)
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "role": role,
                "first_name": first,
                "last_name": last,
                "email": f"{username}@{DEMO_EMAIL_DOMAIN}",
                "organisation": holders.get(username),
                "partner": franch if role == Role.PARTNER else None,
                "is_staff": role in (Role.ADMIN, Role.SUPERVISOR),
                "is_superuser": role == Role.ADMIN,
            },
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        logins.append(DemoLogin(username, password, str(role.label), who))
    return logins
