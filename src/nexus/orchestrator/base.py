"""What every orchestrator command shares: the transaction, its retry, and row readers.

``@atomic`` runs a command body in one transaction and re-runs it when PostgreSQL aborts it
for a deadlock or a serialization failure (the body re-reads everything it decides on, so
a re-run is safe). Buffered events are written just before commit.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from functools import wraps
from time import perf_counter
from types import SimpleNamespace
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from asyncpg.exceptions import ConnectionDoesNotExistError, InterfaceError
from sqlalchemy import bindparam, select
from sqlalchemy.exc import DBAPIError
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_random_exponential

from nexus.contracts.errors import ErrorCode
from nexus.contracts.tasks import CommitReceipt
from nexus.core import metrics
from nexus.core.db import Conn, Database
from nexus.core.errors import NexusError
from nexus.core.prepared import Prepared
from nexus.core.registry import Registry
from nexus.orchestrator import rules, run_metrics, signals, tables
from nexus.orchestrator.advance import Wiring
from nexus.orchestrator.gate import DispatchGate, PassThroughGate
from nexus.orchestrator.input_gate import InputGate
from nexus.orchestrator.lookahead import Lookahead
from nexus.orchestrator.rows import CommittedRow, JobWithRun, RunRef, RunRow
from nexus.orchestrator.transitions import (
    flush_events,
    reset_buffers,
    take_after_commit,
    take_finished_runs,
)

JOBS = tables.JOBS
RUNS = tables.RUNS
# Deadlock, serialization failure; the server shutting down or starting up (a restart).
TRANSIENT_SQLSTATES = {"40P01", "40001", "57P01", "57P02", "57P03"}

# Hot-path statements are built once: constructing them per call costs ~7x (ADR 0004).
_JOB = (
    select(JOBS, RUNS.c.status.label("run_status"), RUNS.c.params.label("run_params"))
    .join(RUNS, RUNS.c.run_id == JOBS.c.run_id)
    .where(JOBS.c.job_id == bindparam("job_id"))
)
SELECT_JOB = Prepared(_JOB)
SELECT_JOB_LOCKED = Prepared(_JOB.with_for_update(of=JOBS))
SELECT_RUN = Prepared(
    select(RUNS).where(RUNS.c.run_id == bindparam("run_id"), RUNS.c.deleted_at.is_(None))
)

S = TypeVar("S", bound="CommandBase")
P = ParamSpec("P")
T = TypeVar("T")


def is_transient_db_error(exc: BaseException) -> bool:
    """Errors after which running the whole command again is safe: deadlocks, serialization
    failures and lost connections. A re-run re-reads everything it decides on, and a commit
    whose outcome was lost is fenced on the re-run (attempt numbers, guarded updates)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    # SQLAlchemy wraps the driver's error; prepared statements raise asyncpg's own.
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(orig, ConnectionError | ConnectionDoesNotExistError):
        return True
    if isinstance(orig, InterfaceError) and "closed" in str(orig):
        return True  # asyncpg: "connection is closed" (the server restarted)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return (
        code in TRANSIENT_SQLSTATES
        or str(code or "").startswith("08")  # connection exception class
        or "deadlock detected" in str(orig)
    )


def atomic(
    fn: Callable[Concatenate[S, Conn, P], Awaitable[T]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, T]]:
    """Run a command body in one transaction, re-running it after a deadlock (tenacity)."""
    return _atomic(fn, step=False)


def step_atomic(
    fn: Callable[Concatenate[S, Conn, P], Awaitable[T]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, T]]:
    """``atomic`` for a worker's claim, heartbeat or commit: a step transaction (on PostgreSQL
    with ``database.step_commit = async`` it does not wait for the WAL flush; ADR 0014)."""
    return _atomic(fn, step=True)


