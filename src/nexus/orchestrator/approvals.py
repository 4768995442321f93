"""Human decisions on held jobs: approve or reject (``awaiting_approval``).

Each command is one transaction (``@atomic``); the transition policy checks that the approver
is not the user who created the run. ``release`` and ``refuse`` are the bodies, shared with
the policy approvals (``policy_approvals``), which decide inside their own transaction.
"""

from __future__ import annotations

from nexus.contracts.errors import ErrorCode
from nexus.core.db import Conn
from nexus.core.errors import NexusError
from nexus.orchestrator import advance, ready
from nexus.orchestrator.advance import Dispatch, Wiring
from nexus.orchestrator.base import CommandBase, atomic, require
from nexus.orchestrator.rows import JobRow
from nexus.orchestrator.states import JobState, RunState
from nexus.orchestrator.transitions import transition_job


async def release(conn: Conn, job: JobRow, *, user_id: str) -> Dispatch:
    """AWAITING_APPROVAL -> READY (``job`` read locked); the approver is not the creator."""
    run = await advance.read_run(conn, job.run_id)
    require(
        await transition_job(
            conn,
            job,
            JobState.READY,
            run_state=RunState(run.status),
            verb="approved",
            approved_by_other=run.created_by is None or run.created_by != user_id,
            values={"approved_by": user_id},
            payload={"approved_by": user_id},
        )
    )
    return await ready.enqueue(conn, job.job_id, job.pool)


async def refuse(
    conn: Conn,
    w: Wiring,
    job: JobRow,
    *,
    message: str,
    code: ErrorCode = ErrorCode.APPROVAL_REJECTED,
) -> list[Dispatch]:
    """The held job fails (not retryable) and its run fails with compensation."""
    if job.status != JobState.AWAITING_APPROVAL.value:
        raise NexusError(ErrorCode.ILLEGAL_TRANSITION, f"job is {job.status}")
    run = await advance.read_run(conn, job.run_id)
    return await advance.fail_run(conn, w, run, code, message, failed_job=job)


class ApprovalCommands(CommandBase):
    @atomic
    async def approve_job(self, conn: Conn, job_id: str, *, user_id: str) -> list[Dispatch]:
        """Release a held job; the approver must differ from the user who created the run."""
        job = await self._job(conn, job_id, lock=True)
        if job is None:
            raise NexusError(ErrorCode.JOB_NOT_FOUND, f"job {job_id!r} does not exist")
        return [await release(conn, job, user_id=user_id)]

    @atomic
    async def reject_job(
        self, conn: Conn, job_id: str, *, user_id: str, reason: str = ""
    ) -> list[Dispatch]:
        """Refuse a held job: it fails (not retryable) and the run fails with compensation."""
        job = await self._job(conn, job_id, lock=True)
        if job is None:
            raise NexusError(ErrorCode.JOB_NOT_FOUND, f"job {job_id!r} does not exist")
        message = f"{job.node_key}: rejected by {user_id}" + (f": {reason}" if reason else "")
        return await refuse(conn, self.wiring, job, message=message)
