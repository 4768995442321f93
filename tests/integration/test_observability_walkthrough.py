"""The operator's walk-through of docs/observability.md, natively (no container engine here):
`nexus api`, `nexus orchestrator` and two `nexus worker` processes on the real PostgreSQL,
RabbitMQ, Redis and S3, a real Prometheus on deploy/prometheus's config and alert rules
scraping them, tracing on as shipped (the file exporter).

A run is produced through the API; its worker is SIGKILLed mid-job. Through Prometheus's HTTP
API: the lease-expiry alert goes pending then firing for the pool, the recovery is counted,
and every query of the shipped Grafana dashboards evaluates (the pipeline dashboard's stage
panels show the run's skills). `nexus runs trace` prints the run's one trace with spans of
the API, the orchestrator and the worker.

CI-sized by default (the demo pipeline, NexusLeaseExpiries' ``for`` shortened to 2 s).
scripts/obs-walkthrough.sh sets ``NEXUS_WALKTHROUGH_PIPELINE=studio`` (a story from text to
video) and ``NEXUS_WALKTHROUGH_SHIPPED_FOR=1`` (the rules exactly as shipped: firing after 1m).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from nexus.core.settings import Settings
from nexus.platform import Platform
from tests.integration.cluster_procs import (
    JOBS,
    Cluster,
    api_client,
    cluster_env,
    create_user,
    nexus_argv,
)
from tests.integration.conftest import free_port, wait_port
from tests.integration.prometheus_native import (
    DEPLOY,
    PROMETHEUS,
    PROMTOOL,
    PromApi,
    Prometheus,
    poll,
    promtool_check,
    render_config,
    render_rules,
)
from tests.integration.test_observability_cluster import start, wait_run

pytestmark = [
    pytest.mark.cluster,
    pytest.mark.slow,
    pytest.mark.timeout(600),
    pytest.mark.skipif(PROMETHEUS is None or PROMTOOL is None, reason="no prometheus binary"),
]
EMAIL = "walkthrough@cluster.test"
PIPELINE = os.environ.get("NEXUS_WALKTHROUGH_PIPELINE", "demo")
SHIPPED_FOR = os.environ.get("NEXUS_WALKTHROUGH_SHIPPED_FOR") == "1"
STORY = (
    "The keeper lit the lamp. Rain fell on the sea. "
    '"Stay," said Mara, and the light turned all night.'
)
GRAFANA_VARS = {"$__rate_interval": "1m", "$__range": "15m"}


@pytest.fixture
async def platform(cluster_settings: Settings) -> AsyncIterator[Platform]:
    plat = Platform(cluster_settings)
    await plat.open()
    yield plat
    await plat.close()


def say(line: str) -> None:
    print(f"[walkthrough] {line}", flush=True)  # shown with -s (the script)


def dashboard_queries() -> dict[str, list[tuple[str, str]]]:
    """Each shipped dashboard's (panel title, PromQL) pairs, Grafana's variables expanded as
    Grafana does for 'All' (``.*``) and for the built-in intervals."""
    out: dict[str, list[tuple[str, str]]] = {}
    for path in sorted((DEPLOY / "grafana" / "dashboards").glob("*.json")):
        pairs: list[tuple[str, str]] = []

        def walk(panels: list[dict[str, Any]], pairs: list[tuple[str, str]] = pairs) -> None:
            for panel in panels:
                for target in panel.get("targets", []):
                    expr = target["expr"]
                    for var, value in GRAFANA_VARS.items():
                        expr = expr.replace(var, value)
                    pairs.append((panel["title"], re.sub(r"\$\{?\w+\}?", ".*", expr)))
                walk(panel.get("panels", []))

        walk(json.loads(path.read_text())["panels"])
        out[path.stem] = pairs
    return out


async def running_job(platform: Platform, run_id: str) -> Any:
    """A job of the run running on the cpu pool (the demo's long job, or any story stage)."""
    skill = JOBS.c.skill == "demo.work" if PIPELINE == "demo" else JOBS.c.pool == "cpu"
    async with platform.db.read() as conn:
        rows = await conn.execute(
            select(JOBS).where(JOBS.c.run_id == run_id, JOBS.c.status == "running", skill)
        )
        return rows.first()


async def create_run(client: httpx.AsyncClient, project_id: str) -> str:
    if PIPELINE == "demo":
        body: dict[str, Any] = {
            "project_id": project_id,
            "pipeline": "demo",
            "params": {"n": 1, "sleep_s": 3.0, "rounds": 4},
        }
    else:
        story = await client.post(
            f"/api/v1/projects/{project_id}/stories", json={"title": "Lamp", "text": STORY}
        )
        assert story.status_code == 201, story.text
        body = {
            "project_id": project_id,
            "pipeline": PIPELINE,
            "story_id": story.json()["story_id"],
        }
    resp = await client.post("/api/v1/runs", json=body)
    assert resp.status_code == 201, resp.text
    return str(resp.json()["run_id"])


def trace_tree(env: dict[str, str], run_id: str) -> str:
    out = subprocess.run(
        nexus_argv("runs", "trace", run_id),
        env={**env, "COLUMNS": "200"},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, (out.stdout + out.stderr).decode()[-2000:]
    return out.stdout.decode()


async def test_operator_walkthrough(
    cluster_settings: Settings, platform: Platform, tmp_path: Path
) -> None:
    env = cluster_env(
        cluster_settings,
        tmp_path / "data",
        NEXUS_TELEMETRY__ENABLED="true",
        NEXUS_TELEMETRY__EXPORTER="file",
        NEXUS_TELEMETRY__FILE_PATH=str(tmp_path / "traces.jsonl"),
    )
    cluster = Cluster(env, tmp_path / "logs")
    cluster.migrate()
    create_user(env, EMAIL)
    ports = {n: free_port() for n in ("orchestrator", "worker-a", "worker-b", "worker-gpu")}
    cluster.api_port = free_port()
    rules = render_rules(tmp_path / "rules", {} if SHIPPED_FOR else {"NexusLeaseExpiries": "2s"})
    prom = Prometheus.at_free_port(tmp_path)
    config, jobs = render_config(
        tmp_path,
        {
            "nexus-api": [cluster.api_port],
            "nexus-orchestrator": [ports["orchestrator"]],
            "nexus-worker": [ports["worker-a"], ports["worker-b"], ports["worker-gpu"]],
        },
        rules,
        prom.port,
    )
    promtool_check(config)
    try:
        prom.start(config)
        cluster.add("api", "api", "--port", str(cluster.api_port), "--workers", "1")
        start(cluster, "orchestrator", ports["orchestrator"], "orchestrator")
        worker_a = start(cluster, "worker-a", ports["worker-a"], "worker", "--pool", "cpu")
        if PIPELINE != "demo":
            start(cluster, "worker-gpu", ports["worker-gpu"], "worker", "--pool", "gpu")
        for name in ("orchestrator", "worker-a"):
            wait_port(ports[name], timeout_s=240)
        wait_port(cluster.api_port, timeout_s=240)
        say(f"cluster up; Prometheus at {prom.url} (jobs {sorted(jobs)})")
        async with (
            api_client(cluster.base_url, EMAIL) as (client, project_id),
            httpx.AsyncClient(base_url=prom.url, timeout=30) as prom_client,
        ):
            api = PromApi(prom_client)

            async def scraped() -> bool:
                up = await api.targets_up()
                return up.get("nexus-orchestrator") == 1 and up.get("nexus-api") == 1

            await poll("Prometheus scrapes the api and the orchestrator", scraped, 120)
            expiries = 'nexus_lease_expiries_total{job="nexus-orchestrator",pool="cpu"}'
            # exposed from 0 before any expiry: increase() sees the first one (ADR 0259)
            assert await api.value(expiries) == 0.0
            run_id = await create_run(client, project_id)
            say(f"run {run_id} ({PIPELINE}) created")

            async def job_running() -> Any:
                return await running_job(platform, run_id)

            job = await poll("a running job of the run", job_running, 240, every_s=0.1)
            worker_a.kill()
            say(f"worker-a SIGKILLed while it ran job {job.job_id} ({job.skill})")
            start(cluster, "worker-b", ports["worker-b"], "worker", "--pool", "cpu")

            states: list[str] = []

            async def alert_firing() -> bool:
                found = await api.alerts("NexusLeaseExpiries")
                cpu = [a for a in found if a["labels"].get("pool") == "cpu"]
                states.extend(a["state"] for a in cpu if a["state"] not in states)
                return any(a["state"] == "firing" for a in cpu)

            await poll("NexusLeaseExpiries firing", alert_firing, 60 if not SHIPPED_FOR else 180)
            assert states[0] == "pending", states
            say(f"alert NexusLeaseExpiries{{pool=cpu}}: {' -> '.join(states)}")
            recovered = 'nexus_recoveries_total{job="nexus-orchestrator",kind="lease_expired"}'
            lost = await api.value(expiries)  # the killed worker's running jobs (1 or 2)
            assert lost is not None and lost >= 1
            assert await api.value(recovered) == lost
            say(f"nexus_lease_expiries_total = nexus_recoveries_total{{lease_expired}} = {lost}")

            run = await wait_run(client, run_id)
            assert run["status"] == "succeeded", cluster.logs_tail()
            say(f"run {run_id}: {run['status']}")

            async def stages_scraped() -> list[dict[str, Any]]:
                return await api.query('nexus_jobs_total{status="succeeded"}')

            await poll("the worker's job counts in Prometheus", stages_scraped, 60)
            results: dict[str, dict[str, list[dict[str, Any]]]] = {}
            for dashboard, pairs in dashboard_queries().items():
                for title, expr in pairs:  # every panel's query is valid PromQL on real data
                    results.setdefault(dashboard, {})[title] = await api.query(expr)
            stages = results["nexus-pipeline"]["Stage throughput by skill and status"]
            skills = {r["metric"]["skill"] for r in stages}
            say(f"pipeline dashboard, stages: {sorted(skills)}")
            assert "demo.work" in skills if PIPELINE == "demo" else skills, stages
    finally:
        cluster.stop_all()  # SIGTERM: each process flushes its spans
        prom.stop()

    tree = trace_tree(env, run_id)
    say("nexus runs trace:\n" + tree)
    for service in ("nexus-api", "nexus-orchestrator", "nexus-worker"):
        assert service in tree, tree
    assert "nexus.recovery.reclaim" in tree and f"nexus.job {job.skill}" in tree, tree
