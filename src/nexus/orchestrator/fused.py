"""PostgreSQL statements that do several hot-path writes in one round trip (ADR 0015).

On PostgreSQL every statement is a round trip: client and server CPU plus two socket hops,
~0.1 ms on this machine class, and a chain step used to take eight (BEGIN, six statements,
COMMIT). Data-modifying CTEs let one statement do what several did, with the same guards,
the same rows and the same policy decisions (taken in Python before the statement, exactly
as for the separate statements):

- ``commit_output``: RUNNING -> SUCCEEDED of the claimed attempt, the output's insert and the
  dependents' readiness counters. The output and the counters are written only if the
  guarded update matched.
- ``guarded_write_with_events``: a guarded job update plus the transaction's buffered events
  and the update's own events (written only if the update matched), so the commit has no
  separate event insert to flush.

SQLite has no data-modifying CTEs and no round trips to save: it keeps the separate
statements (``transitions``, ``graph``), which remain the reference the tests compare with.
"""

from __future__ import annotations

from collections import namedtuple
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Integer,
    String,
    bindparam,
    column,
    exists,
    func,
    insert,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert

from nexus.core.db import Conn, UtcDateTime
from nexus.core.prepared import Prepared
from nexus.orchestrator import graph, tables
from nexus.orchestrator.statements import (
    SUCCEED_CLAIMED,
    OutputRow,
    guarded_params,
    guarded_update,
)

JOBS = tables.JOBS
OUTPUTS = tables.NODE_OUTPUTS
EVENTS = tables.EVENTS
EVENT_COLUMNS = (
    "type",
    "run_id",
    "job_id",
    "tenant_id",
    "project_id",
    "trace_id",
    "payload",
    "occurred_at",
)


def stored_output(done: Any) -> Any:
    """A CTE storing the committed output (``o_*``, ``b_attempt``, ``b_now`` parameters)
    under the cache key of the job the ``done`` CTE returned: nothing if it returned none."""
    return (
        pg_insert(OUTPUTS)
        .from_select(
            [
                *("cache_key", "tenant_id", "output", "output_hash", "artifacts", "job_id"),
                *("attempt", "created_at"),
            ],
            select(
                done.c.cache_key,
                done.c.tenant_id,
                bindparam("o_output", type_=OUTPUTS.c.output.type),
                bindparam("o_hash", type_=String),
                bindparam("o_artifacts", type_=OUTPUTS.c.artifacts.type),
                done.c.job_id,
                bindparam("b_attempt", type_=Integer),
                bindparam("b_now", type_=UtcDateTime()),
            ),
        )
        .on_conflict_do_nothing()
        .cte("stored")
    )


def _commit_output_statement() -> tuple[Any, tuple[str, ...], tuple[str, ...]]:
    """The statement, the finished job's fields and a dependent's fields, in result order."""
    succeed: Any = SUCCEED_CLAIMED.statement
    increment: Any = graph.INCREMENT_DEPENDENTS.statement
    done = succeed.cte("done")
    stored = stored_output(done)
    counted = increment.where(exists(select(done.c.job_id))).cte("counted")
    statement = (
        select(*(c.label(f"f_{c.name}") for c in done.c), *counted.c)
        .select_from(done.outerjoin(counted, true()))
        .add_cte(stored)
    )
    return statement, tuple(c.name for c in done.c), tuple(c.name for c in counted.c)


_statement, _DONE_FIELDS, _DEP_FIELDS = _commit_output_statement()
COMMIT_OUTPUT = Prepared(_statement)
DoneRow = namedtuple("DoneRow", _DONE_FIELDS)  # pyright: ignore[reportUntypedNamedTuple]
DependentRow = namedtuple("DependentRow", _DEP_FIELDS)  # pyright: ignore[reportUntypedNamedTuple]


async def commit_output(
    conn: Conn,
    job_id: str,
    attempt: int,
    now: datetime,
    stored: OutputRow,
) -> tuple[Any | None, list[Any]]:
    """The finished job's row (None: the guard did not match, nothing was written) and its
    dependents' rows after counting this upstream, as ``graph.increment_dependents``."""
    params = {
        "b_job_id": job_id,
        "b_attempt": attempt,
        "b_now": now,
        "o_output": stored.output,
        "o_hash": stored.output_hash,
        "o_artifacts": stored.artifacts,
        "upstream_job_id": job_id,  # INCREMENT_DEPENDENTS' own parameter name
        "updated_at": now,  # its on-update value: a CTE gets no column defaults from Prepared
    }
    rows = (await conn.execute(COMMIT_OUTPUT, params)).all()
    if not rows:
        return None, []
    split = len(_DONE_FIELDS)
    done = DoneRow._make(rows[0][:split])
    dependents = [DependentRow._make(r[split:]) for r in rows if r[split] is not None]
    return done, dependents


def event_recordset() -> Any:
    """The ``e_rows`` JSON parameter (``event_rows``) as a derived table of event rows."""
    return (
        func.json_to_recordset(bindparam("e_rows", type_=JSON))
        .table_valued(
            *(column(n, EVENTS.c[n].type) for n in EVENT_COLUMNS),
            column("if_written", Boolean),
            column("seq", Integer),
        )
        .render_derived(with_types=True)
    )


@lru_cache(maxsize=64)
def _write_with_events(keys: frozenset[str], unless_cached: bool) -> Prepared:
    update: Any = guarded_update("jobs", keys, unless_cached).statement
    written = update.returning(JOBS.c.job_id).cte("written")
    rows = event_recordset()
    logged = (
        insert(EVENTS)
        .from_select(
            list(EVENT_COLUMNS),
            select(*(rows.c[n] for n in EVENT_COLUMNS))
            .where(or_(rows.c.if_written.is_(False), exists(select(written.c.job_id))))
            .order_by(rows.c.seq),
        )
        .cte("logged")
    )
    return Prepared(select(func.count()).select_from(written).add_cte(logged))


def event_rows(rows: list[dict[str, Any]], if_written: bool, start: int) -> list[dict[str, Any]]:
    return [
        {
            **row,
            "occurred_at": row["occurred_at"].isoformat(),
            "if_written": if_written,
            "seq": start + i,
        }
        for i, row in enumerate(rows)
    ]


async def guarded_write_with_events(
    conn: Conn,
    job: Any,
    values: dict[str, Any],
    pending: list[dict[str, Any]],
    own: list[dict[str, Any]],
    unless_cached: str | None = None,
) -> bool:
    """``transitions`` guarded UPDATE of one job (False: it changed since it was read, or an
    output is stored under ``unless_cached``), plus the ``pending`` events (always written)
    and ``own`` (only if the update matched), in that order."""
    params = guarded_params(job.job_id, job, values, unless_cached)
    params["e_rows"] = event_rows(pending, False, 0) + event_rows(own, True, len(pending))
    statement = _write_with_events(frozenset(values), unless_cached is not None)
    count = (await conn.execute(statement, params)).scalar()
    return bool(count == 1)
