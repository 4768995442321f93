"""Predictions for the one-statement step (ADR 0016).

When a worker claims a job on PostgreSQL, the job's dependents are read with the claim. At
commit, if the job has exactly one dependent that this commit makes ready (a chain link),
its readiness is decided here from that row by the one decision ``ready.make_ready`` uses
(``readiness.decide``, ADR 0160), with the same cache key and transition policy. Only a
``claim`` for this worker is written here: ``fused_step`` writes it in one statement whose
guards are the decision's plus what the prediction relies on (``PREDICTION_GUARDS``); when
any guard fails (the row moved on, a cached output exists, another dependent appeared)
nothing is written and the ordinary step transaction decides from fresh reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from nexus.contracts.tasks import ArtifactMeta
from nexus.core.ids import new_id
from nexus.orchestrator import cachekeys, events, fused, fused_step, gate, readiness
from nexus.orchestrator.fused_step import MOVED_KEYS
from nexus.orchestrator.rows import DependentRow, JobRef, JobRow
from nexus.orchestrator.statements import OutputRow
from nexus.orchestrator.states import JobState, RunState
from nexus.orchestrator.transitions import COMPENSATION_PREFIX, Move, plan_chain
from nexus.worker_hub.ports import EagerClaim

LIMIT = 4096  # predictions kept per process (one per claimed job in flight)
CHAIN_KEYS: frozenset[str] = frozenset(MOVED_KEYS) - {
    "deps_done"
}  # what the claim chain itself changes


@dataclass(frozen=True)
class Ahead:
    job: JobRow  # the claimed job's row as its claim left it
    successor: DependentRow  # its only dependent as read with the claim (``fused_step.PREDICT``)


class Lookahead:
    """Predictions by (job, attempt). Bounded: a claimed job that never commits here (its
    lease was lost, the worker stopped) leaves an entry that newer ones push out."""

    def __init__(self) -> None:
        self._by_claim: dict[tuple[str, int], Ahead] = {}

    def remember(self, job: JobRow, dependents: list[DependentRow]) -> None:
        if len(dependents) != 1:
            return
        self._by_claim[(job.job_id, job.attempt)] = Ahead(job, dependents[0])
        if len(self._by_claim) > LIMIT:
            del self._by_claim[next(iter(self._by_claim))]

    def take(self, job_id: str, attempt: int) -> Ahead | None:
        return self._by_claim.pop((job_id, attempt), None)

    def __len__(self) -> int:
        return len(self._by_claim)


def claim_move(eager: EagerClaim, job: JobRow, now: datetime) -> Move:
    """READY -> RUNNING of ``job`` for the eager claimer, under a new lease and attempt."""
    owner, attempt = eager.owner, job.attempt + 1
    values = {
        "attempt": attempt,
        "lease_owner": owner,
        "lease_expires_at": now + timedelta(seconds=eager.lease_s),
        "started_at": now,
        "progress": 0.0,
    }
    return Move(JobState.RUNNING, values, {"attempt": attempt, "owner": owner})


@dataclass(frozen=True)
class StepPlan:
    params: dict[str, Any]  # ``fused_step.STEP``'s parameters
    successor: JobRow  # the dependent's row as the step leaves it (claimed)
    inputs: tuple[dict[str, Any], list[ArtifactMeta]]  # the dependent's task inputs


def _is_compensation(job: JobRef) -> bool:
    return job.node_key.startswith(COMPENSATION_PREFIX)


def chain_link(job: JobRow, successor: DependentRow) -> bool:
    """Whether ``successor`` is decided by this commit alone: it waits for this job only,
    this commit satisfies it, and its cache key needs nothing but this job's key."""
    return not (
        job.expand
        or _is_compensation(job)
        or _is_compensation(successor)
        or successor.deps_total != 1
        or successor.deps_done + 1 != successor.deps_total  # satisfied by this very commit
        or not readiness.satisfied(
            successor.status,
            successor.deps_done + 1,  # as this commit leaves it
            successor.deps_total,
            successor.deleted_at is not None,
        )
        or (successor.via_data and not job.cache_key)
    )


def plan_step(
    ahead: Ahead,
    attempt: int,
    output: dict[str, Any],
    artifacts: list[ArtifactMeta],
    eager: EagerClaim,
    dispatch_gate: gate.DispatchGate,
    now: datetime,
) -> StepPlan | None:
    """The one-statement step for this commit, or None when it does not apply."""
    job, nxt = ahead.job, ahead.successor
    if eager.claimed is not None or not chain_link(job, nxt):
        return None
    decision = readiness.decide(readiness.facts_for(nxt, job.run_id, dispatch_gate, eager.queues))
    if decision.action != "claim" or decision.pool is None:
        return None  # a hold, a deny, a dispatch elsewhere, a lookup: the transaction decides
    guards = decision.guards | readiness.PREDICTION_GUARDS
    if not guards <= fused_step.STEP_GUARDS:
        return None  # the statement could not check what this decision relies on
    pool = decision.pool
    upstream = [(job.node_key, job.cache_key)] if nxt.via_data and job.cache_key else []
    key = cachekeys.job_key(nxt, upstream)
    ready = Move(JobState.READY, {"cache_key": key, "pool": pool, "not_before": None})
    chain = plan_chain(
        nxt, [ready, claim_move(eager, nxt, now)], run_state=RunState.RUNNING, now=now
    )
    if len(chain.events) != 2 or chain.changes.keys() ^ CHAIN_KEYS:
        return None
    stored = OutputRow.of(output, artifacts)
    log = [events.job_event(job, "succeeded", attempt=attempt), *chain.events]
    params: dict[str, Any] = {f"m_{k}": v for k, v in chain.changes.items()}
    params.update(
        m_deps_done=nxt.deps_done + 1,
        b_job_id=job.job_id,
        b_attempt=attempt,
        b_cache_key=job.cache_key,
        b_now=now,
        o_output=stored.output,
        o_hash=stored.output_hash,
        o_artifacts=stored.artifacts,
        s_id=nxt.job_id,
        s_version=nxt.version,
        s_deps_done=nxt.deps_done,
        s_deps_total=nxt.deps_total,
        a_rows=[{"artifact_id": new_id("art"), **_artifact_fields(m)} for m in stored.artifacts],
        e_rows=fused.event_rows(log, True, 0),
    )
    inputs: tuple[dict[str, Any], list[ArtifactMeta]] = (
        ({job.node_key: output}, artifacts) if nxt.via_data else ({}, [])
    )
    return StepPlan(params, chain.state, inputs)


def _artifact_fields(meta: dict[str, Any]) -> dict[str, Any]:
    return {k: meta[k] for k in ("sha256", "size_bytes", "media_type", "name", "uri")}
