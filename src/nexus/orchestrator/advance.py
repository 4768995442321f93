"""Moving a run forward inside one transaction: propagation to dependents (each satisfied one
decided by ``ready.make_ready``), cache hits, expansion, finishing, failure cascades and
compensation. Called only by the command functions.
"""

from __future__ import annotations

import random
from collections import deque
from typing import Any

from sqlalchemy import bindparam, select

from nexus.contracts.errors import ErrorCode
from nexus.contracts.graph import NodeSpec
from nexus.core.db import Conn
from nexus.core.ids import utcnow
from nexus.core.prepared import Prepared
from nexus.orchestrator import graph, tables
from nexus.orchestrator.ready import Claimer, make_ready
from nexus.orchestrator.ready import Dispatch as Dispatch
from nexus.orchestrator.ready import Wiring as Wiring
from nexus.orchestrator.rows import DependentRow, FinishedRow, JobRow, RunRef, RunRow
from nexus.orchestrator.states import JOB_TERMINAL, JobState, RunState
from nexus.orchestrator.transitions import (
    COMPENSATION_PREFIX,
    discard_outbox,
    transition_job,
    transition_run,
)

JOBS = tables.JOBS
RUNS = tables.RUNS
NON_TERMINAL = [s.value for s in JobState if s not in JOB_TERMINAL]
TERMINAL_VALUES = frozenset(s.value for s in JOB_TERMINAL)


def retry_delay(attempt: int, base_s: float, max_s: float) -> float:
    """Exponential backoff with equal jitter: half fixed, half random (never zero)."""
    ceiling = min(max_s, base_s * 2 ** max(0, attempt - 1))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


_RUN = select(RUNS).where(RUNS.c.run_id == bindparam("run_id"))
READ_RUN = Prepared(_RUN)
LOCK_RUN = Prepared(_RUN.with_for_update())


async def read_run(conn: Conn, run_id: str, *, lock: bool = False) -> RunRow:
    """``lock`` serialises decisions about the whole run (PostgreSQL; SQLite is serial)."""
    stmt = LOCK_RUN if lock and conn.dialect.name == "postgresql" else READ_RUN
    return (await conn.execute(stmt, {"run_id": run_id})).one()


OPEN_JOB = Prepared(
    select(JOBS.c.job_id)
    .where(
        JOBS.c.run_id == bindparam("run_id"),
        JOBS.c.status.in_(NON_TERMINAL),
        JOBS.c.deleted_at.is_(None),
    )
    .limit(1)
)


def _node_spec(job: FinishedRow) -> NodeSpec:
    return NodeSpec(
        key=job.node_key, skill=job.skill, params=job.params, expand=job.expand, gather=job.gather
    )


