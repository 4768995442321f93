"""An approval refused or expired is an answer, not the end (ADR 0307).

The orchestrator fails a run whose held job is refused (its approvals' rule for every
pipeline). For an agent tool that is a tool result: on the next read of the agent run
(before ``reconcile`` would end it), the held call is answered ``denied`` with who refused it
and why (``tool_calls.answer_refusal``, the one path), and the conversation goes on in a
continuation run of pipeline ``agent`` built from the recorded turn: the turn's calls still
open, then the next model turn. Its idempotency key names the refused job, so racing readers
and a crash between the answer and the new run converge on one continuation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from nexus.agents import store
from nexus.agents.hub import TokenHub
from nexus.agents.loop import PIPELINE
from nexus.agents.tool_calls import answer_refusal
from nexus.contracts.errors import ErrorCode
from nexus.core.db import Conn, Database
from nexus.core.errors import NexusError
from nexus.core.ids import utcnow
from nexus.governance import approvals
from nexus.orchestrator import queries
from nexus.orchestrator.states import JobState, RunState

REFUSALS = frozenset({ErrorCode.APPROVAL_REJECTED.value, ErrorCode.APPROVAL_EXPIRED.value})


async def resume_after_refusal(
    db: Database, host: Any, budgets: Any, hub: TokenHub, agent_run_id: str
) -> bool:
    """Answer a refused tool call and continue the run; False when there is none."""
    async with db.read() as conn:
        row = await store.agent_run_row(conn, agent_run_id)
        if row.status in store.TERMINAL or row.run_id is None:
            return False
        found = await _refused(conn, row)
        if found is None:
            return False
        job, call = found
        session = await store.read_session(conn, row.tenant_id, row.session_id)
        decided = await approvals.list_approvals(
            conn, row.tenant_id, status=None, run_id=str(row.run_id)
        )
    approval = next((a for a in decided if a.job_id == job.job_id), None)
    code = ErrorCode(job.error_code)
    async with db.transaction() as conn:
        if await answer_refusal(conn, row, session, call.tool_call_id, code, _why(job, approval)):
            await _forget_holds(conn, agent_run_id)
    hub.publish(agent_run_id, "")
    left = None if session.budget_usd is None else max(0.0, session.budget_usd - session.spent_usd)

    async def give_budget(run_id: str) -> None:
        if left is not None:
            await budgets.limit_run(row.tenant_id, run_id, left)

    try:
        run_id, _ = await host.create_run(
            PIPELINE,
            {
                "agent_run_id": agent_run_id,
                "session_id": row.session_id,
                "max_steps": row.max_steps,
                "resume_turn": call.turn,
            },
            tenant_id=row.tenant_id,
            project_id=session.project_id,
            created_by=row.created_by,
            trace_id=row.trace_id,
            idempotency_key=f"agent:{agent_run_id}:{job.job_id}",
            before_publish=give_budget,
        )
    except NexusError as exc:
        async with db.transaction() as conn:
            await store.finish_run(
                conn,
                store.run_of(row),
                "failed",
                error_code=exc.code.value,
                error_message=exc.detail,
            )
        hub.publish(agent_run_id, "")
        return True
    async with db.transaction() as conn:
        await _switch(conn, row, run_id)
    hub.publish(agent_run_id, "")
    return True


async def _refused(conn: Conn, row: Any) -> tuple[Any, Any] | None:
    """The failed run's refused tool job and its held call, if that is why it failed."""
    orch = await queries.read_run(conn, str(row.run_id))
    if orch.status != RunState.FAILED.value or orch.error_code not in REFUSALS:
        return None
    jobs = await queries.list_jobs(conn, str(row.run_id))
    job = next(
        (
            j
            for j in jobs
            if j.status == JobState.FAILED.value
            and j.error_code in REFUSALS
            and str(j.node_key).startswith("tool[")
        ),
        None,
    )
    if job is None:
        return None
    tc = store.TOOL_CALLS
    call = (
        await conn.execute(
            select(tc).where(tc.c.agent_run_id == row.agent_run_id, tc.c.node_key == job.node_key)
        )
    ).first()
    return None if call is None else (job, call)


def _why(job: Any, approval: Any) -> str:
    if approval is not None and approval.status == "rejected":
        note = f": {approval.note}" if approval.note else ""
        return f"rejected by {approval.decided_by}{note}"
    if approval is not None and approval.status == "expired":
        return f"the approval expired at {approval.expires_at.isoformat()} with no decision"
    return str(job.error_message or job.error_code)


async def _forget_holds(conn: Conn, agent_run_id: str) -> None:
    """Other calls held in the failed run: their approvals went with it; the continuation's
    holds get new ones (claimed by ``reconcile`` as usual)."""
    tc = store.TOOL_CALLS
    await conn.execute(
        update(tc)
        .where(tc.c.agent_run_id == agent_run_id, tc.c.status == "waiting_approval")
        .values(approval_id=None, job_id=None, updated_at=utcnow(), version=tc.c.version + 1)
    )


async def _switch(conn: Conn, row: Any, run_id: str) -> None:
    """The agent run follows its continuation (once, however many readers race)."""
    tc, runs = store.TOOL_CALLS, store.RUNS
    held = (
        await conn.execute(
            select(tc.c.tool_call_id).where(
                tc.c.agent_run_id == row.agent_run_id, tc.c.status == "waiting_approval"
            )
        )
    ).first()
    moved = await conn.execute(
        update(runs)
        .where(runs.c.agent_run_id == row.agent_run_id, runs.c.run_id == row.run_id)
        .values(
            run_id=run_id,
            status="waiting_approval" if held else "running",
            updated_at=utcnow(),
            version=runs.c.version + 1,
        )
    )
    if moved.rowcount:
        await store.add_event(
            conn,
            row.agent_run_id,
            row.tenant_id,
            "run_started",
            {"agent_run_id": row.agent_run_id, "run_id": run_id, "trace_id": row.trace_id},
        )
