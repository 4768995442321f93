"""``nexus_runs_total{pipeline,status}``: counted after the commit that finished the run.

The hot path's run view has no pipeline name; a run finishes once, so its pipeline is read
in a task off the commit path (one small read per finished run, batched per transaction).
"""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from nexus.core import metrics
from nexus.core.db import Database
from nexus.core.logging import get_logger
from nexus.orchestrator import tables

RUNS = tables.RUNS
log = get_logger(__name__)
_tasks: set[asyncio.Task[None]] = set()


def count_finished(db: Database, states: dict[str, str]) -> None:
    task = asyncio.get_running_loop().create_task(_count(db, dict(states)))
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


async def _count(db: Database, states: dict[str, str]) -> None:
    try:
        async with db.read() as conn:
            stmt = select(RUNS.c.run_id, RUNS.c.pipeline).where(RUNS.c.run_id.in_(list(states)))
            rows: list[tuple[str, str]] = [(r[0], r[1]) for r in (await conn.execute(stmt)).all()]
    except Exception as exc:  # noqa: BLE001 - a metric must never fail a command
        log.warning("metrics.run_count_failed", error=repr(exc)[:200])
        return
    for run_id, pipeline in rows:
        metrics.RUNS_FINISHED.labels(pipeline, states[run_id]).inc()
