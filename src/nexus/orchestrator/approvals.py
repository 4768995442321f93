"""Human decisions on held jobs: approve or reject (``awaiting_approval``).

Each command is one transaction (``@atomic``); the transition policy checks that the approver
is not the user who created the run.
"""

from __future__ import annotations

from nexus.contracts.errors import ErrorCode
from nexus.core.db import Conn
from nexus.core.errors import NexusError
from nexus.orchestrator import advance, ready
from nexus.orchestrator.advance import Dispatch
from nexus.orchestrator.base import CommandBase, atomic, require
from nexus.orchestrator.states import JobState, RunState
from nexus.orchestrator.transitions import transition_job


class ApprovalCommands(CommandBase):
    @atomic
    async def approve_job(self, conn: Conn, job_id: str, *, user_id: str) -> list[Dispatch]:
        """Release a held job; the approver must differ from the user who created the run."""
        job = await self._job(conn, job_id, lock=True)
        if job is None:
            raise NexusError(ErrorCode.JOB_NOT_FOUND, f"job {job_id!r} does not exist")
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
        return [await ready.enqueue(conn, job.job_id, job.pool)]

    @atomic
    async def reject_job(
        self, conn: Conn, job_id: str, *, user_id: str, reason: str = ""
    ) -> list[Dispatch]:
        """Refuse a held job: it fails (not retryable) and the run fails with compensation."""
        job = await self._job(conn, job_id, lock=True)
        if job is None:
            raise NexusError(ErrorCode.JOB_NOT_FOUND, f"job {job_id!r} does not exist")
        if job.status != JobState.AWAITING_APPROVAL.value:
            raise NexusError(ErrorCode.ILLEGAL_TRANSITION, f"job is {job.status}")
        run = await advance.read_run(conn, job.run_id)
        message = f"{job.node_key}: rejected by {user_id}" + (f": {reason}" if reason else "")
        return await advance.fail_run(
            conn, self.wiring, run, ErrorCode.APPROVAL_REJECTED, message, failed_job=job
        )
