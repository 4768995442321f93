"""Making a satisfied job ready inside a step transaction: its cache key, the readiness
decision (``readiness.decide``) and the writes that carry it out (dispatch, eager claim,
cache hit, hold), plus the outbox entry of a dispatch. Called by ``advance``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any, Literal, Protocol

from sqlalchemy import bindparam, select

from nexus.contracts.errors import ErrorCode
from nexus.core import metrics
from nexus.core.db import Conn
from nexus.core.ids import sha256_hex, utcnow
from nexus.core.prepared import Prepared
from nexus.core.registry import Registry
from nexus.orchestrator import cachekeys, gate, graph, readiness, tables
from nexus.orchestrator.rows import DependentRow, FinishedRow, JobRow, RunRef, as_job
from nexus.orchestrator.states import JobState, RunState
from nexus.orchestrator.transitions import (
    COMPENSATION_PREFIX,
    Move,
    buffer_outbox,
    count_after_commit,
    row_fields,
    transition_job,
    transition_job_chain,
)

OUTPUTS = tables.NODE_OUTPUTS
READ_OUTPUT = Prepared(
    select(OUTPUTS.c.output).where(OUTPUTS.c.cache_key == bindparam("cache_key"))
)
# What became of a satisfied job. "rejected": its dispatch write was refused (the row
# changed concurrently) and it is no cache hit; whoever changed it decides it.
Status = Literal["cache_hit", "held", "denied", "ready", "claimed", "rejected"]


@dataclass(frozen=True)
class Wiring:
    registry: Registry
    gate: gate.DispatchGate
    retry_base_s: float = 0.5
    retry_max_s: float = 60.0


@dataclass(frozen=True)
class Dispatch:
    """A job to publish after commit (its outbox row was written in the same transaction)."""

    job_id: str
    queue: str
    deliver_after: datetime | None = None
    traceparent: str | None = None  # set when published outside the span that made it


@dataclass(frozen=True)
class Denial:
    code: ErrorCode
    reason: str


@dataclass(frozen=True)
class Readiness:
    status: Status
    job: JobRow
    dispatch: Dispatch | None = None
    output: dict[str, Any] | None = None  # cache_hit: the stored output
    denial: Denial | None = None  # denied: the code the run fails with


class Claimer(Protocol):
    """A worker's offer to run a job made ready by this transaction (eager claim)."""

    @property
    def claimed(self) -> object | None: ...

    @property
    def queues(self) -> frozenset[str]:
        """The queues it takes a job from now (none once it has claimed one)."""
        ...

    def claim_move(self, job: JobRow) -> Move: ...

    async def took(self, conn: Conn, row: JobRow, via: FinishedRow | None) -> None: ...


async def read_output(conn: Conn, cache_key: str) -> dict[str, Any] | None:
    row = (await conn.execute(READ_OUTPUT, {"cache_key": cache_key})).first()
    return None if row is None else row[0]


async def enqueue(
    conn: Conn, job_id: str, pool: str, deliver_after: datetime | None = None
) -> Dispatch:
    queue = gate.queue_for(pool)
    buffer_outbox(
        conn, {"job_id": job_id, "queue": queue, "deliver_after": deliver_after or utcnow()}
    )
    return Dispatch(job_id, queue, deliver_after)


def only_data_upstream(job: JobRow, via: FinishedRow | None) -> bool | None:
    """Whether ``via`` (the job just finished) is ``job``'s only upstream and passes it data
    (True), is its only upstream by ordering alone (False), or it is not known (None)."""
    if via is None or job.deps_total != 1:
        return None
    flag: bool | None = getattr(job, "via_data", None)  # from increment_dependents' RETURNING
    return flag


async def _key_for(conn: Conn, job: JobRow, via: FinishedRow | None) -> str:
    if job.node_key.startswith(COMPENSATION_PREFIX):
        return sha256_hex(f"compensation:{job.job_id}")
    only = only_data_upstream(job, via)
    if only is True and via is not None and via.cache_key:
        upstream = [(via.node_key, via.cache_key)]  # the only upstream is the one just done
    elif only is False:
        upstream = []  # its only upstream orders it but passes no data
    else:
        upstream = await graph.upstream_keys(conn, job.job_id)
    return cachekeys.job_key(job, upstream)


