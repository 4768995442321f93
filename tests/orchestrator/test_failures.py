"""Retries with backoff, terminal failures, compensation, cancel, retry of a run, approvals."""

from __future__ import annotations

from pathlib import Path

from nexus.platform import Platform
from tests.orchestrator.helpers import events, jobs_by_key, node_counts, read_log


async def test_transient_failures_are_retried_with_backoff(
    platform: Platform, tmp_path: Path
) -> None:
    log = tmp_path / "log.jsonl"
    run_id, _ = await platform.create_run(
        "demo", {"n": 2, "sleep_s": 0.01, "fail_attempts": 2, "log_path": str(log), "rounds": 10}
    )
    run = await platform.wait_for_run(run_id, timeout_s=60)
    assert run.status == "succeeded"
    jobs = await jobs_by_key(platform, run_id)
    assert jobs["work[0]"].attempt == 3 and jobs["work[1]"].attempt == 3
    rescheduled = await events(platform, run_id, "nexus.job.rescheduled")
    assert node_counts(rescheduled) == {"work[0]": 2, "work[1]": 2}
    assert all(e.payload["delay_s"] > 0 for e in rescheduled)
    done = [r["node"] for r in read_log(log) if r["event"] == "done"]
    assert sorted(done) == ["work[0]", "work[1]"]  # committed once each


async def test_fatal_failure_fails_the_run_and_compensates_in_reverse(
    platform: Platform, tmp_path: Path
) -> None:
    log = tmp_path / "log.jsonl"
    run_id, _ = await platform.create_run(
        "demo", {"n": 4, "sleep_s": 0.3, "fatal_node": 3, "log_path": str(log), "rounds": 10}
    )
    run = await platform.wait_for_run(run_id, timeout_s=60)
    assert run.status == "failed"
    assert run.error_code == "skill_failed"
    jobs = await jobs_by_key(platform, run_id)
    assert jobs["work[3]"].status == "failed"
    assert jobs["join"].status == "skipped" and jobs["digest"].status == "skipped"
    finished = {r["node"] for r in read_log(log) if r["event"] == "done"}
    compensated = [r["node"] for r in read_log(log) if r["event"] == "compensated"]
    # every work node that committed an output was compensated, exactly once
    assert sorted(compensated) == sorted(
        f"compensate:{k}" for k in finished if jobs[k].status == "succeeded"
    )
    assert await events(platform, run_id, "nexus.run.compensating")


async def test_retry_run_after_failure(platform: Platform) -> None:
    run_id, _ = await platform.create_run(
        "demo", {"n": 2, "sleep_s": 0.01, "fatal_node": 1, "rounds": 10}
    )
    assert (await platform.wait_for_run(run_id, timeout_s=60)).status == "failed"
    # the failure is fatal by input, so a retry fails the same way: retried, not looped
    await platform.retry_run(run_id)
    run = await platform.wait_for_run(run_id, timeout_s=60)
    assert run.status == "failed"
    assert (await jobs_by_key(platform, run_id))["work[1]"].attempt == 2


async def test_cancel_stops_running_work(platform: Platform, tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    run_id, _ = await platform.create_run(
        "demo", {"n": 3, "sleep_s": 5.0, "log_path": str(log), "rounds": 10}
    )
    for _ in range(100):
        if read_log(log):
            break
        await platform.wait_for_run(run_id, timeout_s=0.05) if False else None
        import asyncio  # noqa: PLC0415

        await asyncio.sleep(0.05)
    await platform.cancel_run(run_id)
    run = await platform.wait_for_run(run_id, timeout_s=30)
    assert run.status == "cancelled"
    jobs = await jobs_by_key(platform, run_id)
    assert {j.status for k, j in jobs.items() if k.startswith("work[")} == {"cancelled"}
    assert not [r for r in read_log(log) if r["event"] == "done"]


async def test_approval_holds_then_runs(platform: Platform) -> None:
    run_id, _ = await platform.create_run("gated", {"n": 1}, created_by="alice")
    for _ in range(200):
        jobs = await jobs_by_key(platform, run_id)
        if jobs["gate"].status == "awaiting_approval":
            break
        import asyncio  # noqa: PLC0415

        await asyncio.sleep(0.02)
    assert jobs["gate"].status == "awaiting_approval"
    assert jobs["c"].status == "pending"
    from nexus.core.errors import NexusError  # noqa: PLC0415

    try:
        await platform.approve_job(jobs["gate"].job_id, user_id="alice")
        raise AssertionError("the requester approved their own action")
    except NexusError as exc:
        assert exc.code.value == "forbidden"
    await platform.approve_job(jobs["gate"].job_id, user_id="bob")
    run = await platform.wait_for_run(run_id, timeout_s=30)
    assert run.status == "succeeded"
    assert (await jobs_by_key(platform, run_id))["gate"].approved_by == "bob"


async def test_rejection_fails_the_run(platform: Platform) -> None:
    run_id, _ = await platform.create_run("gated", {"n": 1}, created_by="alice")
    import asyncio  # noqa: PLC0415

    for _ in range(200):
        jobs = await jobs_by_key(platform, run_id)
        if jobs["gate"].status == "awaiting_approval":
            break
        await asyncio.sleep(0.02)
    await platform.reject_job(jobs["gate"].job_id, user_id="bob", reason="too expensive")
    run = await platform.wait_for_run(run_id, timeout_s=30)
    assert run.status == "failed" and run.error_code == "approval_rejected"
    assert (await jobs_by_key(platform, run_id))["c"].status == "skipped"


async def test_idempotent_create_returns_the_same_run(platform: Platform) -> None:
    a, created_a = await platform.create_run("chain", {"n": 2}, idempotency_key="k1")
    b, created_b = await platform.create_run("chain", {"n": 2}, idempotency_key="k1")
    assert a == b and created_a and not created_b
    from nexus.core.errors import NexusError  # noqa: PLC0415

    try:
        await platform.create_run("chain", {"n": 3}, idempotency_key="k1")
        raise AssertionError("a different body reused the key")
    except NexusError as exc:
        assert exc.code.value == "idempotency_mismatch"
