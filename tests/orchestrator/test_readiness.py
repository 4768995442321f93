"""The one readiness decision (ADR 0160): its table, and the conformance of the two paths
that carry it out. Every scenario runs on SQLite (the step transaction) and on PostgreSQL
(the predicted one-statement step, refused and falling back where a guard fails); both must
end in the same rows, and each guard of the decision must refuse a write that breaks it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from nexus.contracts.errors import ErrorCode
from nexus.contracts.tasks import DispatchDecision
from nexus.core.ids import utcnow
from nexus.orchestrator import fused_step, gate, lookahead, readiness, tables
from nexus.orchestrator.gate import GateRequest, Verdict
from nexus.orchestrator.readiness import Decision, Facts
from nexus.orchestrator.states import JobState, RunState
from nexus.orchestrator.transitions import Move, transition_job_chain
from nexus.platform import Platform
from tests.orchestrator.conftest import PlatformFactory
from tests.orchestrator.helpers import jobs_by_key
from tests.orchestrator.test_fused_step import Spy, eager, outputs_of, successor_key

JOBS = tables.JOBS
DEPS = tables.JOB_DEPS
OUTPUTS = tables.NODE_OUTPUTS
OUTBOX = tables.OUTBOX
GO = Verdict("dispatch", DispatchDecision(job_id="j", pool="cpu"))
GPU = Verdict("dispatch", DispatchDecision(job_id="j", pool="gpu"))
HOLD = Verdict("hold", reason="over the soft budget")
DENY = Verdict("deny", code=ErrorCode.BUDGET_EXCEEDED, reason="no budget left")
CPU_Q = frozenset({"nexus.jobs.cpu"})
ROW_ONLY = frozenset({"row_unchanged"})
GUARDED = frozenset({"row_unchanged", "uncached"})


def facts(verdict: Verdict | None, **kw: Any) -> Facts:
    return Facts(pool="cpu", needs_approval=verdict is None, verdict=verdict, **kw)


# (facts, decision): precedence cache hit, approval, verdict; a dispatch needs no cache read.
DECISIONS: list[tuple[Facts, Decision]] = [
    (facts(GO), Decision("dispatch", "cpu", GUARDED)),
    (facts(GO, claim_queues=CPU_Q), Decision("claim", "cpu", GUARDED)),
    (facts(GPU, claim_queues=CPU_Q), Decision("dispatch", "gpu", GUARDED)),
    (facts(GO, cache="miss"), Decision("dispatch", "cpu", ROW_ONLY)),
    (facts(GO, cache="hit"), readiness.CACHE_HIT),
    (facts(GO, refused=True), readiness.LOOKUP),
    (facts(GO, refused=True, cache="miss"), readiness.REJECT),
    (facts(GO, refused=True, cache="hit"), readiness.CACHE_HIT),
    (facts(None), readiness.LOOKUP),
    (facts(None, cache="miss"), Decision("hold")),
    (facts(None, cache="hit"), readiness.CACHE_HIT),
    (facts(HOLD), readiness.LOOKUP),
    (facts(HOLD, cache="miss"), Decision("hold", reason="over the soft budget")),
    (facts(HOLD, cache="hit"), readiness.CACHE_HIT),
    (facts(DENY), readiness.LOOKUP),
    (facts(DENY, cache="miss"), Decision("deny", code=DENY.code, reason=DENY.reason)),
    (facts(DENY, cache="hit"), readiness.CACHE_HIT),
    (
        facts(Verdict("deny"), cache="miss"),
        Decision("deny", code=ErrorCode.POLICY_DENIED, reason=""),
    ),
]


class TestDecision:
    @pytest.mark.parametrize(("given", "expected"), DECISIONS)
    def test_the_table(self, given: Facts, expected: Decision) -> None:
        assert readiness.decide(given) == expected

    def test_a_pending_approval_is_never_shown_to_the_gate(self) -> None:
        seen: list[GateRequest] = []

        class Recording:
            def review(self, request: GateRequest) -> Verdict:
                seen.append(request)
                return GO

        job: Any = _Row(requires_approval=True, approved_by=None)
        assert readiness.facts_for(job, "r", Recording()).verdict is None and seen == []
        approved: Any = _Row(requires_approval=True, approved_by="u2")
        assert readiness.facts_for(approved, "r", Recording()).verdict == GO
        assert [r.job_id for r in seen] == ["j"]

    def test_satisfied(self) -> None:
        assert readiness.satisfied("pending", 2, 2, False)
        assert not readiness.satisfied("pending", 1, 2, False)
        assert not readiness.satisfied("pending", 2, 2, True)
        assert not readiness.satisfied("ready", 2, 2, False)

    def test_the_one_statement_step_checks_every_guard_a_decision_can_need(self) -> None:
        needed = set(readiness.PREDICTION_GUARDS)
        for _, decision in DECISIONS:
            needed |= decision.guards
        assert needed == set(readiness.GUARDS) == set(fused_step.GUARD_CLAUSES)


@dataclass
class _Row:
    requires_approval: bool = False
    approved_by: str | None = None
    job_id: str = "j"
    node_key: str = "n"
    skill: str = "demo.noop"
    skill_version: str = "1"
    resource_class: str = "cpu"
    pool: str = "cpu"
    tenant_id: str = "t"
    project_id: str = "p"
    params: dict[str, Any] = field(default_factory=dict[str, Any])


@dataclass
class ScriptedGate:
    """Answers ``verdict`` for one node and passes every other job through."""

    node_key: str
    verdict: Verdict
    seen: list[str] = field(default_factory=list)

    def review(self, request: GateRequest) -> Verdict:
        self.seen.append(request.node_key)
        if request.node_key == self.node_key:
            return self.verdict
        return gate.PassThroughGate().review(request)


Setup = Callable[[Platform, dict[str, Any]], Awaitable[None]]


async def _nothing(platform: Platform, jobs: dict[str, Any]) -> None:
    return None


async def _cache_step_2(platform: Platform, jobs: dict[str, Any]) -> None:
    one, two = jobs["step[1]"], jobs["step[2]"]
    async with platform.db.transaction() as conn:
        await conn.execute(
            insert(OUTPUTS).values(
                cache_key=successor_key(one, two),
                tenant_id=one.tenant_id,
                output={"n": "cached"},
                output_hash="0" * 64,
                artifacts=[],
                job_id="elsewhere",
                attempt=1,
                created_at=utcnow(),
            )
        )


async def _touch_step_2(platform: Platform, jobs: dict[str, Any]) -> None:
    async with platform.db.transaction() as conn:
        await conn.execute(
            update(JOBS)
            .where(JOBS.c.job_id == jobs["step[2]"].job_id)
            .values(version=JOBS.c.version + 1)
        )


async def _approval_on_step_2(platform: Platform, jobs: dict[str, Any]) -> None:
    async with platform.db.transaction() as conn:
        await conn.execute(
            update(JOBS)
            .where(JOBS.c.job_id == jobs["step[2]"].job_id)
            .values(requires_approval=True)
        )


@dataclass(frozen=True)
class Case:
    """A commit of step[1] (claimed eagerly by w1) offering to claim step[2]'s queue."""

    name: str
    expect: tuple[str, str | None, str | None, str]  # step[2] status, owner; claimed; run
    first: str  # ``readiness.decide``'s first action for step[2] (cache not read)
    statement: list[bool]  # PostgreSQL: one-statement steps tried (wrote or refused)
    verdict: Verdict | None = None  # what the gate answers for step[2]
    before_claim: Setup = _nothing  # before step[1] is claimed (the prediction sees it)
    after_claim: Setup = _nothing  # after the prediction was read


