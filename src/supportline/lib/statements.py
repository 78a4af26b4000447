"""Statements compiled once (issue 15): the hot paths' SQL kept after the ORM first built it.

The ORM compiles a queryset to SQL on every evaluation and prepares every row of a
`bulk_create` through the same machinery; on the intake path (an API request that reads the
token, the registration, the configuration, its releases and contracts, then writes five
tables) that compiling cost more CPU than the database's own work. The statements here are
built by the ORM — the same querysets, the same SQL — once per process and database, and run
again with new values:

    TOKEN = Select(lambda key: ApiToken.objects.select_related("user").filter(key_hash=key)[:1],
                   key=str)
    token = TOKEN.first(key=hash_token(raw))

A `Select`'s slots are the values that change between calls; each is compiled from a sentinel
of its type (str, int, date or an aware datetime) that must reach the SQL parameters unchanged
(or as the backend's own adaptation of a date or time) — a slot the ORM transforms (a
`contains` pattern, a lookup that folds case in Python) is refused at compile time rather than
run wrong.
The rows become what the queryset would give: model instances with their `select_related`
objects, tuples for `values_list`, or values for `values_list(flat=True)`.

`Insert` writes model instances with one INSERT: on PostgreSQL of every row from one JSON
parameter (`json_populate_recordset`: one text, one prepared statement, whatever the number of
rows), elsewhere a multi-row VALUES kept per row count. Each value goes through its field's own
`pre_save` and preparation (JSON, dates, defaults), as `bulk_create` does, and the new primary
keys come back by RETURNING.

On PostgreSQL both run on a cursor that binds on the server, so PostgreSQL prepares each
statement once per connection and no longer parses and plans it on every run (the planning of
the intake's reads cost more than their execution). When psycopg prepares is the connection's
`prepare_threshold` (`DATABASE_URL=…?prepare_threshold=N`, default 0 = at the first run; `off`
= never, for a connection pooler that cannot keep prepared statements). The ORM's own queries
keep Django's client-side binding and are never prepared.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Generic, TypeVar
from uuid import UUID

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.db.models import JSONField, Model, QuerySet
from django.db.models.query import (  # type: ignore[attr-defined]
    FlatValuesListIterable,
    ModelIterable,
    ValuesListIterable,
    get_related_populators,
)

M = TypeVar("M", bound=Model)
R = TypeVar("R")  # what a row becomes: a model instance, a tuple or a value

# Sentinels: values no caller passes, within every backend's integer range (Django refuses an
# out-of-range integer lookup before it reaches the SQL).
_INT_BASE = 1_987_654_321
_DATE_BASE = dt.date(1901, 2, 3)


class StatementError(TypeError):
    """A statement that cannot be compiled once and reused (a programming error)."""


@dataclass(frozen=True)
class _Slot:
    name: str
    positions: tuple[int, ...]
    adapt: Callable[[Any], Any]


def _same(value: Any) -> Any:
    return value


def _sentinel(kind: type, index: int) -> Any:
    if kind is str:
        return f"\x1f{index}:sentinel\x1f"
    if kind is int:
        return _INT_BASE - index
    if kind is dt.datetime:
        return dt.datetime.combine(_DATE_BASE, dt.time(), dt.UTC) + dt.timedelta(seconds=index)
    if kind is dt.date:
        return _DATE_BASE + dt.timedelta(days=index)
    raise StatementError(f"a slot is str, int, date or datetime, not {kind.__name__}")


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[_Slot, ...]
    shape: type
    col_count: int | None  # rows are cut to it (the ORM's extra ordering columns)
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]
    # For model rows: the class, its columns' attnames and where they are in the row, and the
    # populators of select_related objects.
    model: type[Model] | None
    init_list: tuple[str, ...]
    start: int
    end: int
    related: tuple[Any, ...]


class Select(Generic[R]):
    """A queryset compiled once per database; `all(**values)` and `first(**values)` run it."""

    def __init__(self, build: Callable[..., QuerySet[Any, Any]], **slots: type) -> None:
        self._build = build
        self._slot_types = slots
        self._compiled: dict[tuple[str, str], _Compiled] = {}
        self._model_class: type[Model] | None = None

    def _compile(self, connection: BaseDatabaseWrapper) -> _Compiled:
        sentinels = self._sentinels()
        queryset = self._build(**sentinels)
        if getattr(queryset, "_known_related_objects", None) or getattr(
            queryset, "_prefetch_related_lookups", None
        ):
            raise StatementError("a compiled statement neither prefetches nor knows objects")
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        found = []
        for name, sentinel in sentinels.items():
            adapt = _adapter(connection, sentinel)
            wanted = adapt(sentinel)
            positions = [i for i, p in enumerate(params) if type(p) is type(wanted) and p == wanted]
            if not positions:
                raise StatementError(f"slot {name!r} does not reach the SQL as given")
            found.append(_Slot(name, tuple(positions), adapt))
        fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
        converters = tuple(
            (position, tuple(functions), expression)
            for position, (functions, expression) in compiler.get_converters(fields).items()
        )
        shape = queryset._iterable_class
        model, init_list, start, end, related = None, (), 0, 0, ()
        if shape is ModelIterable:
            if compiler.annotation_col_map:
                raise StatementError("a compiled model statement has no annotations")
            info = compiler.klass_info
            model = info["model"]
            start, end = info["select_fields"][0], info["select_fields"][-1] + 1
            init_list = tuple(f[0].target.attname for f in compiler.select[start:end])
            related = tuple(get_related_populators(info, compiler.select, connection.alias))
        elif shape not in (ValuesListIterable, FlatValuesListIterable):
            raise StatementError("a compiled statement gives models or values_list rows")
        return _Compiled(
            sql=sql,
            params=tuple(params),
            slots=tuple(found),
            shape=shape,
            col_count=compiler.col_count if compiler.has_extra_select else None,
            converters=converters,
            model=model,
            init_list=init_list,
            start=start,
            end=end,
            related=related,
        )

    def all(self, **values: Any) -> list[R]:
        """Every row, as the queryset would give it."""
        if values.keys() != self._slot_types.keys():
            raise StatementError(f"give exactly the slots {sorted(self._slot_types)}")
        connection = connections[router.db_for_read(self._model())]
        key = (connection.alias, connection.vendor)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(connection)
        params = list(compiled.params)
        for slot in compiled.slots:
            value = slot.adapt(values[slot.name])
            for position in slot.positions:
                params[position] = value
        with _cursor(connection) as cursor:
            cursor.execute(compiled.sql, params)
            rows: list[Any] = cursor.fetchall()
        if compiled.col_count is not None:
            rows = [row[: compiled.col_count] for row in rows]
        if compiled.converters:
            rows = [_convert(row, compiled.converters, connection) for row in rows]
        if compiled.shape is FlatValuesListIterable:
            return [row[0] for row in rows]
        if compiled.shape is ValuesListIterable:
            return [tuple(row) for row in rows]  # type: ignore[misc]  # R is the row's tuple
        assert compiled.model is not None
        out: list[Any] = []
        for row in rows:
            obj = compiled.model.from_db(
                connection.alias, list(compiled.init_list), row[compiled.start : compiled.end]
            )
            for populator in compiled.related:
                populator.populate(row, obj)
            out.append(obj)
        return out

    def first(self, **values: Any) -> R | None:
        """The first row, or None (the queryset itself limits and orders)."""
        rows = self.all(**values)
        return rows[0] if rows else None

    def _model(self) -> type[Model]:
        """The queryset's model (to route the read), from one build with the sentinels."""
        if self._model_class is None:
            self._model_class = self._build(**self._sentinels()).model
        return self._model_class

    def _sentinels(self) -> dict[str, Any]:
        return {name: _sentinel(kind, i) for i, (name, kind) in enumerate(self._slot_types.items())}


