"""Runs pin the skill versions they use: recorded at creation, extended by expansions (which
run the run's pinned versions), shown on the run; a worker with another version fails the job
with ``skill_version_mismatch`` instead of running other code."""

from __future__ import annotations

import asyncio

from sqlalchemy import update

from nexus.orchestrator import queries, tables
from tests.skills.conftest import PlatformFactory


async def test_pins_recorded_and_extended_by_expansion(make_platform: PlatformFactory) -> None:
    platform = await make_platform()
    run_id, _ = await platform.create_run("t.fan", {})
    async with platform.db.read() as conn:
        created = await queries.read_run(conn, run_id)
    assert created.skill_pins == {"demo.split": "1"}
    run = await platform.wait_for_run(run_id, timeout_s=30)
    assert run.status == "succeeded"
    assert run.skill_pins == {"demo.split": "1", "demo.work": "1"}


async def test_expansion_runs_the_pinned_version(make_platform: PlatformFactory) -> None:
    # Created by one process, whose pins say demo.work@9 (as if pinned by a newer build);
    # this worker has demo.work@1: the children are pinned at 9 and refused, never run.
    platform = await make_platform(workers=False)
    run_id, _ = await platform.create_run("t.fan", {})
    async with platform.db.transaction() as conn:
        await conn.execute(
            update(tables.RUNS)
            .where(tables.RUNS.c.run_id == run_id)
            .values(skill_pins={"demo.split": "1", "demo.work": "9"})
        )
    await platform.start_workers()
    await platform.start_orchestrator()
    run = await platform.wait_for_run(run_id, timeout_s=30)
    async with platform.db.read() as conn:
        jobs = {j.node_key: j for j in await queries.list_jobs(conn, run_id)}
    assert run.status == "failed" and run.error_code == "skill_version_mismatch"
    children = [j for k, j in jobs.items() if k.startswith("w[")]
    assert children and all(j.skill_version == "9" for j in children)
    failed = [j for j in children if j.error_code == "skill_version_mismatch"]
    assert failed and all(j.attempt == 1 for j in failed)  # not retried
    assert "demo.work@9" in (failed[0].error_message or "")
    assert run.skill_pins == {"demo.split": "1", "demo.work": "9"}


async def test_malformed_messages_never_cost_a_worker(make_platform: PlatformFactory) -> None:
    # One slot: a malformed message that leaked it would leave no worker for the run.
    platform = await make_platform(concurrency=1)
    for bad in ({"nope": 1}, {"job_id": 7}, {"job_id": ""}, "not a dict", None):
        await platform.broker.publish("nexus.jobs.cpu", bad)  # type: ignore[arg-type]
    run_id, _ = await platform.create_run("chain", {"n": 3})
    run = await platform.wait_for_run(run_id, timeout_s=30)
    assert run.status == "succeeded"
    runtime = platform.runtime
    assert runtime is not None
    for _ in range(100):  # the last job's task ends just after its commit woke us
        if runtime.busy == 0:
            break
        await asyncio.sleep(0.05)
    assert runtime.busy == 0
