"""Agent-session tables: sessions, messages, agent runs, model turns, tool calls, the
persisted stream events and the remembered facts.

Every row carries the shared record fields (PRODUCT.md section 4). A model turn is keyed by
(agent run, turn): a retried or recovered turn job finds its recorded result and never calls
the model again (ADR 0300). Events are numbered by one autoincrement ``seq``, so a stream
resumes after the last one it saw; tokens are never rows (ADR 0301).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nexus.core.db import Base, UtcDateTime
from nexus.core.records import RecordColumns


class AgentSession(RecordColumns, Base):
    __tablename__ = "agents_sessions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "idempotency_key", name="uq_agents_sessions_idempotency"),
    )

    session_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="active")
    budget_usd: Mapped[float | None] = mapped_column(Float, nullable=True)
    spent_usd: Mapped[float] = mapped_column(Float, default=0.0)
    tokens: Mapped[int] = mapped_column(Integer, default=0)
    max_steps: Mapped[int] = mapped_column(Integer, default=12)
    run_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    engine: Mapped[str | None] = mapped_column(String(128), nullable=True)
    policy_context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    next_seq: Mapped[int] = mapped_column(Integer, default=0)  # the last message's seq
    active_run_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Idempotent creation (ADR 0309): ``idempotency_key`` (unique per tenant) and the digest
    # of the request that created it.
    request_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AgentMessage(RecordColumns, Base):
    __tablename__ = "agents_messages"
    __table_args__ = (UniqueConstraint("session_id", "seq", name="uq_agents_messages_seq"),)

    message_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    agent_run_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text, default="")
    tool_call_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    tool_calls: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    tokens: Mapped[int] = mapped_column(Integer, default=0)


class AgentRun(RecordColumns, Base):
    __tablename__ = "agents_runs"
    __table_args__ = (
        UniqueConstraint("session_id", "idempotency_key", name="uq_agents_runs_idem"),
    )

    agent_run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    run_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(24), default="running")
    steps: Mapped[int] = mapped_column(Integer, default=0)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    tokens: Mapped[int] = mapped_column(Integer, default=0)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # who asked (user, roles): the policy's principal for this run's tool calls
    principal: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    max_steps: Mapped[int] = mapped_column(Integer, default=12)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class AgentTurn(RecordColumns, Base):
    """One model turn's result, written before the turn job returns (ADR 0300)."""

    __tablename__ = "agents_turns"

    agent_run_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    turn: Mapped[int] = mapped_column(Integer, primary_key=True)
    output: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    provider: Mapped[str] = mapped_column(String(128), default="")
    model: Mapped[str] = mapped_column(String(128), default="")
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    tokens: Mapped[int] = mapped_column(Integer, default=0)
    job_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AgentToolCall(RecordColumns, Base):
    __tablename__ = "agents_tool_calls"

    tool_call_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_run_id: Mapped[str] = mapped_column(String(64), index=True)
    session_id: Mapped[str] = mapped_column(String(64))
    turn: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    model_call_id: Mapped[str] = mapped_column(String(128), default="")
    tool_name: Mapped[str] = mapped_column(String(128))
    skill: Mapped[str] = mapped_column(String(128))
    tool_version: Mapped[str] = mapped_column(String(32), default="")
    input: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    output: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    status: Mapped[str] = mapped_column(String(24), default="pending")
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    latency_ms: Mapped[float | None] = mapped_column(Float, nullable=True)
    node_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    job_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    approval_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class AgentEventRow(Base):
    __tablename__ = "agents_events"
    __table_args__ = (Index("ix_agents_events_run_seq", "agent_run_id", "seq"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    agent_run_id: Mapped[str] = mapped_column(String(64))
    tenant_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AgentMemory(RecordColumns, Base):
    """A fact the user stated, per session and per project; its vector is in the asset
    library's vector index (derived, ADR 0308), ``embed_model`` the model that indexed it."""

    __tablename__ = "agents_memories"

    memory_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    session_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    scope: Mapped[str] = mapped_column(String(16), default="project")  # session | project
    fact: Mapped[str] = mapped_column(Text)
    embed_model: Mapped[str] = mapped_column(String(128), default="")
    tool_call_id: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
