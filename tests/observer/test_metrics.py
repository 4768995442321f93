"""Metrics in one process: each process's exposition is exactly its catalogue share (parsed
with prometheus_client's text parser), counters move with the work, the state gauges are
read from the database, and the API serves its share on /metrics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from nexus.core.settings import Settings
from nexus.gateway.app import create_app
from nexus.gateway.middleware import Metrics
from nexus.observer import exposition
from nexus.platform import Platform
from tests.observer.obs_helpers import check_exposition, samples


@pytest.fixture
async def platform(tmp_path: Path) -> AsyncIterator[Platform]:
    settings = Settings(
        env="test",
        data_dir=tmp_path,
        gateway={"jwt_secret": "metrics-test-secret-" + "x" * 32},
        orchestrator={"process_workers": 0},
    )
    platform = Platform(settings)
    await platform.start_embedded()
    yield platform
    await platform.close()


def value(families: dict[str, object], name: str, **labels: str) -> float:
    key = tuple(sorted(labels.items()))
    return samples(families[name]).get(key, 0.0)


async def test_expositions_match_the_catalogue_and_move(platform: Platform) -> None:
    await platform.gauges.refresh()
    before = check_exposition("worker", exposition.render("worker"))
    for _ in range(2):
        run_id, _ = await platform.create_run("chain", {"n": 3})
        assert (await platform.wait_for_run(run_id, timeout_s=30)).status == "succeeded"
    platform.gauges.ttl_s = 0.0
    await platform.gauges.refresh()
    orch = check_exposition("orchestrator", exposition.render("orchestrator", platform.gauges))
    worker = check_exposition("worker", exposition.render("worker"))
    check_exposition("api", exposition.render("api", Metrics().registry, platform.gauges))

    assert not samples(orch["nexus_runs"])  # finished runs leave the gauge (nexus_runs_total)
    jobs_done = value(worker, "nexus_jobs_total", skill="demo.noop", status="succeeded")
    # the second run's jobs are cache hits: same nodes, same inputs
    assert jobs_done - value(before, "nexus_jobs_total", skill="demo.noop", status="succeeded") == 3
    durations = [
        s for s in worker["nexus_job_duration_seconds"].samples if s.name.endswith("_count")
    ]
    assert any(s.labels == {"skill": "demo.noop"} and s.value >= 3 for s in durations)
    assert any(s.labels.get("step") == "claim_job" for s in worker["nexus_db_step_seconds"].samples)
    assert value(orch, "nexus_cache_lookups_total", skill="demo.noop", result="hit") >= 3
    assert value(orch, "nexus_cache_lookups_total", skill="demo.noop", result="miss") >= 3
    assert not samples(orch["nexus_jobs"])  # nothing is active any more


async def test_runs_finished_counter_and_active_gauges(platform: Platform) -> None:
    run_id, _ = await platform.create_run("demo", {"n": 2, "sleep_s": 0.5, "rounds": 10})
    platform.gauges.ttl_s = 0.0
    await platform.gauges.refresh()
    active = check_exposition("orchestrator", exposition.render("orchestrator", platform.gauges))
    assert sum(samples(active["nexus_jobs"]).values()) >= 1  # pending/ready/running jobs
    assert value(active, "nexus_runs", pipeline="demo", state="running") == 1
    assert (await platform.wait_for_run(run_id, timeout_s=30)).status == "succeeded"
    await platform.gauges.refresh()
    done = check_exposition("orchestrator", exposition.render("orchestrator", platform.gauges))
    assert not samples(done["nexus_runs"])
    # counted by a task after the commit that finished the run (the pipeline is read there)
    async with asyncio.timeout(10):
        while not value(done, "nexus_runs_total", pipeline="demo", status="succeeded"):
            await asyncio.sleep(0.05)
            done = check_exposition("worker", exposition.render("worker"))


async def test_api_serves_its_share(platform: Platform) -> None:
    app = create_app(platform.settings, mode="api", platform=platform)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        await client.get("/healthz")
        response = await client.get("/metrics")
    assert response.status_code == 200
    families = check_exposition("api", response.text)
    assert value(families, "nexus_http_requests_total", route="/healthz", status="200") == 1
