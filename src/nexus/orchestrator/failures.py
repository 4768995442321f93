"""A worker's failed attempt: retry with backoff when the error allows, else fail the job and
its run (with compensation). Also the end of an expired lease (``recovery``).

Every command is one transaction; results are fenced by the attempt number claimed.
"""

from __future__ import annotations

from datetime import timedelta

from nexus.contracts.errors import ErrorCode
from nexus.contracts.tasks import CommitReceipt
from nexus.core.db import Conn
from nexus.core.ids import utcnow
from nexus.orchestrator import advance, ready, rules
from nexus.orchestrator.advance import Dispatch
from nexus.orchestrator.base import NOT_FOUND, CommandBase, receipt, run_view, step_atomic
from nexus.orchestrator.rows import JobRow, RunRef
from nexus.orchestrator.states import JobState, RunState
from nexus.orchestrator.transitions import transition_job


class FailureCommands(CommandBase):
    @step_atomic
    async def fail_job(
        self, conn: Conn, job_id: str, attempt: int, code: ErrorCode, message: str
    ) -> tuple[CommitReceipt, list[Dispatch]]:
        """Record a failed attempt: retry with backoff if allowed, else fail the run."""
        self.lookahead.take(job_id, attempt)
        job = await self._job(conn, job_id, lock=True)
        if job is None:
            return NOT_FOUND, []
        return await self.fail_attempt(conn, run_view(job), job, code, message, claimed=attempt)

    async def fail_attempt(
        self,
        conn: Conn,
        run: RunRef,
        job: JobRow,
        code: ErrorCode,
        message: str,
        *,
        claimed: int | None,
    ) -> tuple[CommitReceipt, list[Dispatch]]:
        """Inside a command's transaction: retry the job, or fail it and then the run."""
        fence = rules.evaluate_job(
            rules.JobProposal(
                current=JobState(job.status),
                proposed=JobState.FAILED,
                run_state=RunState(run.status),
                attempt=job.attempt,
                claimed_attempt=claimed,
            )
        )
        if not fence.accepted:
            return receipt(fence), []
        delay = advance.retry_delay(job.attempt, self.wiring.retry_base_s, self.wiring.retry_max_s)
        not_before = utcnow() + timedelta(seconds=delay)
        retry = await transition_job(
            conn,
            job,
            JobState.READY,
            run_state=RunState(run.status),
            claimed_attempt=claimed,
            error_retryable=code.retryable,
            verb="rescheduled",
            values={
                "lease_owner": None,
                "lease_expires_at": None,
                "not_before": not_before,
                "error_code": code.value,
                "error_message": message[:4000],
            },
            payload={"attempt": job.attempt, "error_code": code.value, "delay_s": delay},
        )
        if retry.accepted:
            return CommitReceipt(accepted=True), [
                await ready.enqueue(conn, job.job_id, job.pool, not_before)
            ]
        final_code = code if not code.retryable else ErrorCode.RETRIES_EXHAUSTED
        outcome = await transition_job(
            conn,
            job,
            JobState.FAILED,
            run_state=RunState(run.status),
            claimed_attempt=claimed,
            values={
                "lease_owner": None,
                "lease_expires_at": None,
                "finished_at": utcnow(),
                "error_code": final_code.value,
                "error_message": message[:4000],
            },
            payload={
                "attempt": job.attempt,
                "error_code": final_code.value,
                "message": message[:500],
            },
        )
        if not outcome.accepted:
            return receipt(outcome), []
        if run.status == RunState.COMPENSATING.value:
            await advance.finish_run_if_done(conn, run.run_id)
            return CommitReceipt(accepted=True), []
        return CommitReceipt(accepted=True), await advance.fail_run(
            conn, self.wiring, run, final_code, f"{job.node_key}: {message}"[:4000]
        )
