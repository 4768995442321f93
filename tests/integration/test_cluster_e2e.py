"""End to end across OS processes: `nexus api`, two orchestrators, two cpu workers and a gpu
worker on the test's own PostgreSQL database, RabbitMQ vhost, Redis prefix and S3 bucket.
Runs go in through the API with a real user; artifacts must land in S3, every node once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from nexus.core.settings import Settings
from nexus.platform import Platform, build_registry
from tests.integration.cluster_procs import (
    Cluster,
    api_client,
    cluster_env,
    create_user,
    read_ledger,
)
from tests.integration.conftest import S3_ACCESS_KEY, S3_SECRET_KEY
from tests.orchestrator.helpers import read_log

pytestmark = [pytest.mark.cluster, pytest.mark.slow, pytest.mark.timeout(300)]
EMAIL = "ops@cluster.test"


@pytest.fixture
async def cluster(cluster_settings: Settings, tmp_path: Path) -> AsyncIterator[Cluster]:
    env = cluster_env(cluster_settings, tmp_path / "data")
    procs = Cluster(env, tmp_path / "logs")
    procs.migrate()
    create_user(env, EMAIL)
    try:
        procs.start_api()
        procs.start_topology(orchestrators=2, cpu_workers=2)
        yield procs
    finally:
        procs.stop_all()


@pytest.fixture
async def platform(cluster_settings: Settings) -> AsyncIterator[Platform]:
    plat = Platform(cluster_settings)
    await plat.open()
    yield plat
    await plat.close()


async def wait_run(client: httpx.AsyncClient, run_id: str, timeout_s: float) -> dict[str, Any]:
    async with asyncio.timeout(timeout_s):
        while True:
            resp = await client.get(f"/api/v1/runs/{run_id}")
            resp.raise_for_status()
            run = resp.json()
            if run["status"] in ("succeeded", "failed", "cancelled"):
                return run
            await asyncio.sleep(0.2)


def s3_object_size(settings: Settings, sha256: str) -> int:
    """HEAD the content-addressed key in the bucket, straight from the S3 server."""
    bucket, _, prefix = settings.storage_url.removeprefix("s3://").partition("/")
    s3 = boto3.client(
        "s3",
        endpoint_url=settings.storage.s3_endpoint_url,
        aws_access_key_id=S3_ACCESS_KEY,
        aws_secret_access_key=S3_SECRET_KEY,
        region_name="us-east-1",
    )
    key = f"{prefix}/sha256/{sha256[:2]}/{sha256}".lstrip("/")
    return int(s3.head_object(Bucket=bucket, Key=key)["ContentLength"])


async def test_demo_runs_across_processes(
    cluster: Cluster, platform: Platform, cluster_settings: Settings, tmp_path: Path
) -> None:
    async with api_client(cluster.base_url, EMAIL) as (client, project_id):
        run_ids = []
        for i in range(3):
            body = {
                "project_id": project_id,
                "pipeline": "demo",
                "params": {
                    "n": 4,
                    "sleep_s": 0.05,
                    "rounds": 2000 + i,
                    "log_path": str(tmp_path / f"run{i}.jsonl"),
                },
            }
            resp = await client.post(
                "/api/v1/runs", json=body, headers={"Idempotency-Key": f"e2e-{i}"}
            )
            assert resp.status_code == 201, resp.text
            run_ids.append(resp.json()["run_id"])
        # A retried POST with the same key is the same run (Redis lock + database row).
        again = await client.post("/api/v1/runs", json=body, headers={"Idempotency-Key": "e2e-2"})
        assert again.json()["run_id"] == run_ids[-1]

        for run_id in run_ids:
            run = await wait_run(client, run_id, timeout_s=120)
            assert run["status"] == "succeeded", (run, cluster.logs_tail())
            arts = (await client.get(f"/api/v1/runs/{run_id}/artifacts")).json()["items"]
            reports = [a for a in arts if a["name"] == "report.json"]
            assert len(reports) == 1, arts
            assert (
                s3_object_size(cluster_settings, reports[0]["sha256"]) == reports[0]["size_bytes"]
            )

    ledger = await read_ledger(platform, run_ids)
    assert ledger.problems() == []
    assert len(ledger.jobs) == 3 * (3 + 4)  # split, join, digest + 4 work nodes per run
    # Work really ran in the worker processes, spread over both cpu workers.
    pids = {
        r["pid"]
        for i in range(3)
        for r in read_log(tmp_path / f"run{i}.jsonl")
        if r["event"] == "start"
    }
    worker_pids = {
        p.popen.pid
        for n, p in cluster.procs.items()
        if n.startswith("worker-cpu") and p.popen is not None
    }
    assert pids <= worker_pids, (pids, worker_pids)
    assert cluster.unexpected_exits() == {}


@pytest.mark.skipif(
    "studio" not in build_registry().pipelines,
    reason="the studio pipeline is not registered in nexus.platform.build_registry yet",
)
async def test_studio_runs_across_processes(
    cluster: Cluster, platform: Platform, cluster_settings: Settings
) -> None:
    async with api_client(cluster.base_url, EMAIL) as (client, project_id):
        story = await client.post(
            f"/api/v1/projects/{project_id}/stories",
            json={
                "title": "Lamp",
                "text": "The keeper lit the lamp. "
                'Rain fell on the sea. "Stay," said Mara, and the light turned all night.',
            },
        )
        assert story.status_code == 201, story.text
        resp = await client.post(
            "/api/v1/runs",
            json={
                "project_id": project_id,
                "pipeline": "studio",
                "story_id": story.json()["story_id"],
            },
        )
        assert resp.status_code == 201, resp.text
        run_id = resp.json()["run_id"]
        run = await wait_run(client, run_id, timeout_s=240)
        assert run["status"] == "succeeded", (run, cluster.logs_tail())
        arts = (await client.get(f"/api/v1/runs/{run_id}/artifacts")).json()["items"]
        videos = [a for a in arts if a["media_type"] == "video/mp4"]
        assert videos, arts
        assert s3_object_size(cluster_settings, videos[-1]["sha256"]) == videos[-1]["size_bytes"]
    ledger = await read_ledger(platform, [run_id])
    assert ledger.problems() == []