def _cursor(connection: BaseDatabaseWrapper) -> CursorWrapper:
    """A cursor as `connection.cursor()` gives (health check, execute wrappers); on PostgreSQL
    one that binds on the server, so the statement can be prepared — unless queries are being
    logged (DEBUG, a test counting them), as Django logs only client-side bound SQL in full."""
    if connection.vendor != "postgresql" or connection.queries_logged:
        return connection.cursor()
    from psycopg import Cursor

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        return connection._prepare_cursor(Cursor(connection.connection))  # type: ignore[attr-defined,no-any-return]


def _json_value(f: Any, obj: Model) -> Any:
    """A field's value to save, as JSON for `json_populate_recordset`: what the field prepares
    for the database (a JSON field's own structure), dates and numbers written by
    `_json_default`."""
    value = f.pre_save(obj, True)
    if value is None:
        return None
    if isinstance(f, JSONField):
        return value if f.encoder is None else json.loads(json.dumps(value, cls=f.encoder))
    return f.get_prep_value(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.time):  # datetime too: ISO 8601 with its offset
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _adapter(connection: BaseDatabaseWrapper, sentinel: Any) -> Callable[[Any], Any]:
    if isinstance(sentinel, dt.datetime):  # aware: the backend's own UTC form
        return connection.ops.adapt_datetimefield_value
    if isinstance(sentinel, dt.date):
        return connection.ops.adapt_datefield_value
    return _same


def _convert(
    row: Sequence[Any],
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...],
    connection: BaseDatabaseWrapper,
) -> list[Any]:
    values = list(row)
    for position, functions, expression in converters:
        value = values[position]
        for function in functions:
            value = function(value, expression, connection)
        values[position] = value
    return values