async def make_ready(
    conn: Conn,
    w: Wiring,
    run: RunRef,
    job: JobRow | DependentRow,
    via: FinishedRow | None = None,
    claimer: Claimer | None = None,
) -> Readiness:
    """Decide a satisfied pending job (``readiness.decide``) and write the decision. A
    dispatch is written guarded by "no output stored under the key" (ADR 0015), so the
    common case reads no cache; a refused write reads it and decides again."""
    key = await _key_for(conn, job, via)
    run_state = RunState(run.status)
    queues = claimer.queues if claimer is not None else frozenset[str]()
    facts = readiness.facts_for(job, run.run_id, w.gate, queues)
    decision = readiness.decide(facts)
    refused = False
    if decision.action in ("dispatch", "claim"):
        ready = await _dispatch(conn, run_state, job, key, decision, via, claimer)
        if ready is not None:
            count_after_commit(conn, metrics.CACHE_LOOKUPS, job.skill, "miss")
            return ready
        refused = True  # changed concurrently, or an output is stored under the key
    cached = await read_output(conn, key)  # a refused write, or a ``lookup``
    decision = readiness.decide(readiness.with_cache(facts, cached is not None, refused=refused))
    settled = await _settle(conn, run_state, job, key, decision, cached)
    hit = "hit" if settled.status == "cache_hit" else "miss"
    count_after_commit(conn, metrics.CACHE_LOOKUPS, job.skill, hit)
    return settled


async def _settle(
    conn: Conn,
    run_state: RunState,
    job: JobRow,
    key: str,
    decision: readiness.Decision,
    cached: dict[str, Any] | None,
) -> Readiness:
    """Write a decision taken with the cache known: cache hit, hold, deny or reject."""
    if decision.action == "cache_hit" and cached is not None:
        await transition_job(
            conn,
            job,
            JobState.SUCCEEDED,
            run_state=run_state,
            verb="cache_hit",
            values={"cache_key": key, "cache_hit": True, "progress": 1.0, "finished_at": utcnow()},
        )
        hit = as_job(SimpleNamespace(**{**row_fields(job), "cache_key": key}))
        return Readiness("cache_hit", hit, output=cached)
    if decision.action == "hold":
        await transition_job(
            conn,
            job,
            JobState.AWAITING_APPROVAL,
            run_state=run_state,
            values={"cache_key": key},
            payload=None if decision.reason is None else {"reason": decision.reason},
        )
        return Readiness("held", job)
    if decision.action == "deny":
        code = decision.code or ErrorCode.POLICY_DENIED
        return Readiness("denied", job, denial=Denial(code, decision.reason or ""))
    return Readiness("rejected", job)


async def _dispatch(
    conn: Conn,
    run_state: RunState,
    job: JobRow,
    key: str,
    decision: readiness.Decision,
    via: FinishedRow | None,
    claimer: Claimer | None,
) -> Readiness | None:
    """PENDING -> READY (-> RUNNING for an eager claimer) unless cached; None if refused."""
    pool = decision.pool or job.pool
    moves = [Move(JobState.READY, {"cache_key": key, "pool": pool, "not_before": None})]
    if claimer is not None and decision.action == "claim":
        moves.append(claimer.claim_move(job))  # READY -> RUNNING in the same write
    unless_cached = key if "uncached" in decision.guards else None
    outcomes, row = await transition_job_chain(
        conn, job, moves, run_state=run_state, unless_cached=unless_cached
    )
    accepted = [o for o in outcomes if o.accepted]
    if not accepted:
        return None
    if claimer is not None and len(accepted) == 2:
        await claimer.took(conn, row, via)
        return Readiness("claimed", row)
    return Readiness("ready", job, dispatch=await enqueue(conn, job.job_id, pool))
