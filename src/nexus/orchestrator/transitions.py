"""Apply a state change: evaluate the policy, write the row, append the event — nothing else.

Every status change of a job or run goes through ``transition_job`` / ``transition_run``; no
other code assigns ``status``. The UPDATE is also guarded by the expected status and row
version, so a change computed from a stale read cannot land.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, delete, insert, update

from nexus.contracts.errors import ErrorCode
from nexus.core.db import Conn
from nexus.core.ids import utcnow
from nexus.core.prepared import Prepared
from nexus.orchestrator import events, rules, tables
from nexus.orchestrator.states import JobState, RunState

JOBS = tables.JOBS
RUNS = tables.RUNS
EVENTS = tables.EVENTS
OUTBOX = tables.OUTBOX


PENDING_EVENTS = "nexus.pending_events"
PENDING_OUTBOX = "nexus.pending_outbox"
INSERT_EVENTS = Prepared(insert(EVENTS))
INSERT_OUTBOX = Prepared(insert(OUTBOX))


GUARDED = {"jobs": (JOBS, JOBS.c.job_id), "runs": (RUNS, RUNS.c.run_id)}


@lru_cache(maxsize=256)
def _guarded_update(table: str, keys: frozenset[str]) -> Any:
    """A prebuilt UPDATE of ``keys`` guarded by id, status and version, cached per column set
    (building statements per call costs ~7x; ADR 0004)."""
    target, id_column = GUARDED[table]
    return Prepared(
        update(target)
        .where(
            id_column == bindparam("w_id"),
            target.c.status == bindparam("w_status"),
            target.c.version == bindparam("w_version"),
        )
        .values({k: bindparam(f"v_{k}") for k in keys})
    )


async def _guarded_write(
    conn: Conn, table: str, row_id: str, row: Any, values: dict[str, Any]
) -> bool:
    """UPDATE one row from the state it was read in; False if it changed since."""
    params = {f"v_{k}": v for k, v in values.items()}
    params.update(w_id=row_id, w_status=row.status, w_version=row.version)
    result = await conn.execute(_guarded_update(table, frozenset(values)), params)
    return bool(result.rowcount == 1)


async def append_events(conn: Conn, rows: list[dict[str, Any]]) -> None:
    """Buffer events; ``flush_events`` writes them in one statement before commit."""
    conn.info.setdefault(PENDING_EVENTS, []).extend(rows)


async def flush_events(conn: Conn) -> None:
    """Write the transaction's buffered events and outbox rows (one statement each)."""
    rows = conn.info.pop(PENDING_EVENTS, None)
    if rows:
        await conn.execute(INSERT_EVENTS, rows)
    outbox = conn.info.pop(PENDING_OUTBOX, None)
    if outbox:
        await conn.execute(INSERT_OUTBOX, list(outbox.values()))


def buffer_outbox(conn: Conn, row: dict[str, Any]) -> None:
    conn.info.setdefault(PENDING_OUTBOX, {})[row["job_id"]] = row


async def discard_outbox(conn: Conn, job_ids: list[str]) -> None:
    """Forget outbox rows of these jobs, buffered or already written."""
    pending: dict[str, Any] = conn.info.get(PENDING_OUTBOX, {})
    written = [j for j in job_ids if pending.pop(j, None) is None]
    if written:
        await conn.execute(delete(OUTBOX).where(OUTBOX.c.job_id.in_(written)))


async def transition_job(
    conn: Conn,
    job: Any,
    to: JobState,
    *,
    run_state: RunState,
    claimed_attempt: int | None = None,
    error_retryable: bool = False,
    approved_by_other: bool = True,
    now: datetime | None = None,
    values: dict[str, Any] | None = None,
    verb: str | None = None,
    payload: dict[str, Any] | None = None,
) -> rules.Outcome:
    """Move ``job`` (a row read in this transaction) to ``to`` if the policy accepts."""
    current = JobState(job.status)
    now = now or utcnow()
    proposal = rules.JobProposal(
        current=current,
        proposed=to,
        run_state=run_state,
        attempt=job.attempt,
        claimed_attempt=claimed_attempt,
        max_attempts=job.max_attempts,
        error_retryable=error_retryable,
        lease_expires_at=job.lease_expires_at,
        now=now,
        not_before=job.not_before,
        approved_by_other=approved_by_other,
        is_compensation=job.node_key.startswith(COMPENSATION_PREFIX),
    )
    outcome = rules.evaluate_job(proposal)
    if not outcome.accepted:
        return outcome
    changes = {"status": to.value, "version": job.version + 1, "updated_at": now, **(values or {})}
    if not await _guarded_write(conn, "jobs", job.job_id, job, changes):
        return rules.reject(ErrorCode.CONFLICT, "the job changed concurrently")
    if to != current or verb:
        event_verb = verb or events.JOB_EVENT_BY_STATE[to.value]
        await append_events(conn, [events.job_event(job, event_verb, **(payload or {}))])
    return outcome


async def transition_run(
    conn: Conn,
    run: Any,
    to: RunState,
    *,
    values: dict[str, Any] | None = None,
    payload: dict[str, Any] | None = None,
) -> rules.Outcome:
    outcome = rules.evaluate_run(RunState(run.status), to)
    if not outcome.accepted:
        return outcome
    now = utcnow()
    changes = {"status": to.value, "version": run.version + 1, "updated_at": now, **(values or {})}
    if not await _guarded_write(conn, "runs", run.run_id, run, changes):
        return rules.reject(ErrorCode.CONFLICT, "the run changed concurrently")
    await append_events(
        conn, [events.run_event(run, events.RUN_EVENT_BY_STATE[to.value], **(payload or {}))]
    )
    return outcome


COMPENSATION_PREFIX = "compensate:"