CASES = [
    Case("claim", ("running", "w1", "step[2]", "running"), "claim", [True]),
    Case(
        "cached: refused statement, cache hit, next claimed",
        ("succeeded", None, "step[3]", "running"),
        "claim",
        [False],
        after_claim=_cache_step_2,
    ),
    Case(
        "changed: refused statement, fallback claims",
        ("running", "w1", "step[2]", "running"),
        "claim",
        [False],
        after_claim=_touch_step_2,
    ),
    Case("gate holds", ("awaiting_approval", None, None, "running"), "lookup", [], HOLD),
    Case("gate denies", ("failed", None, None, "failed"), "lookup", [], DENY),
    Case("gate routes elsewhere", ("ready", None, None, "running"), "dispatch", [], GPU),
    Case(
        "approval pending",
        ("awaiting_approval", None, None, "running"),
        "lookup",
        [],
        before_claim=_approval_on_step_2,
    ),
    Case(
        "approval pending but cached",
        ("succeeded", None, "step[3]", "running"),
        "lookup",
        [],
        before_claim=_approval_on_step_2,
        after_claim=_cache_step_2,
    ),
    Case(
        "gate denies but cached",
        ("succeeded", None, "step[3]", "running"),
        "lookup",
        [],
        DENY,
        after_claim=_cache_step_2,
    ),
]


async def _chain_at_step_1(platform: Platform, case: Case) -> tuple[str, dict[str, Any], Any]:
    run_id, _ = await platform.create_run("chain", {"n": 4})
    jobs = await jobs_by_key(platform, run_id)
    await case.before_claim(platform, jobs)
    first = await platform.orch.claim_job(jobs["step[0]"].job_id, owner="w1", lease_s=30)
    assert first is not None
    offer = eager(jobs["step[1]"])
    receipt, _ = await platform.orch.complete_job(
        first.task.job_id, first.task.attempt, {"n": 0}, [], claim_next=offer
    )
    assert receipt.accepted and offer.claimed is not None
    jobs = await jobs_by_key(platform, run_id)
    await case.after_claim(platform, jobs)
    return run_id, jobs, offer.claimed


