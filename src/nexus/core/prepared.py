"""Hot-path statements: SQLAlchemy Core compiled once per dialect, run on the raw driver.

SQLAlchemy's execution path costs ~60-150 µs of CPU per statement (cache-key generation,
execution context, result metadata), which is more than the whole per-step budget of the
orchestrator's hot path (ADR 0014). A ``Prepared`` statement keeps SQLAlchemy for what it
is good at (the statement is written in Core against the table objects, compiled by the
dialect, with the types' own bind and result processors) and skips the per-call machinery:
the SQL text, the positional parameter order and the processors are computed once, and the
statement runs on the DB-API connection (sqlite3) or the asyncpg connection underneath the
current SQLAlchemy transaction.

Only statements whose SQL does not depend on the parameters qualify (no expanding ``IN``);
anything else keeps going through ``Conn.execute`` with a plain Core statement.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.sql import Insert, Update
from sqlalchemy.sql.elements import ClauseElement, TextClause

Processor = Callable[[Any], Any] | None
_MISSING = object()


@dataclass(frozen=True)
class Plan:
    """One statement compiled for one dialect (and, for inserts, one set of columns)."""

    sql: str
    names: tuple[str, ...]
    binders: tuple[Processor, ...]
    defaults: tuple[Any, ...]  # per parameter: a column default, or _MISSING
    returns_rows: bool | None  # None: textual SQL, known only from the result
    row_type: Any
    readers: tuple[Processor, ...]

    def args(self, params: Mapping[str, Any]) -> tuple[Any, ...]:
        out: list[Any] = []
        for name, bind, default in zip(self.names, self.binders, self.defaults, strict=True):
            value = params.get(name, _MISSING)
            if value is _MISSING:
                if default is _MISSING:
                    raise KeyError(f"parameter {name!r} missing for prepared statement")
                value = default(None) if callable(default) else default
            out.append(bind(value) if bind is not None and value is not None else value)
        return tuple(out)

    def rows(self, raw: Sequence[Sequence[Any]]) -> list[Any]:
        make = self.row_type._make
        readers = self.readers
        if not any(readers):
            return [make(r) for r in raw]
        return [
            make([v if f is None or v is None else f(v) for f, v in zip(readers, r, strict=True)])
            for r in raw
        ]


class Prepared:
    """A Core statement built once at import time, compiled lazily per dialect."""

    __slots__ = ("_plans", "statement")

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._plans: dict[Any, Plan] = {}

    def plan(self, dialect: Any, keys: Sequence[str] | None = None) -> Plan:
        cache_key = (dialect.name, tuple(keys) if keys is not None else None)
        plan = self._plans.get(cache_key)
        if plan is None:
            plan = self._plans[cache_key] = _compile(self.statement, dialect, keys)
        return plan

    def plan_for(self, dialect: Any, params: Mapping[str, Any]) -> Plan:
        """Inserts compile per column set (the keys given); other statements once."""
        if isinstance(self.statement, Insert):
            return self.plan(dialect, sorted(params))
        return self.plan(dialect)


def _compile(statement: ClauseElement, dialect: Any, keys: Sequence[str] | None) -> Plan:
    compiled: Any = statement.compile(
        dialect=dialect, column_keys=list(keys) if keys is not None else None
    )
    binds = compiled.binds
    required = {n for n, b in binds.items() if b.required}
    if compiled.post_compile_params:  # IN (...) of a literal list: fixed here, once
        state = compiled.construct_expanded_state({n: None for n in required})
        sql, names, baked = state.statement, tuple(state.positiontup or ()), state.parameters
        processors = state.processors
    else:
        sql, names = compiled.string, tuple(compiled.positiontup or ())
        baked = compiled.construct_params(_check=False)  # values written into the statement
        processors = compiled._bind_processors
    if any(b.expanding and n in required for n, b in binds.items()):
        raise ValueError("a prepared statement cannot take an expanding parameter")
    table = getattr(statement, "table", None) if isinstance(statement, Insert | Update) else None
    attr = "default" if isinstance(statement, Insert) else "onupdate"
    defaults = tuple(_default_for(n, table, attr, baked, required) for n in names)
    columns = list(compiled._result_columns)
    readers = tuple(_reader(c[3], dialect) for c in columns)
    fields = [c[0] for c in columns]
    return Plan(
        sql=sql,
        names=names,
        binders=tuple(processors.get(n) for n in names),
        defaults=defaults,
        returns_rows=bool(columns) or (None if isinstance(statement, TextClause) else False),
        row_type=_row_type(fields),
        readers=readers,
    )


def _row_type(fields: list[str]) -> Any:
    """Rows are named tuples: attribute access like SQLAlchemy's Row, at tuple cost."""
    if not fields:
        return tuple
    return namedtuple("Row", fields, rename=True)  # pyright: ignore[reportUntypedNamedTuple]


