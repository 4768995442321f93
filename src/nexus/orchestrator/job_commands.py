"""Job commands: claim under a lease, heartbeat, progress, commit an attempt (failures are in
``failures``, approvals in ``approvals``).

Every method is one transaction (``@atomic``), or on PostgreSQL one statement that is a
transaction by itself (ADR 0016). Results from workers are fenced by the attempt number they
claimed, so a stale or duplicate worker can never commit an output twice.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from nexus.contracts.tasks import ArtifactMeta, Claim, CommitReceipt, TaskSpec
from nexus.core.db import Conn
from nexus.core.ids import new_id, utcnow
from nexus.core.prepared import Prepared
from nexus.orchestrator import advance, fused_step, graph, lookahead, ready, tables
from nexus.orchestrator import eager as eager_claim
from nexus.orchestrator import events as ev
from nexus.orchestrator.advance import Dispatch
from nexus.orchestrator.base import (
    NOT_FOUND,
    CommandBase,
    is_transient_db_error,
    receipt,
    run_view,
    step_atomic,
)
from nexus.orchestrator.rows import DependentRow, FinishedRow, JobRow, RunRef
from nexus.orchestrator.statements import OutputRow
from nexus.orchestrator.states import JobState, RunState
from nexus.orchestrator.transitions import (
    COMPENSATION_PREFIX,
    append_events,
    discard_outbox,
    succeed_claimed,
    transition_job,
)
from nexus.worker_hub.ports import EagerClaim

JOBS = tables.JOBS
DEPS = tables.JOB_DEPS
OUTPUTS = tables.NODE_OUTPUTS
OUTBOX = tables.OUTBOX
ARTIFACTS = tables.ARTIFACTS

SELECT_INPUTS = Prepared(
    select(graph.UP.c.node_key, OUTPUTS.c.output, OUTPUTS.c.artifacts)
    .select_from(
        DEPS.join(graph.UP, graph.UP.c.job_id == DEPS.c.upstream_job_id).join(
            OUTPUTS, OUTPUTS.c.cache_key == graph.UP.c.cache_key
        )
    )
    .where(DEPS.c.job_id == bindparam("job_id"), DEPS.c.data.is_(True))
)
HEARTBEAT = Prepared(
    update(JOBS)
    .where(
        JOBS.c.job_id == bindparam("b_job_id"),
        JOBS.c.attempt == bindparam("b_attempt"),
        JOBS.c.status == JobState.RUNNING.value,
    )
    .values(lease_expires_at=bindparam("b_expires"))
)
SET_PROGRESS = Prepared(
    update(JOBS).where(JOBS.c.job_id == bindparam("b_job_id")).values(progress=bindparam("b_p"))
)
INSERT_OUTPUT = {
    "postgresql": Prepared(pg_insert(OUTPUTS).on_conflict_do_nothing()),
    "sqlite": Prepared(sqlite_insert(OUTPUTS).on_conflict_do_nothing()),
}
INSERT_ARTIFACTS = Prepared(insert(ARTIFACTS))
ACCEPTED = CommitReceipt(accepted=True)


class JobCommands(CommandBase):
    @step_atomic
    async def claim_job(
        self, conn: Conn, job_id: str, *, owner: str, lease_s: float
    ) -> Claim | None:
        """READY -> RUNNING under a lease for a new attempt; None if the job is not claimable.

        A step transaction: see ``database.step_commit`` (ADRs 0013, 0014)."""
        return await self.claim_in(conn, job_id, owner=owner, lease_s=lease_s)

    async def claim_in(
        self, conn: Conn, job_id: str, *, owner: str, lease_s: float
    ) -> Claim | None:
        """The claim, inside the caller's transaction."""
        job = await self._job(conn, job_id, lock=True)
        if job is None:
            return None
        now = utcnow()
        outcome = await transition_job(
            conn,
            job,
            JobState.RUNNING,
            run_state=RunState(job.run_status),
            now=now,
            values={
                "attempt": job.attempt + 1,
                "lease_owner": owner,
                "lease_expires_at": now + timedelta(seconds=lease_s),
                "started_at": now,
                "progress": 0.0,
            },
            payload={"attempt": job.attempt + 1, "owner": owner},
        )
        if not outcome.accepted:
            return None
        await discard_outbox(conn, [job_id])
        return await self.build_claim(conn, job, job.attempt + 1, owner, lease_s)

    async def build_claim(
        self,
        conn: Conn,
        job: JobRow,
        attempt: int,
        owner: str,
        lease_s: float,
        known_inputs: tuple[dict[str, Any], list[ArtifactMeta]] | None = None,
    ) -> Claim:
        """The task for a claimed job: its upstream outputs and artifacts are read, unless the
        caller already holds them (``known_inputs``: the eager claim of a job whose only
        upstream is the one just committed)."""
        if known_inputs is not None:
            inputs, artifacts = known_inputs
        else:
            rows = (await conn.execute(SELECT_INPUTS, {"job_id": job.job_id})).all()
            inputs = {r.node_key: r.output for r in rows}
            stored: list[list[dict[str, Any]] | None] = [r.artifacts for r in rows]
            artifacts = [ArtifactMeta.model_validate(a) for metas in stored for a in metas or []]
        compensation = None
        if job.node_key.startswith(COMPENSATION_PREFIX):
            target = await self._job(conn, job.params["target_job_id"])
            if target is not None:
                out = await ready.read_output(conn, target.cache_key or "")
                compensation = {"params": target.params, "output": out or {}}
        # model_construct: every field comes from rows this module wrote (validated then);
        # validating again costs ~40 µs per claim on the hot path.
        task = TaskSpec.model_construct(
            run_id=job.run_id,
            job_id=job.job_id,
            node_key=job.node_key,
            attempt=attempt,
            skill=job.skill,
            skill_version=job.skill_version,
            params=job.params,
            inputs=inputs,
            resource_class=job.resource_class,
            timeout_s=job.timeout_s,
            cache_key=job.cache_key or "",
            tenant_id=job.tenant_id,
            project_id=job.project_id,
            trace_id=job.trace_id,
        )
        return Claim.model_construct(
            task=task,
            lease_owner=owner,
            lease_s=lease_s,
            upstream_artifacts=artifacts,
            compensation=compensation,
        )

    @step_atomic
    async def heartbeat_job(self, conn: Conn, job_id: str, attempt: int, *, lease_s: float) -> bool:
        """Extend the lease of a running attempt. False: stop working, the job moved on."""
        result = await conn.execute(
            HEARTBEAT,
            {
                "b_job_id": job_id,
                "b_attempt": attempt,
                "b_expires": utcnow() + timedelta(seconds=lease_s),
            },
        )
        return bool(result.rowcount == 1)

    @step_atomic
    async def record_progress(
        self, conn: Conn, job_id: str, attempt: int, fraction: float, message: str
    ) -> None:
        job = await self._job(conn, job_id)
        if job is None or job.attempt != attempt or job.status != JobState.RUNNING.value:
            return
        await conn.execute(SET_PROGRESS, {"b_job_id": job_id, "b_p": fraction})
        await append_events(
            conn,
            [ev.job_event(job, "progressed", fraction=fraction, message=message, attempt=attempt)],
        )

    async def complete_job(
        self,
        job_id: str,
        attempt: int,
        output: dict[str, Any],
        artifacts: list[ArtifactMeta],
        claim_next: EagerClaim | None = None,
    ) -> tuple[CommitReceipt, list[Dispatch]]:
        """Commit a successful attempt's output exactly once (fenced by attempt).

        With ``claim_next``, a job this commit made ready in one of the caller's queues is
        claimed in the same transaction (saving a transaction and a broker round trip per
        step); it is returned in ``claim_next.claimed`` instead of being dispatched. A chain
        link predicted at claim time is one statement on PostgreSQL (ADR 0016)."""
        ahead = self.lookahead.take(job_id, attempt)
        if ahead is not None and claim_next is not None:
            claim_next.claimed = None
            fast = await self._one_statement_step(ahead, attempt, output, artifacts, claim_next)
            if fast is not None:
                return fast
        return await self._complete(job_id, attempt, output, artifacts, claim_next)

    async def _one_statement_step(
        self,
        ahead: lookahead.Ahead,
        attempt: int,
        output: dict[str, Any],
        artifacts: list[ArtifactMeta],
        eager: EagerClaim,
    ) -> tuple[CommitReceipt, list[Dispatch]] | None:
        """None: not applicable, a guard failed, or the connection failed; nothing was
        written unless the outcome was lost with the connection, which the ordinary
        transaction then finds committed (and refuses as a duplicate)."""
        plan = lookahead.plan_step(
            ahead, attempt, output, artifacts, eager, self.wiring.gate, utcnow()
        )
        if plan is None:
            return None
        try:
            async with self.db.autocommit() as conn:
                following = await fused_step.run_step(conn, plan.params)
                if following is None:
                    return None
                claim = await self.build_claim(
                    conn,
                    plan.successor,
                    plan.successor.attempt,
                    eager.owner,
                    eager.lease_s,
                    plan.inputs,
                )
        except Exception as exc:
            if not is_transient_db_error(exc):
                raise
            return None
        eager.claimed = claim
        self.lookahead.remember(plan.successor, following)
        return ACCEPTED, []

    @step_atomic
    async def _complete(
        self,
        conn: Conn,
        job_id: str,
        attempt: int,
        output: dict[str, Any],
        artifacts: list[ArtifactMeta],
        claim_next: EagerClaim | None,
    ) -> tuple[CommitReceipt, list[Dispatch]]:
        """The commit as one step transaction (the general form)."""
        stored = OutputRow.of(output, artifacts)
        job, counted = await succeed_claimed(conn, job_id, attempt, stored)
        if job is None:  # not the common case: read the row and let the policy explain
            return await self._complete_read(conn, job_id, attempt, output, artifacts, claim_next)
        if counted is None:  # not stored by succeed_claimed's statement (SQLite)
            await self._store_output(conn, job, attempt, stored)
        await self._store_artifacts(conn, job, artifacts)
        return ACCEPTED, await self._advance(
            conn, run_view(job), job, output, artifacts, claim_next, counted
        )

    async def _complete_read(
        self,
        conn: Conn,
        job_id: str,
        attempt: int,
        output: dict[str, Any],
        artifacts: list[ArtifactMeta],
        claim_next: EagerClaim | None,
    ) -> tuple[CommitReceipt, list[Dispatch]]:
        job = await self._job(conn, job_id, lock=True)
        if job is None:
            return NOT_FOUND, []
        run = run_view(job)
        outcome = await transition_job(
            conn,
            job,
            JobState.SUCCEEDED,
            run_state=RunState(job.run_status),
            claimed_attempt=attempt,
            values={
                "lease_owner": None,
                "lease_expires_at": None,
                "progress": 1.0,
                "finished_at": utcnow(),
            },
            payload={"attempt": attempt},
        )
        if not outcome.accepted:
            return receipt(outcome), []
        await self._store_output(conn, job, attempt, OutputRow.of(output, artifacts))
        await self._store_artifacts(conn, job, artifacts)
        return ACCEPTED, await self._advance(conn, run, job, output, artifacts, claim_next)

    async def _advance(
        self,
        conn: Conn,
        run: RunRef,
        job: FinishedRow,
        output: dict[str, Any],
        artifacts: list[ArtifactMeta],
        claim_next: EagerClaim | None,
        counted: list[DependentRow] | None = None,
    ) -> list[Dispatch]:
        claimer = None
        if claim_next is not None:
            claim_next.claimed = None
            claimer = eager_claim.Claimer(self, claim_next, job, output, artifacts)
        return await advance.advance(conn, self.wiring, run, [(job, output)], claimer, counted)

    async def _store_output(
        self, conn: Conn, job: FinishedRow, attempt: int, stored: OutputRow
    ) -> None:
        await conn.execute(
            INSERT_OUTPUT[conn.dialect.name],
            {
                "cache_key": job.cache_key,
                "tenant_id": job.tenant_id,
                "output": stored.output,
                "output_hash": stored.output_hash,
                "artifacts": stored.artifacts,
                "job_id": job.job_id,
                "attempt": attempt,
                "created_at": utcnow(),
            },
        )

    async def _store_artifacts(
        self, conn: Conn, job: FinishedRow, artifacts: list[ArtifactMeta]
    ) -> None:
        if artifacts:
            now = utcnow()
            await conn.execute(
                INSERT_ARTIFACTS,
                [
                    {
                        "artifact_id": new_id("art"),
                        "run_id": job.run_id,
                        "job_id": job.job_id,
                        "sha256": a.sha256,
                        "size_bytes": a.size_bytes,
                        "media_type": a.media_type,
                        "name": a.name,
                        "uri": a.uri,
                        "tenant_id": job.tenant_id,
                        "project_id": job.project_id,
                        "trace_id": job.trace_id,
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                    }
                    for a in artifacts
                ],
            )
