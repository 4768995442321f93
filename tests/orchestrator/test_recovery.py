"""Leases and fencing: an expired lease is reclaimed, and the stale attempt cannot commit."""

from __future__ import annotations

import asyncio

from nexus.contracts.errors import ErrorCode
from nexus.orchestrator import recovery
from tests.orchestrator.conftest import PlatformFactory
from tests.orchestrator.helpers import events, jobs_by_key


async def test_expired_lease_is_reclaimed_and_stale_attempt_is_fenced(
    make_platform: PlatformFactory,
) -> None:
    platform = await make_platform(workers=False, retry_base_s=1.0, retry_max_s=1.0)
    orch = platform.orch
    run_id, _, dispatches = await orch.create_run("chain", {"n": 1})
    job_id = dispatches[0].job_id
    first = await orch.claim_job(job_id, owner="ghost:1:a", lease_s=0.2)
    assert first is not None and first.task.attempt == 1
    await asyncio.sleep(0.3)
    reclaimed = await recovery.reclaim_leases(orch, include_dead_local=False)
    assert [d.job_id for d in reclaimed] == [job_id]
    assert not await orch.heartbeat_job(job_id, 1, lease_s=5)  # the old worker must stop
    assert await orch.claim_job(job_id, owner="early:1:b", lease_s=30) is None  # in backoff
    await asyncio.sleep(1.05)  # the backoff is at most retry_max_s
    second = await orch.claim_job(job_id, owner="live:1:b", lease_s=30)
    assert second is not None and second.task.attempt == 2

    stale, _ = await orch.complete_job(job_id, 1, {"i": 0}, [])
    assert not stale.accepted and stale.code == ErrorCode.STALE_ATTEMPT.value
    fresh, _ = await orch.complete_job(job_id, 2, {"i": 0}, [])
    assert fresh.accepted
    again, _ = await orch.complete_job(job_id, 2, {"i": 0}, [])
    assert not again.accepted  # a duplicate delivery of the result commits nothing

    succeeded = await events(platform, run_id, "nexus.job.succeeded")
    assert len(succeeded) == 1
    assert (await jobs_by_key(platform, run_id))["step[0]"].status == "succeeded"
    expired = await events(platform, run_id, "nexus.job.rescheduled")
    assert expired[0].payload["error_code"] == ErrorCode.LEASE_EXPIRED.value


async def test_dead_local_owner_is_reclaimed_without_waiting(
    make_platform: PlatformFactory,
) -> None:
    platform = await make_platform(workers=False)
    orch = platform.orch
    _, _, dispatches = await orch.create_run("chain", {"n": 1})
    job_id = dispatches[0].job_id
    dead_owner = f"{recovery.HOST}:999999:x"  # no such pid on this host
    await orch.claim_job(job_id, owner=dead_owner, lease_s=3600)
    reclaimed = await recovery.reclaim_leases(orch)
    assert [d.job_id for d in reclaimed] == [job_id]


async def test_duplicate_messages_claim_once(make_platform: PlatformFactory) -> None:
    platform = await make_platform(workers=False)
    orch = platform.orch
    _, _, dispatches = await orch.create_run("chain", {"n": 1})
    job_id = dispatches[0].job_id
    claims = await asyncio.gather(
        *[orch.claim_job(job_id, owner=f"w:{i}:z", lease_s=30) for i in range(5)]
    )
    assert sum(c is not None for c in claims) == 1