@dataclass
class Part:
    """One INSERT (or upsert) of a write: its SQL, its values, and the instances whose primary
    keys its RETURNING gives back (in the order of the rows)."""

    sql: str
    params: list[Any]
    objs: list[Model] = field(default_factory=list)
    pk_column: str = ""  # RETURNING this column when set

    def done(self, ids: Sequence[Any] | None, alias: str) -> None:
        for i, obj in enumerate(self.objs):
            if ids is not None:
                obj.pk = ids[i]
            obj._state.adding = False
            obj._state.db = alias


def write(parts: Iterable[Part | None], *, using: str = "default") -> None:
    """Run the parts (None: nothing to write): on PostgreSQL as ONE statement, each INSERT a
    data-modifying CTE (the foreign keys are deferred, or checked at the end of it); elsewhere
    one after another."""
    given = [p for p in parts if p is not None]
    if not given:
        return
    connection = connections[using]
    if connection.vendor != "postgresql" or len(given) == 1:
        for part in given:
            sql = part.sql + (f" RETURNING {part.pk_column}" if part.pk_column else "")
            with _cursor(connection) as cursor:
                cursor.execute(sql, part.params)
                ids = [row[0] for row in cursor.fetchall()] if part.pk_column else None
            part.done(ids, connection.alias)
        return
    ctes, outputs, params = [], [], []
    for i, part in enumerate(given):
        # Only the model's own quoted names go into the text; the values are parameters.
        column = part.pk_column
        ctes.append(f"w{i} AS ({part.sql}{f' RETURNING {column}' if column else ''})")
        if column:  # the ids come from a sequence, in the order of the rows
            outputs.append(f"(SELECT array_agg({column} ORDER BY {column}) FROM w{i})")  # noqa: S608
        params.extend(part.params)
    sql = "WITH " + ", ".join(ctes) + " SELECT " + (", ".join(outputs) or "1")
    with _cursor(connection) as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    returned = iter(row if outputs else ())
    for part in given:
        part.done(next(returned) if part.pk_column else None, connection.alias)


class Insert(Generic[M]):
    """Instances of one model written by one INSERT (its SQL kept per row count)."""

    def __init__(self, model: type[M], *, with_pk: bool = False) -> None:
        self.model = model
        self.with_pk = with_pk
        meta = model._meta
        self.fields = [
            f for f in meta.concrete_fields if with_pk or not (f.primary_key and f.auto_created)
        ]
        self._sql: dict[tuple[str, str, int], str] = {}

    def _statement(self, connection: BaseDatabaseWrapper, rows: int) -> str:
        postgres = connection.vendor == "postgresql"
        key = (connection.alias, connection.vendor, 1 if postgres else rows)
        sql = self._sql.get(key)
        if sql is None:
            # Only the model's own table and column names, quoted; the values are parameters.
            quote = connection.ops.quote_name
            columns = ", ".join(quote(f.column) for f in self.fields)
            table = quote(self.model._meta.db_table)
            if postgres:
                # Every row in ONE parameter: the text and the prepared statement are the same
                # whatever the number of rows, and psycopg caches its conversion (it does not
                # for a statement of more than 50 parameters).
                sql = (
                    f"INSERT INTO {table} ({columns}) SELECT {columns} "  # noqa: S608
                    f"FROM json_populate_recordset(NULL::{table}, %s)"
                )
            else:
                row = "(" + ", ".join(["%s"] * len(self.fields)) + ")"
                sql = f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([row] * rows)  # noqa: S608
            self._sql[key] = sql
        return sql

    def part(self, objs: Iterable[M]) -> Part | None:
        """The INSERT of `objs` for `write` (None when there is nothing to write)."""
        objs = list(objs)
        if not objs:
            return None
        connection = connections[router.db_for_write(self.model)]
        if not self.with_pk and not connection.features.can_return_rows_from_bulk_insert:
            raise StatementError("this database cannot return the new rows' keys")
        params: list[Any] = []
        if connection.vendor == "postgresql":
            rows = [{f.column: _json_value(f, obj) for f in self.fields} for obj in objs]
            params.append(json.dumps(rows, default=_json_default, ensure_ascii=False))
        else:
            for obj in objs:
                for f in self.fields:
                    value = f.pre_save(obj, True)
                    params.append(f.get_db_prep_save(value, connection=connection))
        pk_column = "" if self.with_pk else connection.ops.quote_name(self.model._meta.pk.column)
        return Part(self._statement(connection, len(objs)), params, list(objs), pk_column)

    def run(self, objs: Iterable[M]) -> list[M]:
        """Write `objs` now; each gets its primary key and is saved."""
        objs = list(objs)
        using = router.db_for_write(self.model)
        if not self.with_pk and not connections[using].features.can_return_rows_from_bulk_insert:
            for obj in objs:  # an old SQLite: one by one, to know each id
                obj.save(force_insert=True)
            return objs
        write([self.part(objs)], using=using)
        return objs
