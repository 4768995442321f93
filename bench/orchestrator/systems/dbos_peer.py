"""DBOS (PyPI ``dbos``) doing the same workloads on the same database engine.

W1: one workflow awaiting n no-op steps in sequence. W2: one parent workflow that enqueues
n child workflows (one no-op step each) on a DBOS queue and joins them, then one join step:
like Nexus, every leaf is its own durable, separately dispatched unit. W2g: the cheaper
in-workflow form (``asyncio.gather`` of n steps in one workflow), reported for reference.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from dbos import DBOS, Queue
from infra import pg_url

from systems import Target

WORKLOADS = ("w1", "w2", "w2g")
BACKENDS = ("sqlite", "postgres")
# DBOS queues and enqueued-workflow handles are polled (default 1 s each); 10 ms keeps
# polling latency out of the comparison (Nexus's own wait is polled every 20 ms).
QUEUE_POLL_S = 0.01
_queue: list[Queue] = []


@DBOS.step()
async def noop_step(i: int) -> int:
    return i


@DBOS.workflow()
async def chain_workflow(n: int) -> int:
    for i in range(n):
        await noop_step(i)
    return n


@DBOS.workflow()
async def leaf_workflow(i: int) -> int:
    return await noop_step(i)


@DBOS.workflow()
async def fanout_workflow(n: int) -> int:
    handles = [await _queue[0].enqueue_async(leaf_workflow, i) for i in range(n)]
    results = [await h.get_result(polling_interval_sec=QUEUE_POLL_S) for h in handles]
    await noop_step(-1)
    return len(results)


@DBOS.workflow()
async def gather_workflow(n: int) -> int:
    results = await asyncio.gather(*(noop_step(i) for i in range(n)))
    await noop_step(-1)
    return len(results)


WORKFLOWS = {"w1": chain_workflow, "w2": fanout_workflow, "w2g": gather_workflow}


def system_database_url(target: Target) -> str:
    if target.backend == "postgres":
        assert target.pg_db is not None
        return pg_url(target.pg_db)
    return f"sqlite:///{target.workdir / 'dbos_system.sqlite'}"


async def measure(workload: str, n: int, target: Target) -> dict[str, Any]:
    t0 = time.perf_counter()
    DBOS(
        config={
            "name": "nexus-bench",
            "system_database_url": system_database_url(target),
            "log_level": "WARNING",
        }
    )
    DBOS.launch()
    _queue[:] = [await DBOS.register_queue_async("bench", polling_interval_sec=QUEUE_POLL_S)]
    setup_s = time.perf_counter() - t0
    try:
        t0, cpu0 = time.perf_counter(), time.process_time()
        handle = await DBOS.start_workflow_async(WORKFLOWS[workload], n)
        done = await handle.get_result(polling_interval_sec=QUEUE_POLL_S)
        wall_s, cpu_s = time.perf_counter() - t0, time.process_time() - cpu0
    finally:
        DBOS.destroy()
    if done != n:
        raise RuntimeError(f"dbos {workload} returned {done}, expected {n}")
    return {"wall_s": wall_s, "cpu_s": cpu_s, "steps": n, "setup_s": setup_s}
