"""`supportline demo` loads users with known passwords only into a trial database, unless
forced; `make run` (SQLite, DEBUG unset, run again and again) keeps working."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from supportline.accounts.models import Role, User
from supportline.core.demo import DEMO_USERS, load_demo, why_not_a_trial
from supportline.core.demo_tickets import load_demo_tickets
from supportline.tickets.models import Ticket
from tests.production.conftest import environment, run

DEMO_NAMES = {name for name, *_ in DEMO_USERS}


def _demo(*args: str) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_a_database_with_real_users_is_refused() -> None:
    User.objects.create_user("ivanova", email="ivanova@romashka.ru", role=Role.SUPERVISOR)
    with pytest.raises(CommandError) as refused:
        _demo()
    assert "в базе есть пользователи не из демо (ivanova)" in str(refused.value)
    assert "--force" in str(refused.value)
    assert not User.objects.filter(username__in=DEMO_NAMES).exists()


@pytest.mark.django_db
def test_a_real_user_named_like_a_demo_one_is_not_the_demo() -> None:
    User.objects.create_user("admin", email="it@romashka.ru", role=Role.ADMIN)
    with pytest.raises(CommandError, match=r"не из демо \(admin\)"):
        _demo()


@pytest.mark.django_db
def test_many_real_users_are_listed_briefly() -> None:
    for name in ("anna", "boris", "vera", "gleb", "denis"):
        User.objects.create_user(name, email=f"{name}@romashka.ru")
    assert why_not_a_trial(debug=True, testing=True, vendor="sqlite") == (
        "в базе есть пользователи не из демо (anna, boris, denis, …)"
    )


@pytest.mark.django_db
def test_force_loads_anyway() -> None:
    User.objects.create_user("ivanova", email="ivanova@romashka.ru")
    printed = _demo("--force")
    assert "Демо-данные загружены" in printed
    assert set(User.objects.values_list("username", flat=True)) == DEMO_NAMES | {"ivanova"}


@pytest.mark.django_db
def test_tickets_without_the_demo_users_are_refused() -> None:
    now = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
    load_demo(today=now.date())
    assert load_demo_tickets(now=now) > 0
    User.objects.all().delete()  # tickets keep their history (created_by SET_NULL)
    assert Ticket.objects.exists()
    with pytest.raises(CommandError, match="в базе есть обращения, а демо-пользователей нет"):
        _demo()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_trial_is_loaded_again_without_complaint() -> None:
    _demo()
    again = _demo()
    assert "Демо-данные загружены" in again
    assert why_not_a_trial(debug=False, testing=False, vendor="sqlite") is None


@pytest.mark.django_db
def test_postgresql_with_debug_off_is_a_working_line() -> None:
    reason = why_not_a_trial(debug=False, testing=False, vendor="postgresql")
    assert reason == "база PostgreSQL при выключенном DEBUG — так работает линия, а не проба"
    assert why_not_a_trial(debug=True, testing=False, vendor="postgresql") is None
    assert why_not_a_trial(debug=False, testing=False, vendor="sqlite") is None


def test_make_run_loads_the_demo_twice_with_debug_unset(tmp_path: Path) -> None:
    """What the Makefile does: SECRET_KEY_FILE, DEBUG unset, SQLite; run again: no error."""
    key = tmp_path / "secret_key"
    key.write_text("Zx9!Qw2#Er4$Ty6^Ui8&Op0*As1@Df3%Gh5(Jk7)Lz-Xc+Vb=Nm~Pq;Rs:Tu,Wv.")
    env = environment(tmp_path, SECRET_KEY_FILE=str(key))
    assert run(["migrate", "--noinput", "-v", "0"], env).returncode == 0
    first = run(["demo"], env)
    assert first.returncode == 0, first.stderr
    assert "Создано демо-обращений" in first.stdout
    second = run(["demo"], env)
    assert second.returncode == 0, second.stderr
    assert "Создано демо-обращений" not in second.stdout
    assert "consultant1" in second.stdout


def test_demo_refusal_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    env = environment(tmp_path, DEBUG="1")
    assert run(["migrate", "--noinput", "-v", "0"], env).returncode == 0
    made = run(
        [
            "shell",
            "-c",
            "from supportline.accounts.models import User; "
            "User.objects.create_user('ivanova', email='ivanova@romashka.ru')",
        ],
        env,
    )
    assert made.returncode == 0, made.stderr
    refused = run(["demo"], env)
    assert refused.returncode == 1
    assert "Демо-данные не загружены: в базе есть пользователи не из демо" in refused.stderr
    assert "Traceback" not in refused.stderr
