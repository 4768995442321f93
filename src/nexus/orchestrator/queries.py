"""Read-side queries for the CLI and the API: runs, jobs, events, artifacts. No writes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from nexus.contracts.errors import ErrorCode
from nexus.core.db import Conn
from nexus.core.errors import NexusError
from nexus.orchestrator import tables
from nexus.orchestrator.rows import ArtifactRow, EventRow, JobRow, RunRow

RUNS = tables.RUNS
JOBS = tables.JOBS
EVENTS = tables.EVENTS
ARTIFACTS = tables.ARTIFACTS
OUTPUTS = tables.NODE_OUTPUTS


async def read_run(conn: Conn, run_id: str, *, tenant_id: str | None = None) -> RunRow:
    stmt = select(RUNS).where(RUNS.c.run_id == run_id, RUNS.c.deleted_at.is_(None))
    if tenant_id is not None:
        stmt = stmt.where(RUNS.c.tenant_id == tenant_id)
    row = (await conn.execute(stmt)).first()
    if row is None:
        raise NexusError(ErrorCode.RUN_NOT_FOUND, f"run {run_id!r} does not exist")
    return row


async def list_runs(
    conn: Conn,
    *,
    tenant_id: str | None = None,
    project_id: str | None = None,
    status: str | None = None,
    before: str | None = None,
    limit: int = 50,
) -> list[RunRow]:
    """Newest first; ``before`` is a run_id cursor (ids are time-ordered)."""
    stmt = select(RUNS).where(RUNS.c.deleted_at.is_(None))
    if tenant_id is not None:
        stmt = stmt.where(RUNS.c.tenant_id == tenant_id)
    if project_id is not None:
        stmt = stmt.where(RUNS.c.project_id == project_id)
    if status is not None:
        stmt = stmt.where(RUNS.c.status == status)
    if before is not None:
        stmt = stmt.where(RUNS.c.run_id < before)
    return list((await conn.execute(stmt.order_by(RUNS.c.run_id.desc()).limit(limit))).all())


async def list_jobs(conn: Conn, run_id: str) -> list[JobRow]:
    stmt = (
        select(JOBS)
        .where(JOBS.c.run_id == run_id, JOBS.c.deleted_at.is_(None))
        .order_by(JOBS.c.topo_order, JOBS.c.node_key)
    )
    return list((await conn.execute(stmt)).all())


async def read_job(conn: Conn, job_id: str) -> JobRow:
    row = (await conn.execute(select(JOBS).where(JOBS.c.job_id == job_id))).first()
    if row is None:
        raise NexusError(ErrorCode.JOB_NOT_FOUND, f"job {job_id!r} does not exist")
    return row


async def read_job_by_key(conn: Conn, run_id: str, node_key: str) -> JobRow:
    row = (
        await conn.execute(
            select(JOBS).where(
                JOBS.c.run_id == run_id, JOBS.c.node_key == node_key, JOBS.c.deleted_at.is_(None)
            )
        )
    ).first()
    if row is None:
        raise NexusError(ErrorCode.JOB_NOT_FOUND, f"run {run_id} has no node {node_key!r}")
    return row


async def read_job_output(conn: Conn, job: JobRow) -> dict[str, Any] | None:
    if not job.cache_key or job.status != "succeeded":
        return None
    row = (
        await conn.execute(select(OUTPUTS.c.output).where(OUTPUTS.c.cache_key == job.cache_key))
    ).first()
    return None if row is None else row[0]


async def read_job_artifacts(conn: Conn, job: JobRow) -> list[dict[str, Any]]:
    """Artifacts of a succeeded job, also when its output came from the cache."""
    if not job.cache_key:
        return []
    row = (
        await conn.execute(select(OUTPUTS.c.artifacts).where(OUTPUTS.c.cache_key == job.cache_key))
    ).first()
    return list(row[0] or []) if row else []


async def list_events(
    conn: Conn, run_id: str, *, after_id: int = 0, limit: int = 1000
) -> list[EventRow]:
    stmt = (
        select(EVENTS)
        .where(EVENTS.c.run_id == run_id, EVENTS.c.event_id > after_id)
        .order_by(EVENTS.c.event_id)
        .limit(limit)
    )
    return list((await conn.execute(stmt)).all())


async def count_jobs_by_status(conn: Conn, run_id: str) -> dict[str, int]:
    rows = await conn.execute(
        select(JOBS.c.status, func.count())
        .where(JOBS.c.run_id == run_id, JOBS.c.deleted_at.is_(None))
        .group_by(JOBS.c.status)
    )
    return {r[0]: r[1] for r in rows}


async def list_artifacts(conn: Conn, run_id: str) -> list[ArtifactRow]:
    stmt = select(ARTIFACTS).where(ARTIFACTS.c.run_id == run_id).order_by(ARTIFACTS.c.created_at)
    return list((await conn.execute(stmt)).all())


async def list_job_deps(conn: Conn, run_id: str) -> list[Any]:
    """The edges of a run's graph: (job_id, upstream_job_id, data)."""
    deps = tables.JOB_DEPS
    stmt = select(deps.c.job_id, deps.c.upstream_job_id, deps.c.data).where(deps.c.run_id == run_id)
    return list((await conn.execute(stmt)).all())


async def list_job_artifacts(conn: Conn, run_id: str) -> list[Any]:
    """(job_id, node_key, artifacts) of a run's succeeded jobs, cache hits included: their
    artifacts are the cached output's, stored once under the run that produced them."""
    stmt = (
        select(JOBS.c.job_id, JOBS.c.node_key, OUTPUTS.c.artifacts)
        .join(OUTPUTS, OUTPUTS.c.cache_key == JOBS.c.cache_key)
        .where(JOBS.c.run_id == run_id, JOBS.c.deleted_at.is_(None), JOBS.c.status == "succeeded")
        .order_by(JOBS.c.topo_order, JOBS.c.node_key)
    )
    return list((await conn.execute(stmt)).all())


async def list_finished_runs(
    conn: Conn,
    *,
    since: datetime,
    pipelines: Sequence[str] | None = None,
    tenant_id: str | None = None,
    limit: int = 100_000,
) -> list[Any]:
    """(pipeline, status, started_at, finished_at) of runs that finished at or after ``since``
    (for the observer's SLAs); newest first, at most ``limit``."""
    stmt = select(RUNS.c.pipeline, RUNS.c.status, RUNS.c.started_at, RUNS.c.finished_at).where(
        RUNS.c.finished_at.is_not(None), RUNS.c.finished_at >= since, RUNS.c.deleted_at.is_(None)
    )
    if pipelines is not None:
        stmt = stmt.where(RUNS.c.pipeline.in_(list(pipelines)))
    if tenant_id is not None:
        stmt = stmt.where(RUNS.c.tenant_id == tenant_id)
    stmt = stmt.order_by(RUNS.c.finished_at.desc()).limit(limit)
    return list((await conn.execute(stmt)).all())
