"""The orchestrator's commands. Each public method owns exactly one transaction and returns
the jobs to publish after commit; nothing else in Nexus changes run or job state.

Run-level commands live here; job-level ones (claim, commit, fail, approve) in
``job_commands``; the transaction and its deadlock retry in ``base``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, select

from nexus.contracts.errors import ErrorCode
from nexus.core.db import Conn
from nexus.core.errors import NexusError
from nexus.core.ids import canonical_json, new_id, sha256_hex, utcnow
from nexus.orchestrator import advance, graph, rules, tables
from nexus.orchestrator import events as ev
from nexus.orchestrator.advance import Dispatch
from nexus.orchestrator.approvals import ApprovalCommands
from nexus.orchestrator.base import atomic
from nexus.orchestrator.dispatch_events import DispatchEventCommands
from nexus.orchestrator.failures import FailureCommands
from nexus.orchestrator.job_commands import JobCommands
from nexus.orchestrator.policy_approvals import PolicyApprovalCommands, RunHold, hold_roots
from nexus.orchestrator.states import RUN_TERMINAL, JobState, RunState
from nexus.orchestrator.transitions import COMPENSATION_PREFIX, append_events, transition_run

JOBS = tables.JOBS
RUNS = tables.RUNS
IDEM = tables.IDEMPOTENCY_KEYS
SELECT_IDEM = select(IDEM).where(
    IDEM.c.tenant_id == bindparam("tenant_id"), IDEM.c.key == bindparam("key")
)
REOPENABLE = (JobState.FAILED.value, JobState.CANCELLED.value, JobState.SKIPPED.value)


class Orchestrator(
    JobCommands,
    FailureCommands,
    ApprovalCommands,
    PolicyApprovalCommands,
    DispatchEventCommands,
):
    async def create_run(
        self,
        pipeline: str,
        params: dict[str, Any],
        *,
        tenant_id: str = "local",
        project_id: str = "default",
        created_by: str | None = None,
        idempotency_key: str | None = None,
        trace_id: str = "",
        parent_run_id: str | None = None,
        hold: RunHold | None = None,
    ) -> tuple[str, bool, list[Dispatch]]:
        """Create and start a run. Returns (run_id, created, dispatches); a repeated
        idempotency key with the same request returns the original run with created=False.
        ``hold``: the policy asks approval of the run; its root jobs wait for it (ADR 0212)."""
        spec = self.registry.pipeline(pipeline)
        validated = spec.params_model.model_validate(params)
        clean = validated.model_dump(mode="json")
        request = {
            "pipeline": pipeline,
            "params": clean,
            "project_id": project_id,
            "tenant_id": tenant_id,
            "created_by": created_by,
            "trace_id": trace_id,
            "parent_run_id": parent_run_id,
            "hold": hold,
        }
        nodes = await spec.nodes(validated, tenant_id, project_id)
        if hold is not None:
            nodes = hold_roots(nodes)
        return await self._insert_run(nodes, request, idempotency_key)

    @atomic
    async def _insert_run(
        self, conn: Conn, nodes: list[Any], req: dict[str, Any], idempotency_key: str | None
    ) -> tuple[str, bool, list[Dispatch]]:
        tenant_id = req["tenant_id"]
        request_hash = sha256_hex(
            canonical_json({k: req[k] for k in ("pipeline", "params", "project_id")})
        )
        if idempotency_key:
            existing = await self._check_idempotency(conn, tenant_id, idempotency_key, request_hash)
            if existing:
                return existing, False, []
        run_id, now = new_id("run"), utcnow()
        pins = graph.pins_for(nodes, self.registry)
        await conn.execute(
            insert(RUNS).values(
                run_id=run_id,
                pipeline=req["pipeline"],
                params=req["params"],
                status=RunState.PENDING.value,
                tenant_id=tenant_id,
                project_id=req["project_id"],
                trace_id=req["trace_id"] or run_id[-32:],
                correlation_id=run_id,
                idempotency_key=idempotency_key,
                created_by=req["created_by"],
                parent_run_id=req["parent_run_id"],
                skill_pins=pins,
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
        if idempotency_key:
            await conn.execute(
                insert(IDEM).values(
                    tenant_id=tenant_id,
                    key=idempotency_key,
                    request_hash=request_hash,
                    run_id=run_id,
                    expires_at=now + timedelta(seconds=self.idempotency_ttl_s),
                )
            )
        run = await advance.read_run(conn, run_id)
        await append_events(conn, [ev.run_event(run, "created", params=req["params"])])
        job_ids = await graph.insert_nodes(conn, run, nodes, self.registry, pins=pins)
        if req["hold"] is not None:
            await req["hold"].file(conn, run)
        await transition_run(conn, run, RunState.RUNNING, values={"started_at": now})
        run = await advance.read_run(conn, run_id)
        return run_id, True, await advance.start_ready_roots(conn, self.wiring, run, job_ids)

    async def _check_idempotency(
        self, conn: Conn, tenant_id: str, key: str, request_hash: str
    ) -> str | None:
        row = (await conn.execute(SELECT_IDEM, {"tenant_id": tenant_id, "key": key})).first()
        if row is None:
            return None
        if row.expires_at <= utcnow():
            await conn.execute(delete(IDEM).where(IDEM.c.tenant_id == tenant_id, IDEM.c.key == key))
            return None
        if row.request_hash != request_hash:
            raise NexusError(ErrorCode.IDEMPOTENCY_MISMATCH)
        return str(row.run_id)

    @atomic
    async def cancel_run(
        self, conn: Conn, run_id: str, *, reason: str = "cancelled by user"
    ) -> list[Dispatch]:
        run = await self._run(conn, run_id)
        if RunState(run.status) in RUN_TERMINAL or run.status == RunState.COMPENSATING.value:
            raise NexusError(ErrorCode.ILLEGAL_TRANSITION, f"run is already {run.status}")
        return await advance.fail_run(
            conn, self.wiring, run, ErrorCode.RUN_CANCELLED, reason, cancel=True
        )

    @atomic
    async def retry_run(self, conn: Conn, run_id: str) -> list[Dispatch]:
        """Re-open a failed or cancelled run: what did not succeed (or was undone) runs again."""
        run = await self._run(conn, run_id)
        if (
            run.status == RunState.SUCCEEDED.value
            or not rules.evaluate_run(RunState(run.status), RunState.RUNNING).accepted
        ):
            raise NexusError(ErrorCode.ILLEGAL_TRANSITION, f"run is {run.status}")
        jobs = (
            await conn.execute(
                select(JOBS).where(JOBS.c.run_id == run_id, JOBS.c.deleted_at.is_(None))
            )
        ).all()
        comp = [j for j in jobs if j.node_key.startswith(COMPENSATION_PREFIX)]
        undone = {
            j.params.get("target_job_id") for j in comp if j.status == JobState.SUCCEEDED.value
        }
        await graph.retire(conn, [j.job_id for j in comp])
        await transition_run(
            conn,
            run,
            RunState.RUNNING,
            values={"error_code": None, "error_message": None, "finished_at": None},
        )
        run = await advance.read_run(conn, run_id)
        comp_ids = {j.job_id for j in comp}
        redo = [
            j.job_id
            for j in jobs
            if j.job_id not in comp_ids and (j.status in REOPENABLE or j.job_id in undone)
        ]
        variants = {j.job_id: j.variant + 1 for j in jobs if j.job_id in undone}
        affected = await advance.reset_jobs(conn, run, redo, variants=variants)
        return await advance.start_ready_roots(conn, self.wiring, run, affected)

    @atomic
    async def regenerate(
        self, conn: Conn, run_id: str, node_key: str, *, variant: int | None = None
    ) -> tuple[list[str], list[Dispatch]]:
        """Re-run one node (with a new variant) and exactly its descendants."""
        run = await self._run(conn, run_id)
        job = (
            await conn.execute(
                select(JOBS).where(
                    JOBS.c.run_id == run_id,
                    JOBS.c.node_key == node_key,
                    JOBS.c.deleted_at.is_(None),
                )
            )
        ).first()
        if job is None:
            raise NexusError(ErrorCode.JOB_NOT_FOUND, f"run has no node {node_key!r}")
        if run.status == RunState.COMPENSATING.value:
            raise NexusError(ErrorCode.ILLEGAL_TRANSITION, "run is compensating")
        tree = [job.job_id, *await graph.descendants(conn, job.job_id)]
        busy = (
            await conn.execute(
                select(JOBS.c.node_key).where(
                    JOBS.c.job_id.in_(tree), JOBS.c.status == JobState.RUNNING.value
                )
            )
        ).first()
        if busy is not None:
            raise NexusError(ErrorCode.CONFLICT, f"node {busy[0]!r} is running; retry later")
        if RunState(run.status) in RUN_TERMINAL:
            await transition_run(
                conn,
                run,
                RunState.RUNNING,
                values={"error_code": None, "error_message": None, "finished_at": None},
            )
            run = await advance.read_run(conn, run_id)
        new_variant = variant if variant is not None else job.variant + 1
        await append_events(conn, [ev.job_event(job, "regenerated", variant=new_variant)])
        affected = await advance.reset_jobs(
            conn, run, [job.job_id], variants={job.job_id: new_variant}
        )
        return affected, await advance.start_ready_roots(conn, self.wiring, run, affected)
