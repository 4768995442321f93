"""Recovery: expired leases are reclaimed by any orchestrator; unclaimed outbox rows are
republished. Runs at start-up and periodically off the hot path.
"""

from __future__ import annotations

import dataclasses
import os
import socket
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from sqlalchemy import func, select, update

from nexus.contracts.errors import ErrorCode
from nexus.core import metrics, telemetry
from nexus.core.ids import utcnow
from nexus.orchestrator import advance, tables
from nexus.orchestrator.advance import Dispatch
from nexus.orchestrator.service import Orchestrator
from nexus.orchestrator.states import JobState
from nexus.orchestrator.transitions import count_after_commit

JOBS = tables.JOBS
OUTBOX = tables.OUTBOX
CRASH_ATTEMPT_CAP = 10
"""A crashed worker does not use up the skill's retry budget, up to this many attempts."""

HOST = socket.gethostname()
Publish = Callable[[Sequence[Dispatch]], Awaitable[None]]


def lease_owner_id(nonce: str) -> str:
    return f"{HOST}:{os.getpid()}:{nonce}"


def owner_is_dead_locally(owner: str) -> bool:
    """True when ``owner`` ran on this host in a process that no longer exists."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != HOST or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


async def reclaim_leases(
    orch: Orchestrator,
    *,
    include_dead_local: bool = True,
    is_dead: Callable[[str], bool] = owner_is_dead_locally,
    batch: int = 200,
) -> list[Dispatch]:
    """Running jobs whose lease expired (or whose local owner died) go back to READY."""
    now = utcnow()
    async with orch.db.read() as conn:
        stmt = select(JOBS.c.job_id, JOBS.c.lease_owner, JOBS.c.lease_expires_at).where(
            JOBS.c.status == JobState.RUNNING.value
        )
        rows = (await conn.execute(stmt)).all()
    stale = [
        r.job_id
        for r in rows
        if (r.lease_expires_at is not None and r.lease_expires_at <= now)
        or (include_dead_local and r.lease_owner and is_dead(r.lease_owner))
    ]
    dispatches: list[Dispatch] = []
    for job_id in stale[:batch]:
        dispatches.extend(await _reclaim_one(orch, job_id))
    return dispatches


async def _reclaim_one(orch: Orchestrator, job_id: str) -> list[Dispatch]:
    async with orch.transaction() as conn:
        stmt = select(JOBS).where(JOBS.c.job_id == job_id)
        if not orch.db.is_sqlite:
            stmt = stmt.with_for_update(skip_locked=True)
        job = (await conn.execute(stmt)).first()
        if job is None or job.status != JobState.RUNNING.value:
            return []
        if job.attempt < CRASH_ATTEMPT_CAP and job.attempt >= job.max_attempts:
            await conn.execute(
                update(JOBS).where(JOBS.c.job_id == job_id).values(max_attempts=job.attempt + 1)
            )
            job = (await conn.execute(select(JOBS).where(JOBS.c.job_id == job_id))).one()
        run = await advance.read_run(conn, job.run_id)
        code = ErrorCode.LEASE_EXPIRED
        _, dispatches = await orch.fail_attempt(
            conn, run, job, code, f"lease of {job.lease_owner} expired", claimed=None
        )
        count_after_commit(conn, metrics.LEASE_EXPIRIES, str(job.pool))
        count_after_commit(conn, metrics.RECOVERIES, "lease_expired")
    return traced(dispatches, "nexus.recovery.reclaim", str(job.trace_id), job_id)


def traced(dispatches: list[Dispatch], name: str, trace_id: str, job_id: str) -> list[Dispatch]:
    """Tracing on: a recovery span under the run span of the job's trace, whose traceparent
    the dispatches carry, so the next attempt joins the run's trace in whichever worker."""
    if not telemetry.ENABLED or not dispatches:
        return dispatches
    with telemetry.span(name, {"nexus.job_id": job_id}, parent=telemetry.run_parent(trace_id)):
        parent = telemetry.traceparent()
    return [dataclasses.replace(d, traceparent=parent) for d in dispatches]


async def pending_outbox(orch: Orchestrator, *, limit: int = 10_000) -> list[Dispatch]:
    """Every outbox row not yet claimed (start-up recovery: timers and messages were lost)."""
    async with orch.db.read() as conn:
        rows = (
            await conn.execute(
                select(OUTBOX.c.job_id, OUTBOX.c.queue, OUTBOX.c.deliver_after)
                .order_by(OUTBOX.c.outbox_id)
                .limit(limit)
            )
        ).all()
    metrics.RECOVERIES.labels("republished").inc(len(rows))
    return [Dispatch(r.job_id, r.queue, r.deliver_after) for r in rows]


async def relay_stale_outbox(
    orch: Orchestrator, publish: Publish, *, stale_after_s: float, limit: int = 1000
) -> int:
    """Republish rows due but unclaimed for ``stale_after_s`` (a lost message or a crash
    between commit and publish). Replicas split the rows with SKIP LOCKED; a duplicate
    message is harmless because claims are fenced."""
    cutoff = utcnow() - timedelta(seconds=stale_after_s)
    async with orch.transaction() as conn:
        stmt = (
            select(OUTBOX.c.outbox_id, OUTBOX.c.job_id, OUTBOX.c.queue, JOBS.c.trace_id)
            .join(JOBS, JOBS.c.job_id == OUTBOX.c.job_id)
            .where(func.coalesce(OUTBOX.c.published_at, OUTBOX.c.deliver_after) <= cutoff)
            .order_by(OUTBOX.c.outbox_id)
            .limit(limit)
        )
        if not orch.db.is_sqlite:
            stmt = stmt.with_for_update(skip_locked=True, of=OUTBOX)
        rows = (await conn.execute(stmt)).all()
        if not rows:
            return 0
        relayed = [
            d
            for r in rows
            for d in traced(
                [Dispatch(r.job_id, r.queue, None)],
                "nexus.recovery.relay",
                str(r.trace_id),
                str(r.job_id),
            )
        ]
        await publish(relayed)
        await conn.execute(
            update(OUTBOX)
            .where(OUTBOX.c.outbox_id.in_([r.outbox_id for r in rows]))
            .values(published_at=utcnow())
        )
    metrics.RECOVERIES.labels("relayed").inc(len(rows))
    return len(rows)
