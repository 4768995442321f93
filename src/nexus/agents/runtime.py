"""What the loop's two skills do: a model turn and a tool call, each durable (ADR 0300).

``turn``: recorded result -> return it (no second model call); past the step limit ->
``agent_step_limit``; session money spent -> ``budget_exceeded``; else one model call
through the router (tokens published live to the hub), then ONE transaction with the turn,
the assistant message, the spend, the tool calls (refused ones answered at once, with the
policy's reasons) and their events. ``run_tool``: a finished call returns as it is; else the
tool's skill runs (arguments validated against its input model: invalid ones are a tool
error the model sees), traced as a span, and its result is recorded with its message.
"""

from __future__ import annotations

import json
from typing import Any

from nexus.agents import prompt, store
from nexus.agents.hub import TokenHub
from nexus.agents.memory import Memory
from nexus.agents.tool_calls import ToolRunner, answer_call, principal_of
from nexus.agents.tools import ToolBox, openai_tools
from nexus.contracts.agents import AgentRunRecord, SessionRecord
from nexus.contracts.errors import ErrorCode
from nexus.contracts.governance import Principal
from nexus.core.db import Database
from nexus.core.errors import NexusError
from nexus.core.ids import new_id, utcnow
from nexus.core.logging import get_logger
from nexus.core.registry import Registry, SkillContext
from nexus.model_router import ModelClient, profiles
from nexus.model_router.calls import ChatRequest, request_tokens
from nexus.model_router.results import ChatResult
from nexus.observer.audit import AuditRecord, insert_audit

log = get_logger(__name__)
BUDGET_CODES = frozenset(
    {ErrorCode.BUDGET_EXCEEDED, ErrorCode.BUDGET_EXHAUSTED, ErrorCode.BUDGET_INSUFFICIENT}
)
MAX_TOKENS = 1024  # an agent turn's answer: short (what the budget reserves per turn)


