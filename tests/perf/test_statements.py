"""Issue 15: statements compiled once (`supportline.lib.statements`) give what the ORM gives.

Each `Select` is compared with its own queryset on the same rows (models with their
select_related objects, values_list tuples and flat values, dates adapted by the backend), and
each `Insert` with what `bulk_create` writes; slots the ORM would transform are refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from supportline.jobs.models import Job
from supportline.lib.statements import Insert, Select, StatementError, write
from supportline.registry.models import Contract, RegistrationNumber
from supportline.tickets.intake import VALID_CONTRACT_KINDS
from supportline.tickets.models import Message, Ticket, TicketEvent
from tests.tickets.conftest import Line


def _registration() -> RegistrationNumber:
    reg = RegistrationNumber.objects.filter(organisation__isnull=False).first()
    assert reg is not None, "the test database holds the demo registry"
    return reg


@pytest.fixture(autouse=True)
def _demo(line: Line) -> None:
    """The demo line (its registry) and one ticket filed through the API."""
    line.ticket()


def test_a_model_select_gives_the_querysets_instances_with_their_related_objects() -> None:
    reg = _registration()
    statement: Select[RegistrationNumber] = Select(
        lambda number: (
            RegistrationNumber.objects.select_related("organisation", "product")
            .filter(number=number)
            .order_by()[:1]
        ),
        number=str,
    )
    found = statement.first(number=reg.number)
    assert found is not None
    expected = RegistrationNumber.objects.select_related("organisation", "product").get(pk=reg.pk)
    assert found.pk == expected.pk and found.number == expected.number
    assert found.kind == expected.kind and found.product_id == expected.product_id
    with CaptureQueriesContext(connection) as queries:  # the joined rows came with it
        assert found.organisation is not None
        assert found.organisation.name == expected.organisation.name
        assert found.product.name == expected.product.name
    assert queries.captured_queries == []
    assert found._state.adding is False and found._state.db == "default"
    assert statement.first(number="no such number") is None


def test_a_select_is_compiled_once_and_runs_again_with_new_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    numbers = list(RegistrationNumber.objects.values_list("number", flat=True)[:2])
    assert len(numbers) == 2
    statement: Select[RegistrationNumber] = Select(
        lambda number: RegistrationNumber.objects.filter(number=number).order_by()[:1],
        number=str,
    )
    compiled = 0
    as_sql = SQLCompiler.as_sql

    def counting(self: SQLCompiler, *args: Any, **kwargs: Any) -> Any:
        nonlocal compiled
        compiled += 1
        return as_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    first = statement.first(number=numbers[0])
    second = statement.first(number=numbers[1])
    again = statement.first(number=numbers[0])
    assert (first.number, second.number, again.number) == (numbers[0], numbers[1], numbers[0])
    assert compiled == 1


def test_values_list_dates_and_a_slot_used_twice() -> None:
    reg = _registration()
    contract = Contract.objects.filter(registration=reg).first()
    assert contract is not None
    kinds = VALID_CONTRACT_KINDS  # intake's own (R2): the day is compared twice
    inside = contract.valid_from
    expected = set(
        Contract.objects.filter(registration=reg, valid_from__lte=inside, valid_to__gte=inside)
        .order_by()
        .values_list("kind", flat=True)
    )
    assert set(kinds.all(registration=reg.pk, day=inside)) == expected
    assert contract.kind in expected
    before = contract.valid_from - dt.timedelta(days=1)
    assert (
        contract.kind not in set(kinds.all(registration=reg.pk, day=before))
        or Contract.objects.filter(
            registration=reg, kind=contract.kind, valid_from__lte=before, valid_to__gte=before
        ).exists()
    )
    pairs: Select[Any] = Select(
        lambda registration: Contract.objects.filter(registration_id=registration).values_list(
            "kind", "valid_to"
        ),
        registration=int,
    )
    assert pairs.all(registration=reg.pk) == list(
        Contract.objects.filter(registration=reg).values_list("kind", "valid_to")
    )
    assert all(isinstance(row[1], dt.date) for row in pairs.all(registration=reg.pk))


def test_slots_the_orm_transforms_or_leaves_out_are_refused() -> None:
    contains: Select[Any] = Select(
        lambda number: RegistrationNumber.objects.filter(number__contains=number), number=str
    )
    with pytest.raises(StatementError, match="number"):
        contains.all(number="1")
    prefetching: Select[Any] = Select(
        lambda: RegistrationNumber.objects.prefetch_related("contracts")
    )
    with pytest.raises(StatementError, match="prefetch"):
        prefetching.all()
    plain: Select[Any] = Select(lambda number: Ticket.objects.filter(number=number), number=int)
    with pytest.raises(StatementError, match="slots"):
        plain.all()
    with pytest.raises(StatementError, match="str, int, date or datetime"):
        Select(lambda at: Ticket.objects.filter(registered_at=at), at=float).all(at=1.0)


def test_a_datetime_slot_is_adapted_as_the_backend_stores_it() -> None:
    """An aware datetime reaches the SQL as the backend's own form (SQLite: naive UTC text)."""
    ticket = Ticket.objects.get()
    since: Select[str] = Select(
        lambda at: Ticket.objects.filter(registered_at__gte=at).values_list("number", flat=True),
        at=dt.datetime,
    )
    moment = ticket.registered_at
    assert since.all(at=moment) == [ticket.number]
    assert since.all(at=moment + dt.timedelta(microseconds=1)) == []
    assert since.all(at=moment.astimezone(dt.timezone(dt.timedelta(hours=3)))) == [ticket.number]


