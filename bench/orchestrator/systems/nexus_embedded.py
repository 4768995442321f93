"""Nexus in embedded mode (orchestrator + worker runtime in one process) running the demo
pipelines ``chain`` (W1), ``fanout`` (W2) and ``dag`` (W6)."""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from infra import pg_url

from nexus.core.logging import configure_logging
from nexus.core.settings import Settings
from nexus.orchestrator import queries
from nexus.platform import Platform
from nexus.workers.demo.pipelines import DagParams, build_dag
from systems import Target

WORKLOADS = ("w1", "w2", "w6")
BACKENDS = ("sqlite", "postgres")
PIPELINES = {"w1": "chain", "w2": "fanout"}
# The run's terminal commit wakes wait_for_run in-process; the poll is only a fallback (each
# poll is a read on the measured process: at 5 ms, polling cost ~10 % of its CPU).
POLL_S = 1.0
W6_LAYERS, W6_WIDTH, W6_NODE = 5, 10, "n1.3"


def build_settings(target: Target, step_commit: str = "async") -> Settings:
    """The defaults, on the target's database; ``step_commit`` only matters on PostgreSQL."""
    kwargs: dict[str, Any] = {"data_dir": target.workdir}
    if target.backend == "postgres":
        assert target.pg_db is not None
        kwargs["database"] = {
            "url": pg_url(target.pg_db, "+asyncpg"),
            "step_commit": step_commit,
        }
    return Settings(**kwargs)


async def measure(
    workload: str, n: int, target: Target, step_commit: str = "async"
) -> dict[str, Any]:
    configure_logging(level="WARNING")  # parity with DBOS, which is set to WARNING too
    t0 = time.perf_counter()
    platform = await Platform(build_settings(target, step_commit)).start_embedded()
    setup_s = time.perf_counter() - t0
    try:
        if workload == "w6":
            result = await measure_regenerate(platform)
        else:
            result = await measure_pipeline(platform, PIPELINES[workload], n)
    finally:
        await platform.close()
    return {**result, "setup_s": setup_s}


async def measure_pipeline(platform: Platform, pipeline: str, n: int) -> dict[str, Any]:
    t0, cpu0 = time.perf_counter(), time.process_time()
    run_id, _ = await platform.create_run(pipeline, {"n": n})
    run = await platform.wait_for_run(run_id, poll_s=POLL_S)
    wall_s, cpu_s = time.perf_counter() - t0, time.process_time() - cpu0
    if run.status != "succeeded":
        raise RuntimeError(f"{pipeline} run {run_id} ended {run.status}: {run.error_message}")
    async with platform.db.read() as conn:
        counts = await queries.count_jobs_by_status(conn, run_id)
    return {"wall_s": wall_s, "cpu_s": cpu_s, "steps": n, "jobs": counts}


async def measure_regenerate(platform: Platform) -> dict[str, Any]:
    """W6: build the 5x10 DAG, regenerate one depth-2 node, count what really re-ran."""
    params = {"layers": W6_LAYERS, "width": W6_WIDTH}
    run_id, _ = await platform.create_run("dag", params)
    run = await platform.wait_for_run(run_id, poll_s=POLL_S)
    if run.status != "succeeded":
        raise RuntimeError(f"dag run ended {run.status}")
    mark = await last_event_id(platform, run_id)
    t0 = time.perf_counter()
    affected = await platform.regenerate(run_id, W6_NODE)
    run = await platform.wait_for_run(run_id, poll_s=POLL_S)
    wall_s = time.perf_counter() - t0
    events = await read_events(platform, run_id, mark)
    started = [e.payload["node_key"] for e in events if e.type == "nexus.job.started"]
    hits = [e.payload["node_key"] for e in events if e.type == "nexus.job.cache_hit"]
    expected = expected_descendants(W6_LAYERS, W6_WIDTH, W6_NODE)
    return {
        "wall_s": wall_s,
        "steps": len(set(started)),
        "run_status": run.status,
        "reset_jobs": len(affected),
        "re_executed": sorted(set(started)),
        "started_events": len(started),
        "cache_hits_after": len(hits),
        "expected_descendants": sorted(expected),
        "ok": run.status == "succeeded"
        and set(started) == expected | {W6_NODE}
        and len(started) == len(expected) + 1,
    }


def expected_descendants(layers: int, width: int, node_key: str) -> set[str]:
    """Descendants from the pipeline's own node list (the definition), never the database."""
    children: dict[str, list[str]] = {}
    for node in build_dag(DagParams(layers=layers, width=width)):
        for parent in node.after:
            children.setdefault(parent, []).append(node.key)
    seen: set[str] = set()
    queue = deque(children.get(node_key, []))
    while queue:
        key = queue.popleft()
        if key not in seen:
            seen.add(key)
            queue.extend(children.get(key, []))
    return seen


async def last_event_id(platform: Platform, run_id: str) -> int:
    events = await read_events(platform, run_id, 0)
    return events[-1].event_id if events else 0


async def read_events(platform: Platform, run_id: str, after_id: int) -> list[Any]:
    out: list[Any] = []
    async with platform.db.read() as conn:
        while True:
            page = await queries.list_events(conn, run_id, after_id=after_id, limit=1000)
            out.extend(page)
            if len(page) < 1000:
                return out
            after_id = page[-1].event_id