class AgentRuntime:
    def __init__(
        self,
        db: Database,
        registry: Registry,
        models: ModelClient,
        toolbox: ToolBox,
        hub: TokenHub,
        memory: Memory,
    ) -> None:
        self.db = db
        self.registry = registry
        self.models = models
        self.toolbox = toolbox
        self.hub = hub
        self.memory = memory
        self.tools = ToolRunner(db, registry, hub)

    # -- model turns --------------------------------------------------------------------
    async def turn(self, agent_run_id: str, turn: int, ctx: SkillContext) -> dict[str, Any]:
        async with self.db.read() as conn:
            recorded = await store.read_turn(conn, agent_run_id, turn)
            if recorded is not None:
                return recorded  # recovered or retried: the model was called already
            row = await store.agent_run_row(conn, agent_run_id)
            session = await store.read_session(conn, row.tenant_id, row.session_id)
            messages = await store.list_messages(conn, session.session_id)
            model_ids = await store.model_call_ids(conn, session.session_id)
        run = store.run_of(row)
        if run.status in store.TERMINAL:
            return {"turn": turn, "calls": [], "done": True}
        if turn > row.max_steps:
            await self._fail(
                run, ErrorCode.AGENT_STEP_LIMIT, f"no answer after {row.max_steps} model turns"
            )
        if session.budget_usd is not None and session.spent_usd >= session.budget_usd:
            await self._fail(
                run,
                ErrorCode.BUDGET_EXCEEDED,
                f"the session spent ${session.spent_usd:.4f} of its ${session.budget_usd:.4f}",
            )
        principal = principal_of(row)
        specs = await self.toolbox.specs(row.tenant_id)  # read once a turn, used twice
        tools = await self.toolbox.tools(principal, session, specs)
        scope = ctx.call_scope()
        question = next((m.content for m in reversed(messages) if m.role == "user"), "")
        facts = await self.memory.recall(session, question, scope)
        chat = prompt.conversation(session, messages, model_ids, facts)
        short = self._unaffordable(session, chat, tools)
        if short is not None:
            await self._fail(run, ErrorCode.BUDGET_EXCEEDED, short)
        try:
            result = await self._chat(scope, chat, tools, session, agent_run_id)
        except NexusError as exc:
            if exc.code in BUDGET_CODES:
                await self._fail(run, ErrorCode.BUDGET_EXCEEDED, exc.detail or str(exc))
            raise
        return await self._record(row, session, principal, turn, result, tools, specs, ctx)

    async def _chat(
        self,
        scope: Any,
        chat: list[dict[str, Any]],
        tools: list[Any],
        session: SessionRecord,
        agent_run_id: str,
    ) -> ChatResult:
        def on_delta(text: str) -> None:
            self.hub.publish(agent_run_id, text)

        return await self.models.chat(
            scope,
            chat,
            tools=openai_tools(tools),
            prefer=session.engine,
            max_tokens=MAX_TOKENS,
            stream=True,
            on_delta=on_delta,
        )

    def _unaffordable(
        self, session: SessionRecord, chat: list[dict[str, Any]], tools: list[Any]
    ) -> str | None:
        """With a session budget, the turn the router would reserve must fit what is left.
        The router would otherwise fail over to the free offline engine: the session's money
        is spent, and the conversation must stop, not quietly change models (ADR 0303)."""
        if session.budget_usd is None:
            return None
        left = session.budget_usd - session.spent_usd
        request = ChatRequest(messages=chat, tools=openai_tools(tools), max_tokens=MAX_TOKENS)
        usage = profiles.estimate_usage("tools", request_tokens(request), MAX_TOKENS)
        chosen, _ = self.models.candidates(
            "tools", prefer=session.engine, project_id=session.project_id
        )
        paid = [c for c in chosen if not c.provider.offline]
        if paid and paid[0] is chosen[0]:
            need = paid[0].model.prices.cost(usage)
            if need > left + 1e-12:
                return f"the next turn needs ${need:.6f}; the session has ${left:.6f} left"
        return None

    async def _fail(self, run: AgentRunRecord, code: ErrorCode, message: str) -> None:
        async with self.db.transaction() as conn:
            await store.finish_run(
                conn, run, "failed", error_code=code.value, error_message=message
            )
        self.hub.publish(run.agent_run_id, "")
        raise NexusError(code, message)

    async def _record(
        self,
        row: Any,
        session: SessionRecord,
        principal: Principal,
        turn: int,
        result: ChatResult,
        tools: list[Any],
        specs: dict[str, Any],
        ctx: SkillContext,
    ) -> dict[str, Any]:
        by_name = {t.name: t for t in tools}
        tokens = result.usage.input_tokens + result.usage.output_tokens
        out_calls: list[dict[str, Any]] = []
        async with self.db.transaction() as conn:
            recorded = await store.read_turn(conn, row.agent_run_id, turn)
            if recorded is not None:
                return recorded
            message = await store.add_message(
                conn,
                session,
                role="assistant",
                content=result.text,
                agent_run_id=row.agent_run_id,
                tool_calls=[
                    {
                        "id": c.call_id,
                        "type": "function",
                        "function": {
                            "name": c.name,
                            "arguments": json.dumps(c.arguments, ensure_ascii=False),
                        },
                    }
                    for c in result.tool_calls
                ],
                tokens=result.usage.output_tokens,
                trace_id=row.trace_id,
            )
            await store.add_spend(
                conn, session.session_id, row.agent_run_id, result.cost_usd, tokens
            )
            await store.add_event(
                conn,
                row.agent_run_id,
                row.tenant_id,
                "message",
                {"message": message.model_dump(mode="json"), "turn": turn},
            )
            waiting = False
            for position, call in enumerate(result.tool_calls):
                node = await self._admit(
                    conn, row, session, principal, turn, position, call, by_name, specs
                )
                waiting = waiting or node["approval"]
                out_calls.append(node)
            output = {"turn": turn, "calls": out_calls, "done": not result.tool_calls}
            await store.insert_turn(
                conn,
                row,
                turn,
                output,
                provider=result.provider,
                model=result.model,
                cost_usd=result.cost_usd,
                tokens=tokens,
                job_id=ctx.job_id,
            )
            run = store.run_of(row)
            if not result.tool_calls:
                await store.finish_run(conn, run, "succeeded")
            elif waiting:
                await store.update_run(conn, row.agent_run_id, status="waiting_approval")
        self.hub.publish(row.agent_run_id, "")
        return output

    async def _admit(
        self,
        conn: Any,
        row: Any,
        session: SessionRecord,
        principal: Principal,
        turn: int,
        position: int,
        call: Any,
        by_name: dict[str, Any],
        specs: dict[str, Any],
    ) -> dict[str, Any]:
        """Record one call the model asked for; refused ones get their answer here."""
        tool = by_name.get(call.name)
        spec = specs.get(tool.skill) if tool is not None else None
        tool_call_id = new_id("tc")
        base = {
            "tool_call_id": tool_call_id,
            "turn": turn,
            "position": position,
            "model_call_id": call.call_id,
            "tool_name": call.name,
            "skill": tool.skill if tool else self.toolbox.skill_of(call.name),
            "tool_version": tool.version if tool else "",
            "input": dict(call.arguments),
            "node_key": f"tool[{turn}.{position}]",
        }
        if tool is None or spec is None:
            return await self._refuse(
                conn,
                row,
                session,
                base,
                "failed",
                ErrorCode.TOOL_NOT_FOUND,
                f"there is no tool named {call.name!r} in this session",
            )
        request, decision = self.toolbox.verdict_for_call(principal, session, spec, call.arguments)
        if decision.verdict == "deny":
            reasons = "; ".join(decision.reasons) or "the policy does not allow it"
            await insert_audit(
                conn,
                AuditRecord(
                    action="agent.tool_denied",
                    actor_type="user" if principal.user_id else "system",
                    actor_id=principal.user_id,
                    tenant_id=row.tenant_id,
                    outcome="failure",
                    target_type="tool",
                    target_id=spec.name,
                    trace_id=row.trace_id,
                    detail={
                        "session_id": session.session_id,
                        "agent_run_id": row.agent_run_id,
                        "reasons": decision.reasons,
                        "policy_version": decision.policy_version,
                        "arguments": request.context.get("arguments", {}),
                    },
                ),
            )
            return await self._refuse(
                conn, row, session, base, "denied", ErrorCode.TOOL_DENIED, f"refused: {reasons}"
            )
        approval = decision.verdict == "needs_approval" or tool.sensitive
        record = await store.insert_tool_call(
            conn, row, **base, status="waiting_approval" if approval else "pending"
        )
        await store.add_event(
            conn,
            row.agent_run_id,
            row.tenant_id,
            "tool_call",
            {"tool_call": record.model_dump(mode="json"), "reasons": decision.reasons},
        )
        return {"tool_call_id": tool_call_id, "node": True, "approval": approval}

    async def _refuse(
        self,
        conn: Any,
        row: Any,
        session: SessionRecord,
        base: dict[str, Any],
        status: str,
        code: ErrorCode,
        message: str,
    ) -> dict[str, Any]:
        record = await store.insert_tool_call(
            conn,
            row,
            **base,
            status=status,
            error_code=code.value,
            error_message=message,
            finished_at=utcnow(),
        )
        await store.add_event(
            conn,
            row.agent_run_id,
            row.tenant_id,
            "tool_call",
            {"tool_call": record.model_dump(mode="json")},
        )
        await answer_call(conn, row, session, record, {"error": message, "error_code": code.value})
        return {"tool_call_id": record.tool_call_id, "node": False, "approval": False}

    async def run_tool(self, agent_run_id: str, tool_call_id: str, ctx: SkillContext) -> str:
        return await self.tools.run(agent_run_id, tool_call_id, ctx)