def test_insert_writes_what_bulk_create_writes_and_sets_the_keys() -> None:
    ticket = Ticket.objects.get()
    at = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    made = [
        Message(
            ticket=ticket,
            at=at,
            author=None,
            author_kind="line",
            purpose="answer",
            channel="api",
            body=f"текст {i}",
        )
        for i in range(3)
    ]
    with CaptureQueriesContext(connection) as queries:
        Insert(Message).run(made)
    assert len(queries.captured_queries) == 1
    assert all(m.pk is not None and m._state.adding is False for m in made)
    stored = list(Message.objects.filter(pk__in=[m.pk for m in made]).order_by("pk"))
    assert [m.body for m in stored] == ["текст 0", "текст 1", "текст 2"]
    assert [m.pk for m in stored] == sorted(m.pk for m in made)
    assert {m.at for m in stored} == {at} and {m.external_id for m in stored} == {""}

    event = TicketEvent(ticket=ticket, at=at, type="note", author=None, data={"м": [1, "два"]})
    Insert(TicketEvent).run([event])
    assert TicketEvent.objects.get(pk=event.pk).data == {"м": [1, "два"]}

    job = Job(kind="bench", payload={"x": 1}, run_at=at)  # defaults and auto_now_add
    Insert(Job).run([job])
    stored_job = Job.objects.get(pk=job.pk)
    assert stored_job.state == Job.State.PENDING and stored_job.attempts == 0
    assert stored_job.created_at is not None and stored_job.payload == {"x": 1}

    with CaptureQueriesContext(connection) as queries:
        assert Insert(Job).run([]) == []
    assert queries.captured_queries == []


@pytest.mark.postgres
def test_on_postgresql_the_statements_are_prepared_once_per_connection() -> None:
    """Server-side binding: PostgreSQL parses and plans a compiled statement once, then runs
    it by name (the planning of intake's reads cost more than their execution)."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    reg = _registration()
    statement: Select[RegistrationNumber] = Select(
        lambda number: RegistrationNumber.objects.filter(number=number).order_by()[:1],
        number=str,
    )

    def prepared() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [row[0] for row in cursor.fetchall() if "registry_registrationnumber" in row[0]]

    before = prepared()
    assert statement.all(number=reg.number) == [reg]
    assert statement.first(number="нет такого") is None
    after = prepared()
    assert len(after) == len(before) + 1, after
    assert statement.all(number=reg.number) == [reg]
    assert prepared() == after  # the same prepared statement, run again


def test_parts_written_together_in_one_statement_on_postgresql() -> None:
    """A registration's rows: on PostgreSQL one statement (data-modifying CTEs) that gives
    every part's new keys back in the order of its rows; elsewhere a statement per part."""
    ticket = Ticket.objects.get()
    at = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    events = [
        TicketEvent(ticket=ticket, at=at, type="note", author=None, data={"n": i}) for i in range(4)
    ]
    jobs = [Job(kind="bench", payload={"n": i}, run_at=at, dedupe_key=f"t:{i}") for i in range(2)]
    with CaptureQueriesContext(connection) as queries:
        write([Insert(TicketEvent).part(events), None, Insert(Job).part(jobs)])
    assert len(queries.captured_queries) == (1 if connection.vendor == "postgresql" else 2)
    assert [TicketEvent.objects.get(pk=e.pk).data for e in events] == [{"n": i} for i in range(4)]
    assert [Job.objects.get(pk=j.pk).dedupe_key for j in jobs] == ["t:0", "t:1"]
    assert all(not e._state.adding for e in events)
    with CaptureQueriesContext(connection) as queries:
        write([None, Insert(Job).part([])])
    assert queries.captured_queries == []


def test_the_session_store_reads_djangos_rows_and_forgets_expired_ones() -> None:
    """Every signed-in page reads its session by the compiled statement: the same rows as
    Django's database sessions, an expired or unknown key read as no session."""
    from django.conf import settings
    from django.contrib.sessions.models import Session

    from supportline.accounts.sessions import SessionStore

    assert settings.SESSION_ENGINE == "supportline.accounts.sessions"
    written = SessionStore()
    written["кто"] = "консультант"
    written.save(must_create=True)
    key = written.session_key
    assert key is not None
    assert SessionStore(key).load() == {"кто": "консультант"}
    Session.objects.filter(session_key=key).update(
        expire_date=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    )
    expired = SessionStore(key)
    assert expired.load() == {} and expired.session_key is None
    unknown = SessionStore("x" * 32)
    assert unknown.load() == {} and unknown.session_key is None
