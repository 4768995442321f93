"""The one-statement chain step (ADR 0016). On PostgreSQL a predicted chain link commits in
one statement; on SQLite the same calls take the step transaction. Both must leave the same
rows and events, and a failed prediction must write nothing and fall back."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from nexus.contracts.tasks import ArtifactMeta, Claim
from nexus.core.ids import utcnow
from nexus.orchestrator import cachekeys, fused_step, gate, lookahead, tables
from nexus.orchestrator.states import JobState
from nexus.platform import Platform
from nexus.worker_hub.ports import EagerClaim
from tests.orchestrator.conftest import PlatformFactory
from tests.orchestrator.helpers import events, jobs_by_key

JOBS = tables.JOBS
OUTPUTS = tables.NODE_OUTPUTS
ARTIFACTS = tables.ARTIFACTS
ART = ArtifactMeta(sha256="ab" * 32, size_bytes=12, media_type="text/plain", name="b.txt")


class Spy:
    """Counts what the one-statement step did: wrote (True) or refused (False)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.outcomes: list[bool] = []
        real = fused_step.run_step

        async def run_step(conn: Any, params: dict[str, Any]) -> Any:
            result = await real(conn, params)
            self.outcomes.append(result is not None)
            return result

        monkeypatch.setattr(fused_step, "run_step", run_step)


def eager(job: Any) -> EagerClaim:
    return EagerClaim(owner="w1", lease_s=30.0, queues=frozenset({gate.queue_for(job.pool)}))


async def chain_at_step_1(platform: Platform) -> tuple[str, dict[str, Any], Claim]:
    """A 4-step chain with step[0] committed and step[1] claimed eagerly by worker w1."""
    run_id, _ = await platform.create_run("chain", {"n": 4})
    jobs = await jobs_by_key(platform, run_id)
    first = await platform.orch.claim_job(jobs["step[0]"].job_id, owner="w1", lease_s=30)
    assert first is not None
    offer = eager(jobs["step[1]"])
    receipt, _ = await platform.orch.complete_job(
        first.task.job_id, first.task.attempt, {"n": 0}, [], claim_next=offer
    )
    assert receipt.accepted and offer.claimed is not None
    return run_id, await jobs_by_key(platform, run_id), offer.claimed


def successor_key(upstream: Any, job: Any) -> str:
    """The key ``job`` must get: its own fields plus its one data upstream's key."""
    return cachekeys.compute_cache_key(
        skill=job.skill,
        skill_version=job.skill_version,
        params=job.params,
        variant=job.variant,
        upstream=[(upstream.node_key, upstream.cache_key)],
    )


async def outputs_of(platform: Platform, job_id: str) -> list[Any]:
    async with platform.db.read() as conn:
        rows = await conn.execute(select(OUTPUTS).where(OUTPUTS.c.job_id == job_id))
        return list(rows.all())