def _atomic(
    fn: Callable[Concatenate[S, Conn, P], Awaitable[T]], *, step: bool
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, T]]:
    step_seconds = metrics.DB_STEP.labels(fn.__name__.lstrip("_"))

    @wraps(fn)
    async def wrapper(self: S, *args: P.args, **kwargs: P.kwargs) -> T:
        started = perf_counter()
        try:  # the common case, without building a retry loop (~50 µs) per command
            async with self.transaction(step=step) as conn:
                result = await fn(self, conn, *args, **kwargs)
            step_seconds.observe(perf_counter() - started)
            return result
        except Exception as exc:
            if not is_transient_db_error(exc):
                raise
        async for attempt in AsyncRetrying(
            retry=retry_if_exception(is_transient_db_error),
            stop=stop_after_attempt(10),
            wait=wait_random_exponential(multiplier=0.005, max=0.5),
            reraise=True,
        ):
            with attempt:
                async with self.transaction(step=step) as conn:
                    return await fn(self, conn, *args, **kwargs)
        raise AssertionError("unreachable: tenacity re-raises the last error")

    return wrapper


class CommandBase:
    def __init__(
        self,
        db: Database,
        registry: Registry,
        *,
        gate: DispatchGate | None = None,
        retry_base_s: float = 0.5,
        retry_max_s: float = 60.0,
        idempotency_ttl_s: float = 24 * 3600,
    ) -> None:
        self.db = db
        self.registry = registry
        # Every gate (router, budgets, policy) sees only jobs whose input validates.
        checked = InputGate(registry, gate or PassThroughGate())
        self.wiring = Wiring(registry, checked, retry_base_s, retry_max_s)
        self.idempotency_ttl_s = idempotency_ttl_s
        self.lookahead = Lookahead()  # claimed jobs' successors (PostgreSQL; ADR 0016)

    @asynccontextmanager
    async def transaction(self, *, step: bool = False) -> AsyncGenerator[Conn, None]:
        async with self.db.transaction(step=step) as conn:
            reset_buffers(conn)
            yield conn
            await flush_events(conn)
            finished = take_finished_runs(conn)
            states, counts = take_after_commit(conn)
        # committed
        for counter, labels in counts:
            counter.labels(*labels).inc()
        if finished:
            signals.notify_finished(finished)
        if states:
            run_metrics.count_finished(self.db, states)

    async def _run(self, conn: Conn, run_id: str) -> RunRow:
        row = (await conn.execute(SELECT_RUN, {"run_id": run_id})).first()
        if row is None:
            raise NexusError(ErrorCode.RUN_NOT_FOUND, f"run {run_id!r} does not exist")
        return row

    async def _job(self, conn: Conn, job_id: str, *, lock: bool = False) -> JobWithRun | None:
        """The job row plus its run's state and params (one statement on the hot path)."""
        stmt = SELECT_JOB_LOCKED if lock and not self.db.is_sqlite else SELECT_JOB
        return (await conn.execute(stmt, {"job_id": job_id})).first()


def run_view(job: CommittedRow) -> RunRef:
    """What the hot path needs of a run, taken from the joined job row."""
    return cast(
        RunRef,
        SimpleNamespace(
            run_id=job.run_id,
            status=job.run_status,
            params=job.run_params,
            tenant_id=job.tenant_id,
            project_id=job.project_id,
            trace_id=job.trace_id,
            correlation_id=job.correlation_id,
        ),
    )


def receipt(outcome: rules.Outcome) -> CommitReceipt:
    return CommitReceipt(
        accepted=False, code=outcome.code.value if outcome.code else None, reason=outcome.reason
    )


NOT_FOUND = CommitReceipt(accepted=False, code=ErrorCode.JOB_NOT_FOUND.value)


def require(outcome: rules.Outcome) -> None:
    """For user-facing commands: a rejected transition becomes an error with its code."""
    if not outcome.accepted:
        raise NexusError(outcome.code or ErrorCode.ILLEGAL_TRANSITION, outcome.reason)