async def advance(
    conn: Conn,
    w: Wiring,
    run: RunRef,
    finished: list[tuple[FinishedRow, dict[str, Any]]],
    claimer: Claimer | None = None,
    counted: list[DependentRow] | None = None,
) -> list[Dispatch]:
    """Propagate jobs that just succeeded (row, output) through the graph; returns dispatches.
    With a ``claimer``, the first job made ready in its queues is claimed for it instead.
    ``counted``: the first job's dependents, already counted by its commit's statement."""
    known = {finished[0][0].job_id: counted} if counted is not None and finished else {}
    dispatches: list[Dispatch] = []
    work: deque[tuple[FinishedRow, dict[str, Any]]] = deque(finished)
    waiting: set[str] = set()  # dependents left open: the run cannot be finished by this commit
    while work:
        job, output = work.popleft()
        counted_rows = known.pop(job.job_id, None)
        if counted_rows is None:
            counted_rows = await graph.increment_dependents(conn, job.job_id)
        rows: list[JobRow] = list(counted_rows)
        if job.expand:
            children = w.registry.expander(job.expand)(_node_spec(job), output, run.params)
            more, changed = await graph.expand(conn, run, job, children, w.registry)
            refresh = {*more, *await reset_jobs(conn, run, changed)}
            rows = [r for r in rows if r.job_id not in refresh]
            rows.extend(await graph.read_rows(conn, refresh))
        candidates = graph.satisfied(rows)
        chosen = {c.job_id for c in candidates}
        waiting.difference_update(chosen)  # satisfied later in this same transaction
        waiting.update(
            r.job_id
            for r in rows
            if r.job_id not in chosen and r.status not in TERMINAL_VALUES and r.deleted_at is None
        )
        for cand in candidates:
            ready = await make_ready(conn, w, run, cand, via=job, claimer=claimer)
            if ready.status == "held":
                waiting.add(cand.job_id)
            if ready.status == "cache_hit" and ready.output is not None:
                work.append((ready.job, ready.output))
            elif ready.dispatch is not None:
                dispatches.append(ready.dispatch)
            elif ready.denial is not None:
                denial = ready.denial
                failed = await fail_run(conn, w, run, denial.code, denial.reason, failed_job=cand)
                return [*dispatches, *failed]
    # Only a commit that leaves no open job behind it may have finished the run: the check
    # locks the run row, which would otherwise serialise every leaf of a fan-out.
    if not dispatches and not waiting and not (claimer and claimer.claimed):
        await finish_run_if_done(conn, run.run_id)
    return dispatches


async def start_ready_roots(
    conn: Conn, w: Wiring, run: RunRef, job_ids: list[str]
) -> list[Dispatch]:
    """Readiness for freshly inserted or reset jobs: start those whose deps are satisfied."""
    hits: list[tuple[FinishedRow, dict[str, Any]]] = []
    dispatches: list[Dispatch] = []
    for cand in await graph.satisfied_among(conn, run.run_id, job_ids):
        ready = await make_ready(conn, w, run, cand)
        if ready.status == "cache_hit" and ready.output is not None:
            hits.append((ready.job, ready.output))
        elif ready.dispatch is not None:
            dispatches.append(ready.dispatch)
        elif ready.denial is not None:  # e.g. a root's invalid input: the run fails now
            denial = ready.denial
            failed = await fail_run(conn, w, run, denial.code, denial.reason, failed_job=cand)
            return [*dispatches, *failed]
    dispatches.extend(await advance(conn, w, run, hits))
    return dispatches


async def reset_jobs(
    conn: Conn, run: RunRef, job_ids: list[str], *, variants: dict[str, int] | None = None
) -> list[str]:
    """Send jobs and all their descendants back to PENDING (regenerate / changed inputs)."""
    affected = list(dict.fromkeys(job_ids))
    for job_id in job_ids:
        affected.extend(d for d in await graph.descendants(conn, job_id) if d not in affected)
    rows = await conn.execute(
        select(JOBS).where(JOBS.c.job_id.in_(affected), JOBS.c.deleted_at.is_(None))
    )
    for job in rows.all():
        if job.status == JobState.PENDING.value and not (variants and job.job_id in variants):
            continue
        values: dict[str, Any] = {
            "cache_key": None,
            "cache_hit": False,
            "progress": 0.0,
            "lease_owner": None,
            "lease_expires_at": None,
            "not_before": None,
            "error_code": None,
            "error_message": None,
            "max_attempts": job.attempt + job.max_attempts,
        }
        if variants and job.job_id in variants:
            values["variant"] = variants[job.job_id]
        await transition_job(
            conn, job, JobState.PENDING, run_state=RunState(run.status), values=values
        )
    await discard_outbox(conn, affected)
    await graph.recount_deps(conn, affected)
    return affected


async def _has_open_jobs(conn: Conn, run_id: str) -> bool:
    return (await conn.execute(OPEN_JOB, {"run_id": run_id})).first() is not None


