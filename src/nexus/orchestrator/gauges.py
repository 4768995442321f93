"""State gauges read from the database at scrape time: active runs by pipeline and state,
active jobs by skill and state, queue depth and oldest age per pool, budget utilisation.

One statement, one round trip and one snapshot, whatever the history: the runs and jobs
parts count the non-terminal states only (finished runs and job attempts are the
``nexus_runs_total`` / ``nexus_jobs_total`` counters), through indexes that hold live rows
(``ix_runs_status``, the partial ``ix_jobs_active_skill``), so the work grows with what is
running, not with what ever ran; the budgets part is the budget module's grouped query. On
PostgreSQL it runs outside a transaction on the raw driver (no BEGIN/ROLLBACK round trips,
no SQLAlchemy execution work; ADR 0254). ``StateGauges`` caches the families for ``ttl_s``
so many scrapers (replicas of Prometheus, a dashboard refresh) cost one statement; a failed
read exposes no state families (the scrape still answers, with
``nexus_scrape_errors_total`` counting the failure).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from sqlalchemy import Float, String, cast, func, literal_column, null, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from nexus.budgets.gauges import UTILISATION, scope_utilisation
from nexus.core import metrics
from nexus.core.db import Database, UtcDateTime
from nexus.core.ids import utcnow
from nexus.core.logging import get_logger
from nexus.core.prepared import Prepared
from nexus.orchestrator import tables
from nexus.orchestrator.states import JOB_TERMINAL, RUN_TERMINAL, JobState, RunState

log = get_logger(__name__)
RUNS = tables.RUNS
JOBS = tables.JOBS
ACTIVE_RUNS = sorted(s.value for s in RunState if s not in RUN_TERMINAL)
ACTIVE = sorted(s.value for s in JobState if s not in JOB_TERMINAL)
SCRAPE_ERRORS = Counter(
    "nexus_scrape_errors", "State gauge reads that failed.", registry=metrics.REGISTRY
)


def _literals(values: list[str]) -> list[ColumnElement[str]]:
    """Constants written into the SQL, not bound: a generic plan (the step connections',
    ADR 0016) can then prove a partial index's predicate."""
    return [literal_column(f"'{v}'", String) for v in values]


def _tag(name: str) -> ColumnElement[str]:
    return literal_column(f"'{name}'", String).label("family")


NO_TEXT = cast(null(), String)
# The three parts share one row shape: family, three labels, a count, a time, a ratio.
ACTIVE_JOBS = (
    select(
        _tag("jobs"),
        JOBS.c.skill.label("a"),
        JOBS.c.pool.label("b"),
        JOBS.c.status.label("c"),
        func.count().label("n"),
        func.min(func.coalesce(JOBS.c.not_before, JOBS.c.updated_at)).label("oldest"),
        cast(null(), Float).label("ratio"),
    )
    .where(JOBS.c.status.in_(_literals(ACTIVE)), JOBS.c.deleted_at.is_(None))
    .group_by(JOBS.c.skill, JOBS.c.pool, JOBS.c.status)
)
RUNS_BY_STATE = (
    select(
        _tag("runs"),
        RUNS.c.pipeline,
        RUNS.c.status,
        NO_TEXT,
        func.count(),
        cast(null(), UtcDateTime),
        cast(null(), Float),
    )
    .where(RUNS.c.status.in_(_literals(ACTIVE_RUNS)))
    .group_by(RUNS.c.pipeline, RUNS.c.status)
)
_u = UTILISATION.subquery("utilisation")
BUDGETS = select(
    _tag("budgets"), _u.c.scope, NO_TEXT, NO_TEXT, _u.c.near_limit, cast(null(), UtcDateTime),
    _u.c.highest,
)  # fmt: skip
STATE = Prepared(union_all(ACTIVE_JOBS, RUNS_BY_STATE, BUDGETS))


async def read_rows(db: Database) -> list[Any]:
    """The rows of ``STATE``: one statement on its own (PostgreSQL: outside a transaction,
    on a step connection; SQLite: a read connection, no write lock)."""
    if db.is_sqlite:
        async with db.read() as conn:
            return (await conn.execute(STATE)).all()
    async with db.autocommit() as conn:
        return (await conn.execute(STATE)).all()


def _order(row: Any) -> tuple[str, ...]:
    return tuple(v or "" for v in row[:4])


async def read_families(db: Database) -> list[Metric]:
    runs = GaugeMetricFamily(
        "nexus_runs",
        "Active runs (pending, running, compensating) by pipeline and state.",
        labels=["pipeline", "state"],
    )
    jobs = GaugeMetricFamily(
        "nexus_jobs",
        "Active jobs (pending, ready, running, awaiting_approval) by skill and state.",
        labels=["skill", "state"],
    )
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
    rows = await read_rows(db)
    now = utcnow()
    by_skill: dict[tuple[str, str], int] = {}
    pools: dict[str, tuple[int, datetime | None]] = {}
    for family, a, b, c, n, oldest, highest in sorted(rows, key=_order):
        if family == "runs":
            runs.add_metric([a, b], n)
        elif family == "budgets":
            u = scope_utilisation(a, highest, n)
            ratio.add_metric([u.scope_kind], u.highest)
            near.add_metric([u.scope_kind], u.near_limit)
        else:
            by_skill[(a, c)] = by_skill.get((a, c), 0) + n
            if c == JobState.READY.value:
                count, first = pools.get(b, (0, None))
                pools[b] = (count + n, oldest if first is None or oldest < first else first)
    for (skill, state), n in sorted(by_skill.items()):
        jobs.add_metric([skill, state], n)
    for pool, (n, oldest) in sorted(pools.items()):
        depth.add_metric([pool], n)
        age.add_metric([pool], max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
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
