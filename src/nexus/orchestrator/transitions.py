"""Apply a state change: evaluate the policy, write the row, append the event — nothing else.

Every status change of a job or run goes through ``transition_job`` / ``transition_run``; no
other code assigns ``status``. The UPDATE is also guarded by the expected status and row
version, so a change computed from a stale read cannot land.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from prometheus_client import Counter
from sqlalchemy import bindparam, delete, insert

from nexus.contracts.errors import ErrorCode
from nexus.core.db import Conn
from nexus.core.ids import utcnow
from nexus.core.prepared import Prepared
from nexus.observer.audit import insert_audit
from nexus.orchestrator import events, fused, rules, tables
from nexus.orchestrator.rows import CommittedRow, DependentRow, JobRow, RunRow, as_job
from nexus.orchestrator.run_audit import finish_audit
from nexus.orchestrator.statements import (
    SUCCEED_CLAIMED,
    OutputRow,
    guarded_params,
    guarded_update,
)
from nexus.orchestrator.states import RUN_TERMINAL, JobState, RunState

EVENTS = tables.EVENTS
OUTBOX = tables.OUTBOX


PENDING_EVENTS = "nexus.pending_events"
PENDING_OUTBOX = "nexus.pending_outbox"
FINISHED_RUNS = "nexus.finished_runs"
FINISHED_STATES = "nexus.finished_states"
AFTER_COMMIT_COUNTS = "nexus.after_commit_counts"
INSERT_EVENTS = Prepared(insert(EVENTS))
INSERT_OUTBOX = Prepared(insert(OUTBOX))
DELETE_OUTBOX_OF = Prepared(delete(OUTBOX).where(OUTBOX.c.job_id == bindparam("b_job_id")))


async def _guarded_write(
    conn: Conn,
    table: str,
    row_id: str,
    row: JobRow | RunRow,
    values: dict[str, Any],
    unless_cached: str | None = None,
) -> bool:
    """UPDATE one row from the state it was read in; False if it changed since (or, with
    ``unless_cached``, if an output is stored under that cache key)."""
    statement = guarded_update(table, frozenset(values), unless_cached is not None)
    result = await conn.execute(statement, guarded_params(row_id, row, values, unless_cached))
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


def reset_buffers(conn: Conn) -> None:
    """Drop what a rolled-back transaction left buffered on this (pooled) connection."""
    for key in (PENDING_EVENTS, PENDING_OUTBOX, FINISHED_RUNS, FINISHED_STATES,
                AFTER_COMMIT_COUNTS):  # fmt: skip
        conn.info.pop(key, None)


def take_finished_runs(conn: Conn) -> list[str]:
    """Runs this transaction moved to a terminal state (to signal after commit)."""
    finished: list[str] = conn.info.pop(FINISHED_RUNS, [])
    return finished


def count_after_commit(conn: Conn, counter: Counter, *labels: str) -> None:
    """Count ``counter{labels}`` once this transaction commits (never for a rolled back one)."""
    conn.info.setdefault(AFTER_COMMIT_COUNTS, []).append((counter, labels))


def take_after_commit(conn: Conn) -> tuple[dict[str, str], list[tuple[Counter, tuple[str, ...]]]]:
    """The terminal states of finished runs and the counts buffered by this transaction."""
    states: dict[str, str] = conn.info.pop(FINISHED_STATES, {})
    counts: list[tuple[Counter, tuple[str, ...]]] = conn.info.pop(AFTER_COMMIT_COUNTS, [])
    return states, counts


def buffer_outbox(conn: Conn, row: dict[str, Any]) -> None:
    conn.info.setdefault(PENDING_OUTBOX, {})[row["job_id"]] = row


async def discard_outbox(conn: Conn, job_ids: list[str]) -> None:
    """Forget outbox rows of these jobs, buffered or already written."""
    pending: dict[str, Any] = conn.info.get(PENDING_OUTBOX, {})
    written = [j for j in job_ids if pending.pop(j, None) is None]
    if len(written) == 1:  # a claim: prepared (on the hot path of fan-out)
        await conn.execute(DELETE_OUTBOX_OF, {"b_job_id": written[0]})
    elif written:
        await conn.execute(delete(OUTBOX).where(OUTBOX.c.job_id.in_(written)))


async def transition_job(
    conn: Conn,
    job: JobRow,
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
    proposal = _proposal(
        job,
        to,
        run_state,
        now,
        claimed_attempt=claimed_attempt,
        error_retryable=error_retryable,
        approved_by_other=approved_by_other,
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


def _proposal(
    job: JobRow, to: JobState, run_state: RunState, now: datetime, **kw: Any
) -> rules.JobProposal:
    return rules.JobProposal(
        current=JobState(job.status),
        proposed=to,
        run_state=run_state,
        attempt=job.attempt,
        max_attempts=job.max_attempts,
        lease_expires_at=job.lease_expires_at,
        now=now,
        not_before=job.not_before,
        is_compensation=job.node_key.startswith(COMPENSATION_PREFIX),
        **kw,
    )


@dataclass(frozen=True)
class Move:
    """One step of ``transition_job_chain``."""

    to: JobState
    values: dict[str, Any]
    payload: dict[str, Any] | None = None


def row_fields(row: object) -> dict[str, Any]:
    """A row (SQLAlchemy Row, prepared-statement row or namespace) as a dict."""
    as_dict: Callable[[], dict[str, Any]] | None = getattr(row, "_asdict", None)
    if as_dict is not None:
        return as_dict()
    attributes: dict[str, Any] = vars(row)
    return dict(attributes)


@dataclass(frozen=True)
class ChainPlan:
    """What ``plan_chain`` decided: the outcomes, the row's changes, one event per accepted
    move, and the row as it will be after the write (version and time included)."""

    outcomes: list[rules.Outcome]
    changes: dict[str, Any]
    events: list[dict[str, Any]]
    state: JobRow


def plan_chain(job: JobRow, moves: list[Move], *, run_state: RunState, now: datetime) -> ChainPlan:
    """Evaluate consecutive transitions of one job, each on the state the previous one leaves,
    stopping at the first refusal; nothing is written."""
    state, changes = job, dict[str, Any]()
    outcomes: list[rules.Outcome] = []
    rows: list[dict[str, Any]] = []
    for move in moves:
        outcome = rules.evaluate_job(_proposal(state, move.to, run_state, now))
        outcomes.append(outcome)
        if not outcome.accepted:
            break
        changes.update(move.values, status=move.to.value)
        rows.append(
            events.job_event(
                state, events.JOB_EVENT_BY_STATE[move.to.value], **(move.payload or {})
            )
        )
        state = as_job(SimpleNamespace(**{**row_fields(state), **changes}))
    if rows:  # ``state`` is the namespace built above: ours to complete
        changes.update(version=job.version + len(rows), updated_at=now)
        vars(state).update(version=job.version + len(rows), updated_at=now)
    return ChainPlan(outcomes, changes, rows, state)


async def transition_job_chain(
    conn: Conn,
    job: JobRow,
    moves: list[Move],
    *,
    run_state: RunState,
    now: datetime | None = None,
    unless_cached: str | None = None,
) -> tuple[list[rules.Outcome], JobRow]:
    """Consecutive transitions of one job (e.g. PENDING -> READY -> RUNNING) in one guarded
    write. Each move is evaluated by the policy on the state the previous one leaves; the
    chain stops at the first refusal and writes the moves accepted before it, with one event
    each. Returns the accepted outcomes (plus the refusal, if any) and the resulting row.
    ``unless_cached``: the write lands only while no output is stored under that cache key
    (a refusal with ``conflict`` then means: changed concurrently, or a cache hit)."""
    plan = plan_chain(job, moves, run_state=run_state, now=now or utcnow())
    if not plan.events:
        return plan.outcomes, job
    if conn.dialect.name == "postgresql":  # the buffered events ride along (ADR 0015)
        pending: list[dict[str, Any]] = conn.info.pop(PENDING_EVENTS, None) or []
        written = await fused.guarded_write_with_events(
            conn, job, plan.changes, pending, plan.events, unless_cached
        )
    else:
        written = await _guarded_write(conn, "jobs", job.job_id, job, plan.changes, unless_cached)
        if written:
            await append_events(conn, plan.events)
    if not written:
        return [rules.reject(ErrorCode.CONFLICT, "the job changed concurrently")], job
    return plan.outcomes, plan.state


async def succeed_claimed(
    conn: Conn, job_id: str, attempt: int, stored: OutputRow
) -> tuple[CommittedRow | None, list[DependentRow] | None]:
    """The common case of a worker's commit, without reading the row first.

    The policy is evaluated on the state the statement's guard requires (RUNNING at the
    claimed attempt). A job is RUNNING only while its run is active: stopping a run moves
    every open job out of RUNNING in the same transaction. Returns the job row, None if the
    guard did not match (stale attempt, cancelled, unknown job: the caller takes the reading
    path, which explains the refusal). On PostgreSQL the same statement stores the output
    and counts the dependents, whose rows come second (ADR 0015); elsewhere the caller does
    both and the second item is None."""
    now = utcnow()
    proposal = rules.JobProposal(
        current=JobState.RUNNING,
        proposed=JobState.SUCCEEDED,
        run_state=RunState.RUNNING,
        attempt=attempt,
        claimed_attempt=attempt,
        now=now,
    )
    if not rules.evaluate_job(proposal).accepted:
        return None, None
    dependents: list[DependentRow] | None = None
    job: CommittedRow | None
    if conn.dialect.name == "postgresql":
        job, dependents = await fused.commit_output(conn, job_id, attempt, now, stored)
    else:
        params = {"b_job_id": job_id, "b_attempt": attempt, "b_now": now}
        job = (await conn.execute(SUCCEED_CLAIMED, params)).first()
    if job is not None:
        await append_events(conn, [events.job_event(job, "succeeded", attempt=attempt)])
    return job, dependents


async def transition_run(
    conn: Conn,
    run: RunRow,
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
    if to in RUN_TERMINAL:
        conn.info.setdefault(FINISHED_RUNS, []).append(run.run_id)
        conn.info.setdefault(FINISHED_STATES, {})[run.run_id] = to.value
        await insert_audit(conn, finish_audit(run, to, (values or {}).get("error_code")))
    await append_events(
        conn, [events.run_event(run, events.RUN_EVENT_BY_STATE[to.value], **(payload or {}))]
    )
    return outcome


COMPENSATION_PREFIX = "compensate:"