def _reader(type_: Any, dialect: Any) -> Processor:
    """The type's result processor. asyncpg already returns native numbers; its numeric
    processors want the column's type code, which only a live result knows."""
    try:
        return type_._cached_result_processor(dialect, None)
    except TypeError:
        return None


def _default_for(
    name: str, table: Any, attr: str, baked: Mapping[str, Any], required: set[str]
) -> Any:
    """A value to use when the caller does not pass ``name``: the column's insert default or
    on-update value (SQLAlchemy wraps callables to take one context argument), or a value
    baked into the statement (``column == 'x'``, ``IN`` of a literal list)."""
    column = table.c.get(name) if table is not None else None
    default = getattr(column, attr, None)
    if default is not None and (default.is_scalar or default.is_callable):
        return default.arg
    if name in baked and name not in required:
        return baked[name]
    return _MISSING


class FastResult:
    """The slice of SQLAlchemy's Result API the hot path uses."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def all(self) -> list[Any]:
        return self._rows

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one(self) -> Any:
        if len(self._rows) != 1:
            raise LookupError(f"expected one row, got {len(self._rows)}")
        return self._rows[0]

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None


def run_sqlite(dbapi: Any, prepared: Prepared, dialect: Any, parameters: Any) -> FastResult:
    """Execute on a sqlite3 connection inside the caller's transaction."""
    if isinstance(parameters, list):
        batch: list[Mapping[str, Any]] = parameters
        if not batch:
            return FastResult([], 0)
        plan = prepared.plan_for(dialect, batch[0])
        cursor = dbapi.executemany(plan.sql, [plan.args(p) for p in batch])
        return FastResult([], cursor.rowcount)
    plan = prepared.plan_for(dialect, parameters or {})
    cursor = dbapi.execute(plan.sql, plan.args(parameters or {}))
    if plan.returns_rows:
        return FastResult(plan.rows(cursor.fetchall()), cursor.rowcount)
    if plan.returns_rows is None and cursor.description:
        row_type = _row_type([d[0] for d in cursor.description])
        return FastResult([row_type._make(r) for r in cursor.fetchall()], cursor.rowcount)
    return FastResult([], cursor.rowcount)


async def run_asyncpg(driver: Any, prepared: Prepared, dialect: Any, parameters: Any) -> FastResult:
    """Execute on an asyncpg connection inside the caller's transaction."""
    if isinstance(parameters, list):
        batch: list[Mapping[str, Any]] = parameters
        if not batch:
            return FastResult([], 0)
        plan = prepared.plan_for(dialect, batch[0])
        await driver.executemany(plan.sql, [plan.args(p) for p in batch])
        return FastResult([], len(batch))
    plan = prepared.plan_for(dialect, parameters or {})
    args = plan.args(parameters or {})
    if plan.returns_rows:
        rows = plan.rows(await driver.fetch(plan.sql, *args))
        return FastResult(rows, len(rows))
    if plan.returns_rows is None:  # textual SQL: rows if it returns any
        records = await driver.fetch(plan.sql, *args)
        if not records:
            return FastResult([], 0)
        row_type = _row_type(list(records[0].keys()))
        return FastResult([row_type._make(r.values()) for r in records], len(records))
    status: str = await driver.execute(plan.sql, *args)
    tail = status.rsplit(" ", 1)[-1]
    return FastResult([], int(tail) if tail.isdigit() else -1)
