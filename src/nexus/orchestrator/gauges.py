"""State gauges read from the database at scrape time: runs by pipeline and state, active
jobs by skill and state, queue depth and oldest age per pool, budget utilisation.

One grouped query per table, whatever the number of runs: runs (small: one row per run),
active jobs (``status IN`` the non-terminal states; finished jobs are counted by the
``nexus_jobs_total`` counter instead, so the gauge does not grow with history) and budgets.
``StateGauges`` caches the families for ``ttl_s`` so many scrapers (replicas of Prometheus,
a dashboard refresh) cost one set of queries; a failed read exposes no state families (the
scrape still answers, with ``nexus_scrape_errors_total`` counting the failure).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import datetime

from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from sqlalchemy import func, select

from nexus.budgets.gauges import utilisation
from nexus.core import metrics
from nexus.core.db import Database
from nexus.core.ids import utcnow
from nexus.core.logging import get_logger
from nexus.orchestrator import tables
from nexus.orchestrator.states import JobState

log = get_logger(__name__)
RUNS = tables.RUNS
JOBS = tables.JOBS
ACTIVE = [s.value for s in (JobState.PENDING, JobState.READY, JobState.RUNNING,
                            JobState.AWAITING_APPROVAL)]  # fmt: skip
SCRAPE_ERRORS = Counter(
    "nexus_scrape_errors", "State gauge reads that failed.", registry=metrics.REGISTRY
)
RUNS_BY_STATE = select(RUNS.c.pipeline, RUNS.c.status, func.count()).group_by(
    RUNS.c.pipeline, RUNS.c.status
)
ACTIVE_JOBS = (
    select(
        JOBS.c.skill,
        JOBS.c.pool,
        JOBS.c.status,
        func.count(),
        func.min(func.coalesce(JOBS.c.not_before, JOBS.c.updated_at)),
    )
    .where(JOBS.c.status.in_(ACTIVE), JOBS.c.deleted_at.is_(None))
    .group_by(JOBS.c.skill, JOBS.c.pool, JOBS.c.status)
)


async def read_families(db: Database) -> list[Metric]:
    runs = GaugeMetricFamily(
        "nexus_runs", "Runs by pipeline and state.", labels=["pipeline", "state"]
    )
    jobs = GaugeMetricFamily("nexus_jobs", "Jobs by skill and state.", labels=["skill", "state"])
    depth = GaugeMetricFamily(
        "nexus_queue_depth", "Ready jobs waiting for a worker, per pool.", labels=["pool"]
    )
    age = GaugeMetricFamily(
        "nexus_queue_oldest_age_seconds", "Age of the oldest ready job, per pool.", labels=["pool"]
    )
    ratio = GaugeMetricFamily(
        "nexus_budget_utilisation_ratio",
        "Highest spent+reserved / limit over budgets of a scope kind.",
        labels=["scope_kind"],
    )
    near = GaugeMetricFamily(
        "nexus_budgets_near_limit", "Budgets at 80% or more of their limit.", labels=["scope_kind"]
    )
    async with db.read() as conn:
        for pipeline, state, n in (await conn.execute(RUNS_BY_STATE)).all():
            runs.add_metric([pipeline, state], n)
        job_rows = (await conn.execute(ACTIVE_JOBS)).all()
        budgets = await utilisation(conn)
    now = utcnow()
    by_skill: dict[tuple[str, str], int] = {}
    pools: dict[str, tuple[int, datetime | None]] = {}
    for skill, pool, state, n, oldest in job_rows:
        by_skill[(skill, state)] = by_skill.get((skill, state), 0) + n
        if state == JobState.READY.value:
            count, first = pools.get(pool, (0, None))
            pools[pool] = (count + n, oldest if first is None or oldest < first else first)
    for (skill, state), n in sorted(by_skill.items()):
        jobs.add_metric([skill, state], n)
    for pool, (n, oldest) in sorted(pools.items()):
        depth.add_metric([pool], n)
        age.add_metric([pool], max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
    for b in budgets:
        ratio.add_metric([b.scope_kind], b.highest)
        near.add_metric([b.scope_kind], b.near_limit)
    return [runs, jobs, depth, age, ratio, near]


class StateGauges:
    """A Prometheus collector of the state gauges, cached ``ttl_s``. ``refresh`` runs on the
    event loop (the API's /metrics); ``collect`` may run on another thread (the metrics
    port's server) and then asks the loop."""

    def __init__(self, db: Database, *, ttl_s: float = 2.0) -> None:
        self.db = db
        self.ttl_s = ttl_s
        self._families: list[Metric] = []
        self._at = float("-inf")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = asyncio.Lock()

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    async def refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._at < self.ttl_s:
                return
            try:
                self._families = await read_families(self.db)
            except Exception as exc:  # noqa: BLE001 - a scrape must answer even if the DB is down
                SCRAPE_ERRORS.inc()
                self._families = []
                log.warning("metrics.state_read_failed", error=repr(exc)[:200])
            self._at = time.monotonic()

    def collect(self) -> Iterator[Metric]:
        loop = self._loop
        if loop is not None and loop.is_running():
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is not loop:
                asyncio.run_coroutine_threadsafe(self.refresh(), loop).result(timeout=10)
        yield from self._families
