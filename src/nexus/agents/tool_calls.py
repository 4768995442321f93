"""Tool calls as jobs (ADR 0300): a finished call returns as recorded; else the tool's skill
runs (arguments validated against its input model: invalid ones are a tool error the model
sees), traced as a span, and its result is recorded with its tool message and events."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import json
import time
from typing import Any

from pydantic import ValidationError
from sqlalchemy import update

from nexus.agents import store
from nexus.agents.hub import TokenHub
from nexus.contracts.agents import SessionRecord, ToolCallRecord
from nexus.contracts.errors import ErrorCode
from nexus.contracts.governance import Principal
from nexus.core import telemetry
from nexus.core.db import Database
from nexus.core.errors import NexusError
from nexus.core.ids import utcnow
from nexus.core.registry import Registry, SkillContext

DONE = frozenset({"succeeded", "failed", "denied", "cancelled"})


@dataclasses.dataclass
class ToolContext(SkillContext):
    """A tool skill's context: the job's, plus whose session and which call it serves."""

    session: SessionRecord | None = None
    principal: Principal | None = None
    tool_call_id: str = ""
    agent_run_id: str = ""


def principal_of(row: Any) -> Principal:
    """The policy's principal of an agent run: who posted its message, with their roles."""
    data = dict(row.principal or {})
    return Principal(
        user_id=data.get("user_id") or row.created_by,
        tenant_id=row.tenant_id,
        roles=list(data.get("roles") or []),
        via="agent",
    )


async def answer_call(
    conn: Any,
    row: Any,
    session: SessionRecord,
    record: ToolCallRecord,
    content: dict[str, Any],
) -> None:
    message = await store.add_message(
        conn,
        session,
        role="tool",
        content=json.dumps(content, ensure_ascii=False, default=str),
        agent_run_id=row.agent_run_id,
        tool_call_id=record.tool_call_id,
        trace_id=row.trace_id,
    )
    await store.add_event(
        conn,
        row.agent_run_id,
        row.tenant_id,
        "tool_result",
        {"tool_call": record.model_dump(mode="json")},
    )
    await store.add_event(
        conn,
        row.agent_run_id,
        row.tenant_id,
        "message",
        {"message": message.model_dump(mode="json")},
    )


async def answer_refusal(
    conn: Any, row: Any, session: SessionRecord, tool_call_id: str, code: ErrorCode, message: str
) -> bool:
    """THE path of an approval refused or expired: the held call becomes ``denied`` with its
    answer for the model (like a policy deny); False when another reader answered it."""
    tc = store.TOOL_CALLS
    claimed = await conn.execute(
        update(tc)
        .where(tc.c.tool_call_id == tool_call_id, tc.c.status == "waiting_approval")
        .values(
            status="denied",
            error_code=code.value,
            error_message=message,
            finished_at=utcnow(),
            updated_at=utcnow(),
            version=tc.c.version + 1,
        )
    )
    if not claimed.rowcount:
        return False
    record = await store.read_tool_call(conn, tool_call_id)
    await answer_call(conn, row, session, record, {"error": message, "error_code": code.value})
    return True


class ToolRunner:
    def __init__(self, db: Database, registry: Registry, hub: TokenHub) -> None:
        self.db = db
        self.registry = registry
        self.hub = hub

    async def run(self, agent_run_id: str, tool_call_id: str, ctx: SkillContext) -> str:
        async with self.db.read() as conn:
            tc = await store.tool_call_row(conn, tool_call_id)
            row = await store.agent_run_row(conn, agent_run_id)
            session = await store.read_session(conn, row.tenant_id, row.session_id)
        if tc.status in DONE:
            return str(tc.status)
        async with self.db.transaction() as conn:
            await store.set_tool_call(conn, tool_call_id, status="running", job_id=ctx.job_id)
            if row.status == "waiting_approval":
                await store.update_run(conn, agent_run_id, status="running")
        self.hub.publish(agent_run_id, "")
        started = time.perf_counter()
        attributes = {
            "nexus.agent_run_id": agent_run_id,
            "nexus.tool": str(tc.tool_name),
            "nexus.tool_call_id": tool_call_id,
        }
        with telemetry.span("nexus.agent.tool", attributes):
            try:
                output = await self._invoke(tc, row, session, ctx)
                status, error = "succeeded", None
            except NexusError as exc:
                output, status = None, "failed"
                error = (exc.code.value, exc.detail or str(exc))
        latency = (time.perf_counter() - started) * 1000
        async with self.db.transaction() as conn:
            record = await store.update_tool_call(
                conn,
                tool_call_id,
                status=status,
                output=output,
                error_code=error[0] if error else None,
                error_message=error[1] if error else None,
                latency_ms=latency,
                finished_at=utcnow(),
            )
            content = output if error is None else {"error": error[1], "error_code": error[0]}
            await answer_call(conn, row, session, record, content or {})
        self.hub.publish(agent_run_id, "")
        return status

    async def _invoke(
        self, tc: Any, row: Any, session: SessionRecord, ctx: SkillContext
    ) -> dict[str, Any]:
        skill = self.registry.skill(str(tc.skill))
        try:
            inp = skill.input_model.model_validate(tc.input or {})
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(x) for x in e['loc']) or 'arguments'}: {e['msg']}"
                for e in exc.errors()
            )
            raise NexusError(ErrorCode.TOOL_INPUT_INVALID, problems) from None
        fields = {f.name: getattr(ctx, f.name) for f in dataclasses.fields(SkillContext)}
        tool_ctx = ToolContext(
            **fields,
            session=session,
            principal=principal_of(row),
            tool_call_id=str(tc.tool_call_id),
            agent_run_id=str(row.agent_run_id),
        )
        if skill.executor == "async":
            result = skill.handler(inp, tool_ctx)
            if inspect.isawaitable(result):
                result = await result
        else:
            result = await asyncio.to_thread(skill.handler, inp, tool_ctx)
        if hasattr(result, "model_dump"):
            return dict(result.model_dump(mode="json"))
        return dict(result)
