"""Reconciling an agent run with its orchestrator run, on every read of it (ADR 0300,
ADR 0302): a run that ended outside a turn (an approval refused or expired, a tool that
failed past its retries, a cancel) ends the agent run, its open tool calls cancelled; a
held tool call gets the approval the policy upkeep filed for its job, and the stream its
``approval_needed`` event (claimed once, however many readers race)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from nexus.agents import store
from nexus.agents.hub import TokenHub
from nexus.contracts.agents import ToolCallRecord
from nexus.contracts.errors import ErrorCode
from nexus.core.db import Conn, Database
from nexus.governance import approvals
from nexus.orchestrator import queries
from nexus.orchestrator.states import RUN_TERMINAL, RunState


async def reconcile(db: Database, hub: TokenHub, agent_run_id: str) -> None:
    """Bring the agent run in line with its orchestrator run: end it when the run ended
    outside a turn; give held tool calls their approval (and ``approval_needed``)."""
    async with db.read() as conn:
        row = await store.agent_run_row(conn, agent_run_id)
        if row.status in store.TERMINAL or row.run_id is None:
            return
        orch = await queries.read_run(conn, row.run_id)
        held = [
            c
            for c in await store.list_tool_calls(conn, agent_run_id)
            if c.status == "waiting_approval" and c.approval_id is None
        ]
    if RunState(orch.status) in RUN_TERMINAL:
        await _end(db, hub, row, orch)
        return
    if held:
        await _file_approvals(db, hub, row, held)


async def _end(db: Database, hub: TokenHub, row: Any, orch: Any) -> None:
    status = "cancelled" if orch.status == RunState.CANCELLED.value else "failed"
    if orch.status == RunState.SUCCEEDED.value:
        status = "succeeded"
    code = None if status == "succeeded" else (orch.error_code or ErrorCode.INTERNAL.value)
    async with db.transaction() as conn:
        run = store.run_of(row)
        for call in await store.list_tool_calls(conn, row.agent_run_id):
            if call.status in ("pending", "waiting_approval", "running"):
                await store.set_tool_call(
                    conn, call.tool_call_id, status="cancelled", error_code=code
                )
        await store.finish_run(conn, run, status, error_code=code, error_message=orch.error_message)
    hub.publish(row.agent_run_id, "")


async def _file_approvals(
    db: Database, hub: TokenHub, row: Any, held: list[ToolCallRecord]
) -> None:
    async with db.read() as conn:
        pending = await approvals.list_approvals(conn, row.tenant_id, run_id=row.run_id)
        jobs = {j.node_key: j.job_id for j in await queries.list_jobs(conn, str(row.run_id))}
        keys = {
            c.tool_call_id: (await store.tool_call_row(conn, c.tool_call_id)).node_key for c in held
        }
    by_job = {a.job_id: a for a in pending if a.job_id}
    for call in held:
        job_id = jobs.get(str(keys[call.tool_call_id]))
        found = by_job.get(job_id) if job_id else None
        if found is None:
            continue
        async with db.transaction() as conn:
            if not await _claim_approval(conn, call.tool_call_id, found.approval_id, job_id):
                continue
            record = await store.read_tool_call(conn, call.tool_call_id)
            await store.add_event(
                conn,
                row.agent_run_id,
                row.tenant_id,
                "approval_needed",
                {
                    "tool_call": record.model_dump(mode="json"),
                    "approval_id": found.approval_id,
                    "reasons": found.reasons,
                    "expires_at": found.expires_at.isoformat(),
                },
            )
        hub.publish(row.agent_run_id, "")


async def _claim_approval(
    conn: Conn, tool_call_id: str, approval_id: str, job_id: str | None
) -> bool:
    """Set the approval once (False: another reader did)."""
    tc = store.TOOL_CALLS
    result = await conn.execute(
        update(tc)
        .where(tc.c.tool_call_id == tool_call_id, tc.c.approval_id.is_(None))
        .values(approval_id=approval_id, job_id=job_id)
    )
    return bool(result.rowcount)
