"""Agent-session contracts (issue 15): the records of a conversation and the events a client
streams. Shared by the agent module (``nexus.agents``, which owns the tables), the gateway
(``/api/v1/sessions``), the CLI (``nexus chat``), the studio web (through the OpenAPI
document) and ``bench/agent``.

A session is a conversation of one user in one project. Each user message starts an *agent
run*: an orchestrator run whose jobs are the model turns and the tool calls (each durable,
each one job), ending with the assistant's answer. A tool is a skill of the registry
(``contracts.governance.SkillSpec``) the tenant's policy allows for ``tool.call``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from nexus.contracts.base import RecordFields, StrictModel

SessionStatus = Literal["active", "archived"]
MessageRole = Literal["user", "assistant", "system", "tool"]
AgentRunStatus = Literal[
    "running",  # model turns and tool calls in progress
    "waiting_approval",  # a sensitive tool call waits for a second person
    "succeeded",  # the assistant answered
    "failed",  # error_code says why: agent_step_limit, budget_exceeded, ...
    "cancelled",
]
ToolCallStatus = Literal[
    "pending", "waiting_approval", "running", "succeeded", "failed", "denied", "cancelled"
]
AgentEventKind = Literal[
    "run_started",  # data: agent_run_id, run_id (the orchestrator run)
    "token",  # data: text (a delta of the assistant's message; ephemeral, never persisted)
    "tool_call",  # data: tool_call (ToolCallRecord) as the model asked for it
    "approval_needed",  # data: tool_call, approval_id
    "tool_result",  # data: tool_call (ToolCallRecord) with its output or error
    "message",  # data: message (MessageRecord), each persisted message (assistant, tool)
    "run_finished",  # data: agent_run (AgentRunRecord), the final state, always the last
    "error",  # data: error_code, message (the run's error; run_finished follows)
]


class SessionCreate(StrictModel):
    project_id: str = Field(default="default", min_length=1, max_length=64)
    title: str = Field(default="", max_length=200)
    budget_usd: float | None = Field(
        default=None, ge=0, description="The session's spending limit; None: the project's."
    )
    max_steps: int = Field(
        default=12, ge=1, le=100, description="Model turns per agent run before agent_step_limit."
    )
    run_id: str | None = Field(
        default=None, description="The studio run the session works on (shots, plan, assets)."
    )
    engine: str | None = Field(
        default=None,
        description="A router model preference (provider/model); None: the router decides, "
        "and with no tool-calling provider the offline command engine answers.",
    )


class SessionRecord(RecordFields):
    session_id: str
    owner_id: str | None = None
    title: str = ""
    status: SessionStatus = "active"
    budget_usd: float | None = None
    spent_usd: float = 0.0
    max_steps: int = 12
    run_id: str | None = None
    engine: str | None = None
    policy_context: dict[str, Any] = Field(
        default_factory=dict, description="What the policy sees of this session (labels...)."
    )


class MessageCreate(StrictModel):
    content: str = Field(min_length=1, max_length=20_000)


class MessageRecord(StrictModel):
    message_id: str
    session_id: str
    agent_run_id: str | None = None
    seq: int = Field(description="Order within the session, from 1.")
    role: MessageRole
    content: str = ""
    tool_call_id: str | None = Field(default=None, description="For role tool: which call.")
    tool_calls: list[dict[str, Any]] = Field(
        default_factory=lambda: list[dict[str, Any]](),
        description="For role assistant: the calls it asked for.",
    )
    tokens: int = 0
    created_at: datetime | None = None


class ToolCallRecord(StrictModel):
    tool_call_id: str
    agent_run_id: str
    session_id: str
    tool_name: str
    tool_version: str = ""
    input: dict[str, Any] = Field(default_factory=dict)
    output: dict[str, Any] | None = None
    status: ToolCallStatus = "pending"
    error_code: str | None = None
    error_message: str | None = None
    latency_ms: float | None = None
    job_id: str | None = Field(default=None, description="The orchestrator job that ran it.")
    approval_id: str | None = None
    created_at: datetime | None = None
    finished_at: datetime | None = None


class AgentRunRecord(StrictModel):
    agent_run_id: str
    session_id: str
    run_id: str | None = Field(default=None, description="The orchestrator run.")
    status: AgentRunStatus = "running"
    steps: int = Field(default=0, description="Model turns taken.")
    cost_usd: float = 0.0
    tokens: int = 0
    trace_id: str = ""
    error_code: str | None = None
    error_message: str | None = None
    created_at: datetime | None = None
    finished_at: datetime | None = None


class AgentEvent(StrictModel):
    """One item of a message's stream (SSE ``event`` = kind, ``id`` = seq when persisted)."""

    kind: AgentEventKind
    seq: int | None = Field(default=None, description="Resume position; None for tokens.")
    agent_run_id: str
    data: dict[str, Any] = Field(default_factory=dict)


class ToolSpec(StrictModel):
    """A tool as the model sees it: a skill's name, description and input JSON Schema."""

    name: str = Field(description="The model-facing name (a skill name, dots as __).")
    skill: str
    version: str
    description: str = ""
    input_schema: dict[str, Any] = Field(default_factory=dict)
    sensitive: bool = Field(default=False, description="Its calls wait for approval.")
