"""Approval requests of the policy engine, decided in the orchestrator's transactions.

``decide_approval`` checks the request (tenant, requester, expiry, job, input digest),
marks it and releases or refuses what it holds in ONE transaction, so a decision and its
effect never part. ``file_holds`` files a request for every held job that has none (the
gate holds without I/O; a crash between the hold and the filing loses nothing: the next
sweep files it). ``expire_approvals`` fails what waited too long (ADR 0213).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from nexus.contracts.errors import ErrorCode
from nexus.contracts.governance import PolicyDecision, PolicyInput
from nexus.core.db import Conn
from nexus.core.errors import NexusError
from nexus.core.ids import utcnow
from nexus.governance import approvals as store
from nexus.governance.approvals import ApprovalRecord
from nexus.governance.book import PolicyBook
from nexus.orchestrator import advance, tables
from nexus.orchestrator.advance import Dispatch
from nexus.orchestrator.approvals import refuse, release
from nexus.orchestrator.base import CommandBase, atomic
from nexus.orchestrator.gate import request_for
from nexus.orchestrator.policy_gate import dispatch_input
from nexus.orchestrator.rows import JobRow, RunRef
from nexus.orchestrator.states import JobState

JOBS = tables.JOBS
RUNS = tables.RUNS
HELD = (
    select(JOBS, RUNS.c.created_by.label("run_created_by"))
    .join(RUNS, RUNS.c.run_id == JOBS.c.run_id)
    .where(JOBS.c.status == JobState.AWAITING_APPROVAL.value, JOBS.c.deleted_at.is_(None))
)
STEP_APPROVAL = "the pipeline requires approval of this step"


@dataclass(frozen=True)
class RunHold:
    """A run's creation needs approval: file the request with the run, in its transaction."""

    request: PolicyInput
    decision: PolicyDecision
    default_ttl_s: int

    async def file(self, conn: Conn, run: RunRef) -> ApprovalRecord | None:
        return await store.file_approval(
            conn,
            self.request,
            self.decision,
            run_id=run.run_id,
            job_id=None,
            project_id=run.project_id,
            requested_by=self.request.principal.user_id,
            default_ttl_s=self.default_ttl_s,
            trace_id=run.trace_id,
        )


def hold_roots(nodes: list[Any]) -> list[Any]:
    """The nodes with every root (no upstream, no gather) marked as needing approval."""
    return [
        n.model_copy(update={"requires_approval": True}) if not n.after and not n.gather else n
        for n in nodes
    ]


class PolicyApprovalCommands(CommandBase):
    policy_book: PolicyBook | None = None  # set by the platform when governance is on

    def _book(self) -> PolicyBook:
        if self.policy_book is None:
            self.policy_book = PolicyBook()
        return self.policy_book

    async def _held(self, conn: Conn, run_id: str, job_id: str | None) -> list[JobRow]:
        stmt = HELD.where(JOBS.c.run_id == run_id)
        if job_id is not None:
            stmt = stmt.where(JOBS.c.job_id == job_id)
        if not self.db.is_sqlite:
            stmt = stmt.with_for_update(of=JOBS)
        return list((await conn.execute(stmt)).all())

    @atomic
    async def decide_approval(
        self,
        conn: Conn,
        tenant_id: str,
        approval_id: str,
        *,
        user_id: str,
        approve: bool,
        note: str = "",
        job_id: str | None = None,
    ) -> tuple[ApprovalRecord, list[Dispatch]]:
        record = await store.read_approval(conn, tenant_id, approval_id)
        run = await advance.read_run(conn, record.run_id)
        store.check_decidable(
            record, user_id=user_id, run_created_by=run.created_by, now=utcnow(), job_id=job_id
        )
        held = await self._held(conn, record.run_id, record.job_id)
        if not held:
            raise NexusError(ErrorCode.CONFLICT, "nothing of this approval is waiting any more")
        if record.job_id is not None:
            digest = store.digest_of(
                dispatch_input(self.registry, request_for(record.run_id, held[0]))
            )
            if digest != record.input_digest:
                raise NexusError(
                    ErrorCode.APPROVAL_MISMATCH, "the job changed since approval was asked"
                )
        record = await store.mark(
            conn, record, "approved" if approve else "rejected", user_id=user_id, note=note
        )
        if approve:
            return record, [await release(conn, job, user_id=user_id) for job in held]
        message = f"{record.resource}: rejected by {user_id}" + (f": {note}" if note else "")
        return record, await refuse(conn, self.wiring, held[0], message=message)

    async def file_holds(self, default_ttl_s: int) -> list[ApprovalRecord]:
        """A request for every held job without one (a run-level request covers its run)."""
        async with self.db.read() as conn:
            held = list((await conn.execute(HELD)).all())
            keys = await store.pending_keys(conn) if held else set[str]()
        filed: list[ApprovalRecord] = []
        for job in held:
            if job.job_id in keys or store.pending_key(job.run_id, None) in keys:
                continue
            request = dispatch_input(self.registry, request_for(job.run_id, job))
            decision = self._book().evaluate(request)
            if decision.verdict != "needs_approval":  # a step the pipeline itself holds
                decision = PolicyDecision(
                    verdict="needs_approval",
                    reasons=[STEP_APPROVAL],
                    policy_version=decision.policy_version,
                )
            try:
                async with self.db.transaction() as conn:
                    record = await store.file_approval(
                        conn,
                        request,
                        decision,
                        run_id=job.run_id,
                        job_id=job.job_id,
                        project_id=job.project_id,
                        requested_by=job.run_created_by,
                        default_ttl_s=default_ttl_s,
                        trace_id=job.trace_id or "",
                    )
            except IntegrityError:
                continue  # filed concurrently by another sweep
            if record is not None:
                filed.append(record)
        return filed

    async def expire_approvals(self) -> list[tuple[ApprovalRecord, list[Dispatch]]]:
        """Mark due requests expired; what they still hold fails with ``approval_expired``."""
        async with self.db.read() as conn:
            due = await store.due_for_expiry(conn, utcnow())
        return [await self._expire(record) for record in due]

    @atomic
    async def _expire(
        self, conn: Conn, record: ApprovalRecord
    ) -> tuple[ApprovalRecord, list[Dispatch]]:
        held = await self._held(conn, record.run_id, record.job_id)
        try:
            record = await store.mark(conn, record, "expired", user_id=None, note="expired")
        except NexusError:
            return record, []  # decided meanwhile
        if not held:
            return record, []
        message = f"{record.resource}: approval expired at {record.expires_at.isoformat()}"
        return record, await refuse(
            conn, self.wiring, held[0], message=message, code=ErrorCode.APPROVAL_EXPIRED
        )