class TestConformance:
    @pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
    async def test_both_paths_decide_alike(
        self,
        case: Case,
        make_platform: PlatformFactory,
        backend: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        spy = Spy(monkeypatch)
        platform = await make_platform(workers=False)
        scripted = ScriptedGate("step[2]", case.verdict or GO)
        platform.orch.wiring = replace(platform.orch.wiring, gate=scripted)
        run_id, jobs, claim = await _chain_at_step_1(platform, case)
        offer = eager(jobs["step[2]"])
        first = readiness.decide(readiness.facts_for(jobs["step[2]"], run_id, scripted, CPU_Q))
        assert first.action == case.first
        receipt, _ = await platform.orch.complete_job(
            claim.task.job_id, claim.task.attempt, {"n": 1}, [], claim_next=offer
        )
        assert receipt.accepted
        assert spy.outcomes == (case.statement if backend == "postgres" else [])
        after = await jobs_by_key(platform, run_id)
        two = after["step[2]"]
        claimed = offer.claimed.task.node_key if offer.claimed else None
        async with platform.db.read() as conn:
            run = (await conn.execute(select(tables.RUNS))).one()
            queues = [r.queue for r in (await conn.execute(select(OUTBOX))).all()]
        assert (two.status, two.lease_owner, claimed, run.status) == case.expect
        assert after["step[1]"].status == "succeeded"
        assert len(await outputs_of(platform, claim.task.job_id)) == 1
        if case.expect[0] == "ready":
            assert queues == ["nexus.jobs.gpu"] and two.pool == "gpu"
        if case.expect[0] == "failed":
            assert (two.error_code, run.error_code) == ("budget_exceeded", "budget_exceeded")
        if case.before_claim is _approval_on_step_2:
            assert "step[2]" not in scripted.seen  # the gate never saw a job held for approval


def _break_row(params: dict[str, Any]) -> dict[str, Any]:
    return {**params, "s_version": params["s_version"] + 1}


def _break_counters(params: dict[str, Any]) -> dict[str, Any]:
    return {**params, "s_deps_done": params["s_deps_done"] + 1}


async def _second_dependent(platform: Platform, jobs: dict[str, Any]) -> None:
    async with platform.db.transaction() as conn:
        await conn.execute(
            insert(DEPS).values(
                job_id=jobs["step[3]"].job_id,
                upstream_job_id=jobs["step[1]"].job_id,
                run_id=jobs["step[1]"].run_id,
                data=False,
            )
        )


STATEMENT_BREAKERS: dict[str, tuple[Callable[[dict[str, Any]], dict[str, Any]], Setup]] = {
    "row_unchanged": (_break_row, _nothing),
    "counters_unchanged": (_break_counters, _nothing),
    "chain_link": (lambda p: p, _second_dependent),
    "uncached": (lambda p: p, _cache_step_2),
}


class TestRefusedWrites:
    def test_every_guard_has_a_refusal_below(self) -> None:
        assert set(STATEMENT_BREAKERS) == set(readiness.GUARDS)

    @pytest.mark.postgres
    @pytest.mark.parametrize("backend", ["postgres"])
    @pytest.mark.parametrize("guard", list(readiness.GUARDS))
    async def test_the_one_statement_step_refuses_a_broken_guard(
        self, guard: str, make_platform: PlatformFactory, backend: str
    ) -> None:
        platform = await make_platform(workers=False)
        run_id, jobs, claim = await _chain_at_step_1(platform, CASES[0])
        ahead = platform.orch.lookahead.take(claim.task.job_id, claim.task.attempt)
        assert ahead is not None
        plan = lookahead.plan_step(
            ahead, 1, {"n": 1}, [], eager(jobs["step[2]"]), gate.PassThroughGate(), utcnow()
        )
        assert plan is not None
        tweak, setup = STATEMENT_BREAKERS[guard]
        await setup(platform, jobs)
        async with platform.db.autocommit() as conn:
            assert await fused_step.run_step(conn, tweak(plan.params)) is None
        after = await jobs_by_key(platform, run_id)
        assert after["step[1]"].status == "running"
        assert (after["step[2]"].status, after["step[2]"].deps_done) == ("pending", 0)
        assert await outputs_of(platform, claim.task.job_id) == []
        if setup is _nothing:  # the same step with the guard intact writes
            async with platform.db.autocommit() as conn:
                assert await fused_step.run_step(conn, plan.params) is not None

    @pytest.mark.parametrize("guard", ["row_unchanged", "uncached"])
    async def test_the_transaction_refuses_a_broken_guard(
        self, guard: str, make_platform: PlatformFactory
    ) -> None:
        platform = await make_platform(workers=False)
        run_id, jobs, _ = await _chain_at_step_1(platform, CASES[0])
        two = jobs["step[2]"]
        key = successor_key(jobs["step[1]"], two)
        if guard == "uncached":
            await _cache_step_2(platform, jobs)
        else:
            await _touch_step_2(platform, jobs)
        move = Move(JobState.READY, {"cache_key": key, "pool": two.pool, "not_before": None})
        async with platform.db.transaction() as conn:
            outcomes, _ = await transition_job_chain(
                conn, two, [move], run_state=RunState.RUNNING, unless_cached=key
            )
        assert [o.code for o in outcomes] == [ErrorCode.CONFLICT]
        after = (await jobs_by_key(platform, run_id))["step[2]"]
        assert (after.status, after.cache_key) == ("pending", None)