class TestOneStatementStep:
    async def test_a_chain_link_commits_claims_and_predicts(
        self, make_platform: PlatformFactory, backend: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        spy = Spy(monkeypatch)
        platform = await make_platform(workers=False)
        run_id, jobs, claim = await chain_at_step_1(platform)
        before = len(await events(platform, run_id))
        offer = eager(jobs["step[2]"])
        receipt, dispatches = await platform.orch.complete_job(
            claim.task.job_id, claim.task.attempt, {"n": 1}, [ART], claim_next=offer
        )
        assert receipt.accepted and dispatches == []
        assert spy.outcomes == ([True] if backend == "postgres" else [])
        after = await jobs_by_key(platform, run_id)
        one, two = after["step[1]"], after["step[2]"]
        assert (one.status, one.lease_owner, one.progress) == ("succeeded", None, 1.0)
        assert (two.status, two.attempt, two.lease_owner, two.deps_done) == ("running", 1, "w1", 1)
        assert two.version == jobs["step[2]"].version + 2
        assert two.cache_key == successor_key(one, two)
        (out,) = await outputs_of(platform, one.job_id)
        assert (out.output, out.cache_key, out.attempt) == ({"n": 1}, one.cache_key, 1)
        assert out.output_hash == cachekeys.compute_output_hash({"n": 1})
        assert out.artifacts == [ART.model_dump(mode="json")]
        async with platform.db.read() as conn:
            art = (await conn.execute(select(ARTIFACTS))).one()
        assert (art.job_id, art.run_id, art.sha256, art.name) == (
            one.job_id,
            run_id,
            ART.sha256,
            "b.txt",
        )
        new = [(e.type, e.job_id) for e in (await events(platform, run_id))[before:]]
        assert new == [
            ("nexus.job.succeeded", one.job_id),
            ("nexus.job.readied", two.job_id),
            ("nexus.job.started", two.job_id),
        ]
        task = offer.claimed.task if offer.claimed else None
        assert task is not None and (task.job_id, task.attempt) == (two.job_id, 1)
        assert task.inputs == {"step[1]": {"n": 1}} and task.cache_key == two.cache_key
        assert offer.claimed is not None and offer.claimed.upstream_artifacts == [ART]
        # The next link was predicted by the same statement: it is one statement again.
        third = eager(after["step[3]"])
        receipt, _ = await platform.orch.complete_job(
            task.job_id, task.attempt, {"n": 2}, [], claim_next=third
        )
        assert receipt.accepted and third.claimed is not None
        assert spy.outcomes == ([True, True] if backend == "postgres" else [])

    @pytest.mark.postgres
    @pytest.mark.parametrize("backend", ["postgres"])
    async def test_a_refused_statement_writes_nothing(
        self, make_platform: PlatformFactory, backend: str
    ) -> None:
        platform = await make_platform(workers=False)
        run_id, jobs, claim = await chain_at_step_1(platform)
        ahead = platform.orch.lookahead.take(claim.task.job_id, claim.task.attempt)
        assert ahead is not None
        plan = lookahead.plan_step(
            ahead, 1, {"n": 1}, [ART], eager(jobs["step[2]"]), gate.PassThroughGate(), utcnow()
        )
        assert plan is not None
        before = len(await events(platform, run_id))
        stale = {**plan.params, "s_version": plan.params["s_version"] + 1}
        async with platform.db.autocommit() as conn:
            assert await fused_step.run_step(conn, stale) is None
        wrong_attempt = {**plan.params, "b_attempt": 2}
        async with platform.db.autocommit() as conn:
            assert await fused_step.run_step(conn, wrong_attempt) is None
        after = await jobs_by_key(platform, run_id)
        assert after["step[1]"].status == "running" and after["step[1]"].version == (
            jobs["step[1]"].version
        )
        assert after["step[2]"].status == "pending" and after["step[2]"].deps_done == 0
        assert await outputs_of(platform, claim.task.job_id) == []
        assert len(await events(platform, run_id)) == before
        async with platform.db.read() as conn:
            assert (await conn.execute(select(ARTIFACTS))).all() == []

    @pytest.mark.postgres
    @pytest.mark.parametrize("backend", ["postgres"])
    async def test_a_changed_successor_falls_back_to_the_transaction(
        self, make_platform: PlatformFactory, backend: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        spy = Spy(monkeypatch)
        platform = await make_platform(workers=False)
        run_id, jobs, claim = await chain_at_step_1(platform)
        async with platform.db.transaction() as conn:  # changed since it was predicted
            await conn.execute(
                update(JOBS)
                .where(JOBS.c.job_id == jobs["step[2]"].job_id)
                .values(version=JOBS.c.version + 1)
            )
        offer = eager(jobs["step[2]"])
        receipt, _ = await platform.orch.complete_job(
            claim.task.job_id, claim.task.attempt, {"n": 1}, [], claim_next=offer
        )
        assert receipt.accepted and spy.outcomes == [False]
        after = await jobs_by_key(platform, run_id)
        assert after["step[1]"].status == "succeeded"
        assert (after["step[2]"].status, after["step[2]"].lease_owner) == ("running", "w1")
        assert offer.claimed is not None and offer.claimed.task.job_id == jobs["step[2]"].job_id

    async def test_a_cached_successor_is_a_cache_hit_not_a_dispatch(
        self, make_platform: PlatformFactory, backend: str
    ) -> None:
        platform = await make_platform(workers=False)
        run_id, jobs, claim = await chain_at_step_1(platform)
        one = jobs["step[1]"]
        two = jobs["step[2]"]
        key = successor_key(one, two)
        async with platform.db.transaction() as conn:
            await conn.execute(
                insert(OUTPUTS).values(
                    cache_key=key,
                    tenant_id=one.tenant_id,
                    output={"n": "cached"},
                    output_hash=cachekeys.compute_output_hash({"n": "cached"}),
                    artifacts=[],
                    job_id="elsewhere",
                    attempt=1,
                    created_at=utcnow(),
                )
            )
        offer = eager(two)
        receipt, _ = await platform.orch.complete_job(
            claim.task.job_id, claim.task.attempt, {"n": 1}, [], claim_next=offer
        )
        assert receipt.accepted
        after = await jobs_by_key(platform, run_id)
        assert (after["step[2]"].status, after["step[2]"].cache_hit) == ("succeeded", True)
        assert after["step[3]"].status == JobState.RUNNING.value  # claimed past the cache hit
        assert offer.claimed is not None and offer.claimed.task.inputs == {
            "step[2]": {"n": "cached"}
        }


class TestLookahead:
    def test_only_a_single_dependent_is_remembered_by_job_and_attempt(self) -> None:
        store = lookahead.Lookahead()
        job = SimpleNamespace(job_id="j1", attempt=2)
        store.remember(job, [SimpleNamespace(job_id="a"), SimpleNamespace(job_id="b")])
        store.remember(SimpleNamespace(job_id="j2", attempt=1), [])
        assert len(store) == 0
        store.remember(job, [SimpleNamespace(job_id="a")])
        assert store.take("j1", 1) is None  # another attempt
        ahead = store.take("j1", 2)
        assert ahead is not None and ahead.successor.job_id == "a"
        assert store.take("j1", 2) is None  # taken once

    def test_it_is_bounded(self) -> None:
        store = lookahead.Lookahead()
        for i in range(lookahead.LIMIT + 10):
            store.remember(SimpleNamespace(job_id=f"j{i}", attempt=1), [SimpleNamespace()])
        assert len(store) == lookahead.LIMIT
        assert store.take("j0", 1) is None  # the oldest went first
        assert store.take(f"j{lookahead.LIMIT + 9}", 1) is not None
