"""The agent loop as a durable orchestrator pipeline (ADR 0300).

Pipeline ``agent``: its one root is ``turn[1]`` (skill ``agent.model_turn``, expander
``agent.next``). A turn calls the model once, and before it returns records in the agent's
tables (one transaction) its result, the assistant message, the tool calls and their events;
a retried or recovered turn finds that row and never calls the model again. The expander
turns the output into one ``tool[n.i]`` node per allowed call (parallel fan-out; sensitive
ones held for approval) plus ``turn[n+1]`` after them (the gather); a turn without calls
ends the run. A turn past the session's step limit fails with ``agent_step_limit``; a turn
the budget cannot pay fails with ``budget_exceeded``; either way what was said is kept.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from nexus.agents import store
from nexus.agents.runtime import AgentRuntime
from nexus.agents.tool_calls import DONE
from nexus.contracts.governance import SkillPermissions
from nexus.contracts.graph import NodeSpec
from nexus.core.db import Database
from nexus.core.registry import Pipeline, Registry, RetryPolicy, Skill, SkillContext

PIPELINE = "agent"
POOL = "agent"  # its own consumers: a tool waiting on a studio run never starves the studio


class AgentParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent_run_id: str = Field(min_length=1, max_length=64)
    session_id: str = Field(min_length=1, max_length=64)
    max_steps: int = Field(default=12, ge=1, le=100)
    # A continuation after a refused approval (ADR 0307): the turn whose open calls it runs.
    resume_turn: int | None = Field(default=None, ge=1)


class TurnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent_run_id: str
    turn: int = Field(ge=1)


class CallNode(BaseModel):
    tool_call_id: str
    node: bool = Field(description="Runs as a tool node (False: refused, answered already).")
    approval: bool = False


class TurnOut(BaseModel):
    turn: int
    calls: list[CallNode] = Field(default_factory=lambda: list[CallNode]())
    done: bool = False


class ToolIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent_run_id: str
    tool_call_id: str


class ToolOut(BaseModel):
    tool_call_id: str
    status: str


def turn_node(agent_run_id: str, turn: int, after: list[str] | None = None) -> NodeSpec:
    return NodeSpec(
        key=f"turn[{turn}]",
        skill="agent.model_turn",
        params={"agent_run_id": agent_run_id, "turn": turn},
        after=after or [],
        expand="agent.next",
    )


def build_agent(p: AgentParams) -> list[NodeSpec]:
    return [turn_node(p.agent_run_id, 1)]


def _calls_then_turn(agent_run_id: str, out: TurnOut, keep: dict[str, bool]) -> list[NodeSpec]:
    """One node per kept call (``keep``: id -> held for approval), then the next turn."""
    tools = [
        NodeSpec(
            key=f"tool[{out.turn}.{i}]",
            skill="agent.tool",
            params={"agent_run_id": agent_run_id, "tool_call_id": call.tool_call_id},
            requires_approval=keep[call.tool_call_id],
        )
        for i, call in enumerate(out.calls)
        if call.tool_call_id in keep
    ]
    return [*tools, turn_node(agent_run_id, out.turn + 1, [t.key for t in tools])]


def next_nodes(parent: NodeSpec, output: dict[str, Any], run: dict[str, Any]) -> list[NodeSpec]:
    """``agent.next``: the turn's tool calls (in parallel), then the next turn after them."""
    out = TurnOut.model_validate(output)
    if out.done or not out.calls:
        return []
    keep = {c.tool_call_id: c.approval for c in out.calls if c.node}
    return _calls_then_turn(str(run["agent_run_id"]), out, keep)


async def resumed_nodes(db: Database, p: AgentParams) -> list[NodeSpec]:
    """A continuation (ADR 0307): the recorded turn's calls still open (held ones held
    again), then the next turn; a plain run is ``build_agent``'s."""
    if p.resume_turn is None:
        return build_agent(p)
    async with db.read() as conn:
        output = await store.read_turn(conn, p.agent_run_id, p.resume_turn)
        status = {
            c.tool_call_id: c.status for c in await store.list_tool_calls(conn, p.agent_run_id)
        }
    if output is None:
        return [turn_node(p.agent_run_id, p.resume_turn)]
    out = TurnOut.model_validate(output)
    keep = {
        c.tool_call_id: status.get(c.tool_call_id) == "waiting_approval"
        for c in out.calls
        if c.node and status.get(c.tool_call_id) not in DONE
    }
    return _calls_then_turn(p.agent_run_id, out, keep)


def _runtime(registry: Registry) -> AgentRuntime:
    return registry.services["agents"]


def register(registry: Registry) -> None:
    async def model_turn(inp: TurnIn, ctx: SkillContext) -> TurnOut:
        return TurnOut.model_validate(
            await _runtime(registry).turn(inp.agent_run_id, inp.turn, ctx)
        )

    async def tool(inp: ToolIn, ctx: SkillContext) -> ToolOut:
        status = await _runtime(registry).run_tool(inp.agent_run_id, inp.tool_call_id, ctx)
        return ToolOut(tool_call_id=inp.tool_call_id, status=status)

    quick = RetryPolicy(max_attempts=3, base_s=0.05, max_s=1.0)
    registry.add_skill(
        Skill(
            "agent.model_turn",
            "1",
            TurnIn,
            TurnOut,
            model_turn,
            resource_class="io",
            pool=POOL,
            retry=quick,
            timeout_s=300,
            capability="tools",
            category="agent",
            description="One model turn of an agent run (recorded before it returns).",
            permissions=SkillPermissions(network_hosts=["provider:*"], cpu_time_s=300),
        )
    )
    registry.add_skill(
        Skill(
            "agent.tool",
            "1",
            ToolIn,
            ToolOut,
            tool,
            resource_class="io",
            pool=POOL,
            retry=quick,
            timeout_s=900,
            category="agent",
            description="One tool call of an agent run: the tool's skill, idempotent per call.",
            permissions=SkillPermissions(cpu_time_s=900),
        )
    )
    registry.add_expander("agent.next", next_nodes)

    async def build(p: AgentParams, tenant_id: str, project_id: str) -> list[NodeSpec]:
        return await resumed_nodes(_runtime(registry).db, p)

    registry.add_pipeline(
        Pipeline(
            PIPELINE,
            AgentParams,
            build_agent,
            description="An agent session's message.",
            build_in_project=build,
        )
    )
