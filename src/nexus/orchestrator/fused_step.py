"""A whole chain step in one PostgreSQL statement, run in autocommit (ADR 0016).

When a worker claims a job, it also reads the job's only dependent (``PREDICT``). When it
commits, the orchestrator decides the dependent's readiness in Python from that row, exactly
as ``advance`` would (cache key, approval, gate, the transition policy), and one statement
writes everything the step's transaction would have written:

- ``succ`` locks the dependent and checks the readiness guards (``readiness.GUARDS``, one
  set of clauses each in ``GUARD_CLAUSES``): the row is still the one the decision was taken
  on (status, version, readiness counters), it is still the finished job's only dependent,
  and no output is stored under its cache key;
- ``done`` is the guarded commit (RUNNING -> SUCCEEDED of the claimed attempt), written only
  if ``succ`` holds; ``stored`` and ``arts`` write the output and the artifacts;
- ``moved`` counts the finished upstream and moves the dependent PENDING -> READY -> RUNNING
  for the same worker (the lock taken by ``succ`` guarantees it matches);
- ``logged`` writes the three events in order;
- ``nxt`` reads the dependent's own dependents: the next step's prediction.

All or nothing: if any guard fails the statement writes nothing and returns no row, and the
caller takes the ordinary step transaction, which decides from fresh reads. A statement that
wrote the commit without the dependent's move aborts itself (``broken``), so the invariant
"one transition = one transaction" holds for the fused form too.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Integer,
    String,
    Text,
    bindparam,
    case,
    cast,
    column,
    exists,
    func,
    insert,
    literal,
    select,
    true,
    update,
)

from nexus.core.db import Conn, UtcDateTime
from nexus.core.prepared import Prepared
from nexus.orchestrator import fused, readiness, tables
from nexus.orchestrator.statements import SUCCEED_GUARD, SUCCEED_VALUES
from nexus.orchestrator.states import JobState

JOBS = tables.JOBS
DEPS = tables.JOB_DEPS
OUTPUTS = tables.NODE_OUTPUTS
EVENTS = tables.EVENTS
ARTIFACTS = tables.ARTIFACTS

# The dependent's columns the step writes: the claim chain's changes plus its counter.
MOVED_KEYS: tuple[str, ...] = (
    "status",
    "version",
    "updated_at",
    "cache_key",
    "pool",
    "not_before",
    "attempt",
    "lease_owner",
    "lease_expires_at",
    "started_at",
    "progress",
    "deps_done",
)
ARTIFACT_FIELDS = (
    ("artifact_id", String),
    ("sha256", String),
    ("size_bytes", BigInteger),
    ("media_type", String),
    ("name", String),
    ("uri", Text),
)

# A job's dependents with the data flag of the edge from it (at most two: one is a chain).
PREDICT = Prepared(
    select(*JOBS.c, DEPS.c.data.label("via_data"))
    .select_from(DEPS.join(JOBS, JOBS.c.job_id == DEPS.c.job_id))
    .where(DEPS.c.upstream_job_id == bindparam("s_id"))
    .limit(2)
)


def _dependents_of(job_id: Any) -> Any:
    return select(DEPS.c.job_id).where(DEPS.c.upstream_job_id == job_id)


def _guard_clauses() -> dict[readiness.Guard, tuple[Any, ...]]:
    """The SQL of each readiness guard, on the dependent's row (found by primary key)."""
    only_dependent = (
        select(func.count()).select_from(_dependents_of(bindparam("b_job_id")).subquery())
    ).scalar_subquery() == 1
    return {
        # (no deleted_at test: a soft delete bumps the version, and the test would make the
        # planner prefer the partial unique index to the primary key)
        "row_unchanged": (
            JOBS.c.status == JobState.PENDING.value,
            JOBS.c.version == bindparam("s_version"),
        ),
        "counters_unchanged": (
            JOBS.c.deps_done == bindparam("s_deps_done"),
            JOBS.c.deps_total == bindparam("s_deps_total"),
        ),
        "chain_link": (
            # the edge, as an uncorrelated test: the row itself is found by primary key
            exists(
                select(DEPS.c.job_id).where(
                    DEPS.c.job_id == bindparam("s_id"),
                    DEPS.c.upstream_job_id == bindparam("b_job_id"),
                )
            ),
            only_dependent,
        ),
        "uncached": (
            ~exists(
                select(OUTPUTS.c.cache_key).where(OUTPUTS.c.cache_key == bindparam("m_cache_key"))
            ),
        ),
    }


