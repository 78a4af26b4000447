"""`supportline demo` loads every role and the contract situations; a second run changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from supportline.accounts.models import Role, User
from supportline.registry.models import Contract, Organisation, Partner, RegistrationNumber

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        User.objects.count(),
        Organisation.objects.count(),
        Partner.objects.count(),
        RegistrationNumber.objects.count(),
        Contract.objects.count(),
    )


def test_demo_is_idempotent_and_prints_logins() -> None:
    out = StringIO()
    call_command("demo", stdout=out)
    first = _counts()
    passwords = dict(User.objects.values_list("username", "password"))
    call_command("demo", stdout=StringIO())
    assert _counts() == first
    assert dict(User.objects.values_list("username", "password")) == passwords
    printed = out.getvalue()
    for user in User.objects.all():
        assert user.username in printed


def test_demo_has_every_role_with_working_password() -> None:
    logins = {}
    from supportline.core.demo import load_demo

    for login in load_demo():
        logins[login.username] = login.password
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == {r.value for r in Role}
    for username, password in logins.items():
        assert User.objects.get(username=username).check_password(password)


def test_demo_contract_situations() -> None:
    import datetime as dt

    from supportline.core.demo import load_demo

    today = dt.date(2026, 11, 25)
    load_demo(today=today)
    valid = RegistrationNumber.objects.get(organisation__name="ООО «Ромашка»")
    expired_kp = RegistrationNumber.objects.get(organisation__name="АО «Вектор»")
    nfr = RegistrationNumber.objects.get(partner__code="12-345-678")
    assert all(c.is_valid_on(today) for c in valid.contracts.all())
    assert {c.kind for c in valid.contracts.all()} == {"its", "kp_otraslevoy"}
    kp = expired_kp.contracts.get(kind="kp_otraslevoy")
    assert not kp.is_valid_on(today)
    assert expired_kp.contracts.get(kind="its").is_valid_on(today)
    assert nfr.kind == "nfr"


def test_demo_tickets_cover_every_status_with_one_breached_and_one_paused() -> None:
    import datetime as dt
    from zoneinfo import ZoneInfo

    from supportline.core.demo import load_demo
    from supportline.core.demo_tickets import load_demo_tickets
    from supportline.tickets.models import Complaint, Status, Ticket

    now = dt.datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))
    load_demo(today=now.date())
    assert load_demo_tickets(now=now) > 10
    assert load_demo_tickets(now=now) == 0  # idempotent
    statuses = set(Ticket.objects.values_list("status", flat=True))
    assert statuses == {s.value for s in Status}
    assert Ticket.objects.filter(resolution_state="breached").exists()
    assert Ticket.objects.filter(resolution_state="paused").exists()
    assert Ticket.objects.filter(kind="update_access").exists()
    assert Complaint.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("hour", [3, 12, 23])
def test_demo_stories_are_told_at_working_hours_whatever_the_hour(hour: int) -> None:
    """Issue 14 §9: loaded at 03:00 or 23:00, the demo's latest tickets sit in working time
    (the clocks have started and read sensibly), as if loaded at 15:00 of a working day."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from supportline.core.demo import load_demo
    from supportline.core.demo_tickets import demo_anchor, load_demo_tickets
    from supportline.tickets.models import Ticket

    msk = ZoneInfo("Europe/Moscow")
    now = dt.datetime(2026, 11, 25, hour, 0, tzinfo=msk)  # a Wednesday
    anchor = demo_anchor(now)
    assert anchor.astimezone(msk).hour == 15
    assert anchor.date() == (now.date() if hour >= 15 else dt.date(2026, 11, 24))
    # On a Monday at 08:00 the anchor is the Friday before.
    assert demo_anchor(dt.datetime(2026, 11, 30, 8, 0, tzinfo=msk)).date() == dt.date(2026, 11, 27)
    load_demo(today=now.date())
    load_demo_tickets(now=now)
    latest = Ticket.objects.order_by("-registered_at").first()
    assert latest is not None
    local = latest.registered_at.astimezone(msk)
    assert 9 <= local.hour < 18 and local.weekday() < 5
