"""One trace across OS processes: `nexus api`, `nexus orchestrator` and `nexus worker` over the
test's PostgreSQL, RabbitMQ, Redis and S3, tracing to one shared file.

The run goes in through the API under a caller's traceparent; its first worker is killed
mid-job, the orchestrator reclaims the job and dispatches it again, a second worker runs it.
The spans must form one tree: caller -> API request -> run -> (worker A's lost attempt) ->
the orchestrator's reclaim -> its dispatch -> worker B's claim and attempt (execute,
commit). Each process's /metrics is parsed and checked against the metric catalogue.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from nexus.core.settings import Settings
from nexus.core.trace_export import read_spans
from nexus.platform import Platform
from tests.integration.cluster_procs import (
    JOBS,
    Cluster,
    Proc,
    api_client,
    cluster_env,
    create_user,
    nexus_argv,
)
from tests.integration.conftest import free_port, wait_port
from tests.observer.obs_helpers import by_name, check_exposition, samples

pytestmark = [pytest.mark.cluster, pytest.mark.slow, pytest.mark.timeout(560)]
EMAIL = "traces@cluster.test"


@pytest.fixture
async def platform(cluster_settings: Settings) -> AsyncIterator[Platform]:
    plat = Platform(cluster_settings)
    await plat.open()
    yield plat
    await plat.close()


def start(cluster: Cluster, name: str, port: int, *args: str) -> Proc:
    """Start a process serving its metrics on ``port`` (the caller waits for it)."""
    cluster.logs.mkdir(parents=True, exist_ok=True)
    env = {**cluster.env, "NEXUS_METRICS_PORT": str(port)}
    proc = Proc(name, nexus_argv(*args), env, cluster.logs / f"{name}.log")
    cluster.procs[name] = proc
    proc.start()
    return proc


async def running_work_job(platform: Platform, run_id: str) -> Any:
    async with asyncio.timeout(60):
        while True:
            async with platform.db.read() as conn:
                row = (
                    await conn.execute(
                        select(JOBS).where(
                            JOBS.c.run_id == run_id,
                            JOBS.c.skill == "demo.work",
                            JOBS.c.status == "running",
                        )
                    )
                ).first()
            if row is not None:
                return row
            await asyncio.sleep(0.1)


async def wait_run(client: httpx.AsyncClient, run_id: str) -> dict[str, Any]:
    async with asyncio.timeout(120):
        while True:
            run = (await client.get(f"/api/v1/runs/{run_id}")).json()
            if run["status"] in ("succeeded", "failed", "cancelled"):
                return run
            await asyncio.sleep(0.2)


def ancestors(span: dict[str, Any], ids: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    chain = []
    while span.get("parent_id") in ids:
        span = ids[span["parent_id"]]
        chain.append(span)
    return chain


async def test_one_trace_across_api_orchestrator_and_workers(
    cluster_settings: Settings, platform: Platform, tmp_path: Path
) -> None:
    traces = tmp_path / "traces.jsonl"
    env = cluster_env(
        cluster_settings,
        tmp_path / "data",
        NEXUS_TELEMETRY__ENABLED="true",
        NEXUS_TELEMETRY__EXPORTER="file",
        NEXUS_TELEMETRY__FILE_PATH=str(traces),
        NEXUS_METRICS_PORT="0",
    )
    cluster = Cluster(env, tmp_path / "logs")
    cluster.migrate()
    create_user(env, EMAIL)
    ports = {name: free_port() for name in ("orchestrator", "worker-a", "worker-b")}
    trace_id, caller = secrets.token_hex(16), secrets.token_hex(8)
    try:
        # All three boot in parallel (the machine is loaded: a process takes 10-40 s).
        cluster.api_port = free_port()
        cluster.add("api", "api", "--port", str(cluster.api_port), "--workers", "1")
        start(cluster, "orchestrator", ports["orchestrator"], "orchestrator")
        worker_a = start(cluster, "worker-a", ports["worker-a"], "worker", "--pool", "cpu")
        for port in (cluster.api_port, ports["orchestrator"], ports["worker-a"]):
            wait_port(port, timeout_s=240)
        async with api_client(cluster.base_url, EMAIL) as (client, project_id):
            body = {
                "project_id": project_id,
                "pipeline": "demo",
                "params": {"n": 1, "sleep_s": 3.0, "rounds": 10},
            }
            headers = {"traceparent": f"00-{trace_id}-{caller}-01"}
            resp = await client.post("/api/v1/runs", json=body, headers=headers)
            assert resp.status_code == 201, resp.text
            run_id = resp.json()["run_id"]
            job = await running_work_job(platform, run_id)
            assert job.trace_id == trace_id
            worker_a.kill()  # mid-job: its lease is the orchestrator's to reclaim
            start(cluster, "worker-b", ports["worker-b"], "worker", "--pool", "cpu")
            wait_port(ports["worker-b"], timeout_s=240)
            run = await wait_run(client, run_id)
            assert run["status"] == "succeeded", cluster.logs_tail()
            api_metrics = (await client.get("/metrics")).text
        async with httpx.AsyncClient() as scraper:
            orch_metrics = (
                await scraper.get(f"http://127.0.0.1:{ports['orchestrator']}/metrics")
            ).text
            worker_metrics = (
                await scraper.get(f"http://127.0.0.1:{ports['worker-b']}/metrics")
            ).text
    finally:
        cluster.stop_all()  # SIGTERM: each process flushes its spans

    check_exposition("api", api_metrics)
    orch = check_exposition("orchestrator", orch_metrics)
    worker = check_exposition("worker", worker_metrics)
    assert samples(orch["nexus_lease_expiries_total"])[(("pool", "cpu"),)] == 1.0  # gpu: 0
    assert samples(orch["nexus_recoveries_total"])[(("kind", "lease_expired"),)] == 1.0
    executed = samples(worker["nexus_jobs_total"])
    assert executed[(("skill", "demo.work"), ("status", "succeeded"))] == 1.0

    spans = read_spans(traces, trace_id)
    ids = {s["span_id"]: s for s in spans}
    services = {s["service"] for s in spans}
    assert {"nexus-api", "nexus-orchestrator", "nexus-worker"} <= services, services
    (request,) = [s for s in spans if s["service"] == "nexus-api" and s["kind"] == "server"]
    assert request["parent_id"] == caller  # the caller's span: W3C traceparent honoured
    (run_span,) = by_name(spans, "nexus.run")
    assert request in ancestors(run_span, ids)
    (reclaim,) = by_name(spans, "nexus.recovery.reclaim")
    assert reclaim["service"] == "nexus-orchestrator"
    assert reclaim["parent_id"] == run_span["span_id"]
    # The orchestrator's dispatches: the reclaim's, and possibly the outbox relay's (the
    # reclaimed job's row goes stale while worker B boots); worker B claims from either.
    recoveries = {s["span_id"] for s in spans if s["name"].startswith("nexus.recovery.")}
    dispatches = [
        s
        for s in by_name(spans, "nexus.dispatch")
        if s["parent_id"] in recoveries and s["service"] == "nexus-orchestrator"
    ]
    assert any(d["parent_id"] == reclaim["span_id"] for d in dispatches)
    assert all(ids[d["parent_id"]]["parent_id"] == run_span["span_id"] for d in dispatches)
    # worker B's attempt of the reclaimed job hangs under an orchestrator's dispatch
    works = [
        s for s in spans if s["name"] == "nexus.job demo.work" and s["service"] == "nexus-worker"
    ]
    (attempt,) = [s for s in works if any(d in ancestors(s, ids) for d in dispatches)]
    dispatch = next(d for d in dispatches if d in ancestors(attempt, ids))
    assert attempt["attributes"]["nexus.job_id"] == job.job_id
    assert attempt["attributes"]["nexus.attempt"] == 2
    assert attempt["attributes"]["nexus.execute_s"] >= 0  # one span per attempt (ADR 0255)
    assert attempt["attributes"]["nexus.commit_s"] > 0
    claims = [s for s in by_name(spans, "nexus.job.claim") if dispatch in ancestors(s, ids)]
    assert claims and claims[0]["start_ns"] <= attempt["start_ns"]
    assert request["start_ns"] <= run_span["start_ns"] < reclaim["start_ns"] < attempt["start_ns"]
    # every later job of the run is in the same trace, under the run span
    for name in ("nexus.job demo.join", "nexus.job demo.digest"):
        (later,) = by_name(spans, name)
        assert run_span in ancestors(later, ids)