GUARD_CLAUSES = _guard_clauses()
# The guards this statement checks: every readiness guard, in ``readiness.GUARDS`` order.
STEP_GUARDS: frozenset[readiness.Guard] = frozenset(GUARD_CLAUSES)


def _step_statement() -> Any:
    now = bindparam("b_now", type_=UtcDateTime())
    guards = [clause for g in readiness.GUARDS for clause in GUARD_CLAUSES[g]]
    succ = (
        select(JOBS.c.job_id)
        .where(JOBS.c.job_id == bindparam("s_id"), *guards)
        .with_for_update()
        .cte("succ")
    )
    done = (
        update(JOBS)
        .where(
            *SUCCEED_GUARD,
            JOBS.c.cache_key == bindparam("b_cache_key"),  # the key the prediction used
            exists(select(succ.c.job_id)),
        )
        .values(SUCCEED_VALUES)
        .returning(
            JOBS.c.job_id,
            JOBS.c.run_id,
            JOBS.c.cache_key,
            JOBS.c.tenant_id,
            JOBS.c.project_id,
            JOBS.c.trace_id,
            JOBS.c.correlation_id,
        )
        .cte("done")
    )
    stored = fused.stored_output(done)
    given = (
        func.json_to_recordset(bindparam("a_rows", type_=JSON))
        .table_valued(*(column(n, t) for n, t in ARTIFACT_FIELDS))
        .render_derived(with_types=True)
    )
    arts = (
        insert(ARTIFACTS)
        .from_select(
            [n for n, _ in ARTIFACT_FIELDS]
            + ["run_id", "job_id", "tenant_id", "project_id", "trace_id", "correlation_id"]
            + ["version", "created_at", "updated_at"],
            select(
                *(given.c[n] for n, _ in ARTIFACT_FIELDS),
                done.c.run_id,
                done.c.job_id,
                done.c.tenant_id,
                done.c.project_id,
                done.c.trace_id,
                done.c.correlation_id,
                literal(1),
                now,
                now,
            ).select_from(given.join(done, true())),
        )
        .cte("arts")
    )
    moved = (
        update(JOBS)
        .where(JOBS.c.job_id == bindparam("s_id"), exists(select(done.c.job_id)))
        .values({k: bindparam(f"m_{k}") for k in MOVED_KEYS})
        .returning(JOBS.c.job_id)
        .cte("moved")
    )
    rows = fused.event_recordset()
    logged = (
        insert(EVENTS)
        .from_select(
            list(fused.EVENT_COLUMNS),
            select(*(rows.c[n] for n in fused.EVENT_COLUMNS))
            .where(exists(select(done.c.job_id)))
            .order_by(rows.c.seq),
        )
        .cte("logged")
    )
    predict: Any = PREDICT.statement
    nxt = predict.cte("nxt")
    # Never reached while the lock holds; if it were, the statement fails as a whole.
    broken = case((moved.c.job_id.is_(None), cast(done.c.job_id, Integer))).label("broken")
    return (
        select(moved.c.job_id.label("moved_id"), broken, *nxt.c)
        .select_from(done.outerjoin(moved, true()).outerjoin(nxt, true()))
        .add_cte(stored)
        .add_cte(arts)
        .add_cte(logged)
    )


STEP = Prepared(_step_statement())


async def run_step(conn: Conn, params: dict[str, Any]) -> list[Any] | None:
    """Run the step; None if it wrote nothing (a guard failed), else the dependent's own
    dependents as ``PREDICT`` rows (possibly none)."""
    rows = (await conn.execute(STEP, params)).all()
    if not rows:
        return None
    return [r for r in rows if r.job_id is not None]
