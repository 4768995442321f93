"""The readiness decision: what becomes of a job whose dependencies are done. Pure.

One function decides, for both ways a job is made ready (ADR 0160): the step transaction
(``ready.make_ready``) and the predicted one-statement step (``lookahead.plan_step``, ADR
0016). Its inputs are answers, never reads: the job's approval state, the dispatch gate's
verdict (the seam where the router, budgets and policy decide: a ``hold`` or a ``deny`` with
their code), what is known of the cache, and the queues an eager claimer takes. Its output
names the action and the guards the write must carry; the SQL of both paths implements those
guards (``statements.guarded_update``; ``fused_step.GUARD_CLAUSES`` is built from ``GUARDS``).

Precedence: a cache hit, then a pending approval, then the gate's verdict. A dispatch need
not know the cache: it is written guarded by "no output stored under the key" (ADR 0015),
and only a refused write asks for the cache (``lookup``) and decides again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from nexus.contracts.errors import ErrorCode
from nexus.orchestrator.gate import DispatchGate, Verdict, queue_for, request_for
from nexus.orchestrator.rows import JobRow
from nexus.orchestrator.states import JobState

CacheState = Literal["unknown", "miss", "hit"]
Action = Literal["cache_hit", "hold", "deny", "dispatch", "claim", "lookup", "reject"]
# What a write of the decision must check, in the order the one-statement step checks them:
# the row is the one decided on (status and version); its readiness counters are the ones
# predicted; the finished job is its only upstream and it is that job's only dependent (a
# chain link); no output is stored under its cache key.
Guard = Literal["row_unchanged", "counters_unchanged", "chain_link", "uncached"]
GUARDS: tuple[Guard, ...] = ("row_unchanged", "counters_unchanged", "chain_link", "uncached")
# What a prediction taken from the row read at claim time relies on besides the decision.
PREDICTION_GUARDS: frozenset[Guard] = frozenset({"counters_unchanged", "chain_link"})
UNCHANGED: frozenset[Guard] = frozenset({"row_unchanged"})
UNCHANGED_UNCACHED: frozenset[Guard] = frozenset({"row_unchanged", "uncached"})


@dataclass(frozen=True)
class Facts:
    """Everything the decision is taken on."""

    pool: str  # the job's own pool (the gate's decision may move it)
    needs_approval: bool  # requires approval and nobody has approved it
    verdict: Verdict | None  # None while an approval is pending: the gate is not asked
    cache: CacheState = "unknown"
    refused: bool = False  # a guarded dispatch write of this decision was refused
    claim_queues: frozenset[str] = frozenset()  # the queues an eager claimer takes now


@dataclass(frozen=True)
class Decision:
    action: Action
    pool: str | None = None  # dispatch | claim: the pool it goes to
    guards: frozenset[Guard] = frozenset()  # dispatch | claim: what the write must check
    code: ErrorCode | None = None  # deny: the error the run fails with
    reason: str | None = None  # hold by the gate | deny: why (None: held for approval)


CACHE_HIT = Decision("cache_hit")
LOOKUP = Decision("lookup")
REJECT = Decision("reject")
AWAIT_APPROVAL = Decision("hold")


def satisfied(status: str, deps_done: int, deps_total: int, deleted: bool) -> bool:
    """A job is decided once it is pending, live and every dependency is done."""
    return status == JobState.PENDING.value and deps_done >= deps_total and not deleted


def needs_approval(job: JobRow) -> bool:
    return bool(job.requires_approval and job.approved_by is None)


def facts_for(
    job: JobRow,
    run_id: str,
    dispatch_gate: DispatchGate,
    claim_queues: frozenset[str] = frozenset(),
) -> Facts:
    """The answers for ``job``: its approval state and, unless an approval is pending, the
    gate's verdict (``review`` is side-effect free, so asking before the cache is safe)."""
    held = needs_approval(job)
    verdict = None if held else dispatch_gate.review(request_for(run_id, job))
    return Facts(job.pool, held, verdict, claim_queues=claim_queues)


def decide(facts: Facts) -> Decision:
    """The one readiness decision (precedence: cache hit, approval, the gate's verdict)."""
    if facts.cache == "hit":
        return CACHE_HIT
    verdict = facts.verdict
    if facts.needs_approval or verdict is None:
        return AWAIT_APPROVAL if facts.cache == "miss" else LOOKUP
    if verdict.action == "dispatch":
        if facts.refused:  # changed concurrently, or a cache hit: the cache tells which
            return REJECT if facts.cache == "miss" else LOOKUP
        pool = verdict.decision.pool if verdict.decision else facts.pool
        guards = UNCHANGED_UNCACHED if facts.cache == "unknown" else UNCHANGED
        action: Action = "claim" if queue_for(pool) in facts.claim_queues else "dispatch"
        return Decision(action, pool, guards)
    if facts.cache == "unknown":  # a hold or a deny must not hide a cache hit
        return LOOKUP
    if verdict.action == "hold":
        return Decision("hold", reason=verdict.reason)
    return Decision("deny", code=verdict.code or ErrorCode.POLICY_DENIED, reason=verdict.reason)


def with_cache(facts: Facts, cached: bool, *, refused: bool = False) -> Facts:
    """The facts once the cache has been read (after a ``lookup`` or a refused write)."""
    return replace(facts, cache="hit" if cached else "miss", refused=refused)