async def finish_run_if_done(conn: Conn, run_id: str) -> None:
    # Lock the run first: two last jobs finishing concurrently would otherwise each see the
    # other still open (write skew) and nobody would finish the run.
    run = await read_run(conn, run_id, lock=True)
    if run.status not in (RunState.RUNNING.value, RunState.COMPENSATING.value):
        return
    if await _has_open_jobs(conn, run_id):
        return
    now = utcnow()
    if run.status == RunState.RUNNING.value:
        await transition_run(conn, run, RunState.SUCCEEDED, values={"finished_at": now})
    else:
        final = (
            RunState.CANCELLED
            if run.error_code == ErrorCode.RUN_CANCELLED.value
            else RunState.FAILED
        )
        await transition_run(conn, run, final, values={"finished_at": now})


async def fail_run(
    conn: Conn,
    w: Wiring,
    run: RunRef,
    code: ErrorCode,
    message: str,
    *,
    failed_job: JobRow | None = None,
    cancel: bool = False,
) -> list[Dispatch]:
    """Stop a run: close every open job, then compensate what succeeded (reverse topo order)."""
    run = await read_run(conn, run.run_id, lock=True)
    if failed_job is not None and failed_job.status not in (s.value for s in JOB_TERMINAL):
        await transition_job(
            conn,
            failed_job,
            JobState.FAILED,
            run_state=RunState(run.status),
            values={"error_code": code.value, "error_message": message, "finished_at": utcnow()},
        )
    # Lock the open jobs so a claim or commit racing this cancel waits, then sees it.
    open_jobs = (
        await conn.execute(
            select(JOBS)
            .where(
                JOBS.c.run_id == run.run_id,
                JOBS.c.status.in_(NON_TERMINAL),
                JOBS.c.deleted_at.is_(None),
            )
            .with_for_update()
        )
    ).all()
    for job in open_jobs:
        skip = job.status == JobState.PENDING.value and not cancel
        await transition_job(
            conn,
            job,
            JobState.SKIPPED if skip else JobState.CANCELLED,
            run_state=RunState(run.status),
            values={
                "error_code": (
                    ErrorCode.UPSTREAM_FAILED if skip else ErrorCode.RUN_CANCELLED
                ).value,
                "lease_owner": None,
                "finished_at": utcnow(),
            },
        )
    await discard_outbox(conn, [j.job_id for j in open_jobs])
    return await _compensate_or_finish(conn, w, run, code, message, cancel=cancel)


async def _compensate_or_finish(
    conn: Conn, w: Wiring, run: RunRow, code: ErrorCode, message: str, *, cancel: bool
) -> list[Dispatch]:
    done = (
        await conn.execute(
            select(JOBS)
            .where(
                JOBS.c.run_id == run.run_id,
                JOBS.c.status == JobState.SUCCEEDED.value,
                JOBS.c.deleted_at.is_(None),
                JOBS.c.cache_hit.is_(False),
            )
            .order_by(JOBS.c.topo_order.desc(), JOBS.c.node_key.desc())
        )
    ).all()
    targets = [
        j
        for j in done
        if not j.node_key.startswith(COMPENSATION_PREFIX)
        and j.skill in w.registry.skills
        and w.registry.skill(j.skill).compensate
    ]
    final_code = ErrorCode.RUN_CANCELLED if cancel else code
    values = {"error_code": final_code.value, "error_message": message}
    if not targets or run.status == RunState.COMPENSATING.value:
        final = RunState.CANCELLED if cancel else RunState.FAILED
        if run.status == RunState.RUNNING.value:
            await transition_run(conn, run, final, values={**values, "finished_at": utcnow()})
        return []
    await transition_run(conn, run, RunState.COMPENSATING, values=values)
    run = await read_run(conn, run.run_id)
    specs: list[NodeSpec] = []
    for target in targets:
        after = [specs[-1].key] if specs else []
        specs.append(
            NodeSpec(
                key=f"{COMPENSATION_PREFIX}{target.node_key}",
                skill=target.skill,
                params={"target_job_id": target.job_id},
                after=after,
            )
        )
    new_ids = await graph.insert_nodes(conn, run, specs, w.registry)
    return await start_ready_roots(conn, w, run, new_ids)
