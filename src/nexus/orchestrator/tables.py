"""Orchestrator tables: runs, jobs (DAG nodes), dependencies, events, outputs, artifacts, outbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from nexus.core.db import Base, UtcDateTime
from nexus.core.ids import utcnow
from nexus.core.records import RecordColumns

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL wants BIGINT identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Run(RecordColumns, Base):
    __tablename__ = "runs"

    run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    pipeline: Mapped[str] = mapped_column(String(100))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), index=True)
    parent_run_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # {skill: version} of every job the run has had (ADR 0201); NULL on older runs.
    skill_pins: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)

    __table_args__ = (Index("ix_runs_tenant_created", "tenant_id", "created_at"),)


ACTIVE_JOBS_SQL = "status IN ('pending', 'ready', 'running', 'awaiting_approval')"


class Job(RecordColumns, Base):
    __tablename__ = "jobs"

    job_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.run_id"))
    node_key: Mapped[str] = mapped_column(String(200))
    skill: Mapped[str] = mapped_column(String(100))
    skill_version: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=3)
    variant: Mapped[int] = mapped_column(Integer, default=0)
    deps_total: Mapped[int] = mapped_column(Integer, default=0)
    deps_done: Mapped[int] = mapped_column(Integer, default=0)
    topo_order: Mapped[int] = mapped_column(Integer, default=0)
    expand: Mapped[str | None] = mapped_column(String(100), nullable=True)
    gather: Mapped[str | None] = mapped_column(String(200), nullable=True)
    parent_job_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    approved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    resource_class: Mapped[str] = mapped_column(String(8), default="cpu")
    pool: Mapped[str] = mapped_column(String(40), default="default")
    timeout_s: Mapped[float] = mapped_column(Float, default=600.0)
    cache_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    cache_hit: Mapped[bool] = mapped_column(Boolean, default=False)
    lease_owner: Mapped[str | None] = mapped_column(String(120), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    not_before: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # Not indexed on their own (jobs are reached through their run): a status change rewrites
    # every index entry of the row, so each index costs every transition (ADR 0015).
    tenant_id: Mapped[str] = mapped_column(String(64))
    project_id: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        # Soft-deleted jobs keep their key in history; only live keys are unique.
        Index(
            "uq_jobs_run_node",
            "run_id",
            "node_key",
            unique=True,
            sqlite_where=text("deleted_at IS NULL"),
            postgresql_where=text("deleted_at IS NULL"),
        ),
        Index("ix_jobs_run_status", "run_id", "status"),
        # Lease recovery scans running jobs only; other jobs have no entry to maintain.
        # The state gauges count active jobs only (scrape time, ADR 0252).
        Index(
            "ix_jobs_active_skill",
            "status",
            "skill",
            "pool",
            sqlite_where=text(ACTIVE_JOBS_SQL),
            postgresql_where=text(ACTIVE_JOBS_SQL),
        ),
        Index(
            "ix_jobs_running_lease",
            "lease_expires_at",
            sqlite_where=text("status = 'running'"),
            postgresql_where=text("status = 'running'"),
        ),
    )


class JobDep(Base):
    """Edge: ``job_id`` waits for ``upstream_job_id``. ``data`` edges feed inputs and cache keys."""

    __tablename__ = "job_deps"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.job_id"), primary_key=True)
    upstream_job_id: Mapped[str] = mapped_column(ForeignKey("jobs.job_id"), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(64), index=True)
    data: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (Index("ix_job_deps_upstream", "upstream_job_id"),)


class NodeOutput(Base):
    """Committed outputs by cache key: the memo of every node ever executed (exactly once)."""

    __tablename__ = "node_outputs"

    cache_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    output: Mapped[dict[str, Any]] = mapped_column(JSON)
    output_hash: Mapped[str] = mapped_column(String(64))
    artifacts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    job_id: Mapped[str] = mapped_column(String(64))
    attempt: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class Event(Base):
    """Append-only event log; ``event_id`` is monotonic (SSE resumes from it)."""

    __tablename__ = "events"

    event_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(60))
    run_id: Mapped[str] = mapped_column(String(64))
    job_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    tenant_id: Mapped[str] = mapped_column(String(64))
    project_id: Mapped[str] = mapped_column(String(64))
    trace_id: Mapped[str] = mapped_column(String(64), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    __table_args__ = (Index("ix_events_run_event", "run_id", "event_id"),)


class Artifact(RecordColumns, Base):
    __tablename__ = "artifacts"

    artifact_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(64), index=True)
    job_id: Mapped[str] = mapped_column(String(64), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(255))
    uri: Mapped[str] = mapped_column(Text, default="")


class Outbox(Base):
    """Jobs to publish to the broker, written in the same transaction that made them ready."""

    __tablename__ = "outbox"

    outbox_id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(String(64), index=True)
    queue: Mapped[str] = mapped_column(String(80))
    deliver_after: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class IdempotencyKey(Base):
    """Idempotency keys of run creation (API and CLI), so a retried create returns the same run."""

    __tablename__ = "idempotency_keys"

    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    run_id: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


def _table(model: type[Base]) -> Table:
    return cast(Table, model.__table__)


RUNS = _table(Run)
JOBS = _table(Job)
JOB_DEPS = _table(JobDep)
NODE_OUTPUTS = _table(NodeOutput)
EVENTS = _table(Event)
ARTIFACTS = _table(Artifact)
OUTBOX = _table(Outbox)
IDEMPOTENCY_KEYS = _table(IdempotencyKey)
