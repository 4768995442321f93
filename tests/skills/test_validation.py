"""Inputs and outputs are checked on both sides of the broker: a bad input fails the job with
``invalid_input`` before it is dispatched (roots and expanded children alike), a bad or
oversized output with ``invalid_output`` before it is committed; neither is retried, and the
run fails cleanly with the code visible."""

from __future__ import annotations

from typing import Any

from nexus.orchestrator import queries
from nexus.platform import Platform
from tests.skills.conftest import PlatformFactory


async def _finish(platform: Platform, pipeline: str) -> tuple[Any, dict[str, Any]]:
    run_id, _ = await platform.create_run(pipeline, {})
    run = await platform.wait_for_run(run_id, timeout_s=30)
    async with platform.db.read() as conn:
        jobs = {j.node_key: j for j in await queries.list_jobs(conn, run_id)}
    return run, jobs


async def test_invalid_root_input_is_never_dispatched(make_platform: PlatformFactory) -> None:
    platform = await make_platform()
    run, jobs = await _finish(platform, "t.bad_root")
    assert run.status == "failed" and run.error_code == "invalid_input"
    job = jobs["only"]
    assert job.status == "failed" and job.error_code == "invalid_input"
    assert job.attempt == 0  # refused before any worker saw it
    assert "bogus" in (job.error_message or "")


async def test_invalid_expanded_child_fails_the_run(make_platform: PlatformFactory) -> None:
    platform = await make_platform()
    run, jobs = await _finish(platform, "t.bad_child")
    assert run.status == "failed" and run.error_code == "invalid_input"
    assert jobs["root"].status == "succeeded"
    assert jobs["bad"].error_code == "invalid_input" and jobs["bad"].attempt == 0


async def test_bad_output_is_not_committed_nor_retried(make_platform: PlatformFactory) -> None:
    platform = await make_platform()
    run, jobs = await _finish(platform, "t.bad_output")
    job = jobs["only"]
    assert run.status == "failed" and run.error_code == "invalid_output"
    assert job.error_code == "invalid_output" and job.attempt == 1
    assert "i:" in (job.error_message or "")
    async with platform.db.read() as conn:
        detail = await queries.read_job_output(conn, job)
    assert detail is None


async def test_output_over_its_bound_is_refused(make_platform: PlatformFactory) -> None:
    platform = await make_platform()
    run, jobs = await _finish(platform, "t.big_output")
    assert jobs["only"].error_code == "invalid_output"
    assert "max_output_bytes 32" in (jobs["only"].error_message or "")
    assert run.status == "failed"
