"""Reads and writes of the agent tables, inside the caller's transaction (``Conn``).

Every read is tenant-scoped where a caller names an id: another tenant's session or run is
``session_not_found``, never its data. Messages take the session's next ``seq`` from the
session row itself (an ``UPDATE ... RETURNING``), so parallel tool results never collide.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, func, insert, select, update

from nexus.agents import tables
from nexus.contracts.agents import (
    AgentEvent,
    AgentRunRecord,
    MessageRecord,
    SessionRecord,
    ToolCallRecord,
)
from nexus.contracts.errors import ErrorCode
from nexus.core.db import Conn
from nexus.core.errors import NexusError
from nexus.core.ids import new_id, utcnow

SESSIONS = cast(Table, tables.AgentSession.__table__)
MESSAGES = cast(Table, tables.AgentMessage.__table__)
RUNS = cast(Table, tables.AgentRun.__table__)
TURNS = cast(Table, tables.AgentTurn.__table__)
TOOL_CALLS = cast(Table, tables.AgentToolCall.__table__)
EVENTS = cast(Table, tables.AgentEventRow.__table__)
MEMORIES = cast(Table, tables.AgentMemory.__table__)
TERMINAL = frozenset({"succeeded", "failed", "cancelled"})


def _fields(row: Any, model: type[Any]) -> dict[str, Any]:
    data = dict(row._mapping)
    return {k: v for k, v in data.items() if k in model.model_fields}


def session_of(row: Any) -> SessionRecord:
    return SessionRecord(**_fields(row, SessionRecord))


def message_of(row: Any) -> MessageRecord:
    return MessageRecord(**_fields(row, MessageRecord))


def run_of(row: Any) -> AgentRunRecord:
    return AgentRunRecord(**_fields(row, AgentRunRecord))


def tool_call_of(row: Any) -> ToolCallRecord:
    return ToolCallRecord(**_fields(row, ToolCallRecord))


def event_of(row: Any) -> AgentEvent:
    return AgentEvent(kind=row.kind, seq=row.seq, agent_run_id=row.agent_run_id, data=row.data)


def _stamp(**values: Any) -> dict[str, Any]:
    now = utcnow()
    return {"created_at": now, "updated_at": now, "version": 1, **values}


# -- sessions -----------------------------------------------------------------------------
async def insert_session(conn: Conn, **values: Any) -> SessionRecord:
    row = _stamp(session_id=new_id("ses"), spent_usd=0.0, tokens=0, next_seq=0, **values)
    await conn.execute(insert(SESSIONS), [row])
    return await read_session(conn, row["tenant_id"], row["session_id"])


async def read_session(
    conn: Conn, tenant_id: str, session_id: str, *, lock: bool = False
) -> SessionRecord:
    return session_of(await session_row(conn, tenant_id, session_id, lock=lock))


async def session_row(conn: Conn, tenant_id: str, session_id: str, *, lock: bool = False) -> Any:
    stmt = select(SESSIONS).where(
        SESSIONS.c.session_id == session_id,
        SESSIONS.c.tenant_id == tenant_id,
        SESSIONS.c.deleted_at.is_(None),
    )
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = (await conn.execute(stmt)).first()
    if row is None:
        raise NexusError(ErrorCode.SESSION_NOT_FOUND, f"session {session_id!r} does not exist")
    return row


async def list_sessions(
    conn: Conn, tenant_id: str, *, project_id: str | None, before: str | None, limit: int
) -> list[SessionRecord]:
    stmt = select(SESSIONS).where(
        SESSIONS.c.tenant_id == tenant_id, SESSIONS.c.deleted_at.is_(None)
    )
    if project_id is not None:
        stmt = stmt.where(SESSIONS.c.project_id == project_id)
    if before is not None:
        stmt = stmt.where(SESSIONS.c.session_id < before)
    rows = await conn.execute(stmt.order_by(SESSIONS.c.session_id.desc()).limit(limit))
    return [session_of(r) for r in rows]


async def update_session(conn: Conn, session_id: str, **values: Any) -> None:
    await conn.execute(
        update(SESSIONS)
        .where(SESSIONS.c.session_id == session_id)
        .values(updated_at=utcnow(), version=SESSIONS.c.version + 1, **values)
    )


async def add_spend(
    conn: Conn, session_id: str, agent_run_id: str, usd: float, tokens: int
) -> None:
    await conn.execute(
        update(SESSIONS)
        .where(SESSIONS.c.session_id == session_id)
        .values(
            spent_usd=SESSIONS.c.spent_usd + usd,
            tokens=SESSIONS.c.tokens + tokens,
            updated_at=utcnow(),
        )
    )
    await conn.execute(
        update(RUNS)
        .where(RUNS.c.agent_run_id == agent_run_id)
        .values(
            cost_usd=RUNS.c.cost_usd + usd,
            tokens=RUNS.c.tokens + tokens,
            steps=RUNS.c.steps + 1,
            updated_at=utcnow(),
        )
    )


# -- messages -----------------------------------------------------------------------------
async def _next_seq(conn: Conn, session_id: str) -> int:
    stmt = (
        update(SESSIONS)
        .where(SESSIONS.c.session_id == session_id)
        .values(next_seq=SESSIONS.c.next_seq + 1)
        .returning(SESSIONS.c.next_seq)
    )
    return int((await conn.execute(stmt)).scalar_one())


async def add_message(
    conn: Conn,
    session: SessionRecord,
    *,
    role: str,
    content: str,
    agent_run_id: str | None,
    tool_call_id: str | None = None,
    tool_calls: list[dict[str, Any]] | None = None,
    tokens: int = 0,
    trace_id: str = "",
    idempotency_key: str | None = None,
) -> MessageRecord:
    seq = await _next_seq(conn, session.session_id)
    row = _stamp(
        message_id=new_id("msg"),
        session_id=session.session_id,
        tenant_id=session.tenant_id,
        project_id=session.project_id,
        agent_run_id=agent_run_id,
        seq=seq,
        role=role,
        content=content,
        tool_call_id=tool_call_id,
        tool_calls=tool_calls or [],
        tokens=tokens,
        trace_id=trace_id,
        idempotency_key=idempotency_key,
    )
    await conn.execute(insert(MESSAGES), [row])
    return MessageRecord(**{k: v for k, v in row.items() if k in MessageRecord.model_fields})


async def list_messages(
    conn: Conn, session_id: str, *, after_seq: int = 0, limit: int | None = None
) -> list[MessageRecord]:
    stmt = (
        select(MESSAGES)
        .where(MESSAGES.c.session_id == session_id, MESSAGES.c.seq > after_seq)
        .order_by(MESSAGES.c.seq)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return [message_of(r) for r in await conn.execute(stmt)]


# -- agent runs ---------------------------------------------------------------------------
async def insert_run(conn: Conn, session: SessionRecord, **values: Any) -> AgentRunRecord:
    row = _stamp(
        agent_run_id=new_id("arun"),
        session_id=session.session_id,
        tenant_id=session.tenant_id,
        project_id=session.project_id,
        status="running",
        steps=0,
        cost_usd=0.0,
        tokens=0,
        **values,
    )
    await conn.execute(insert(RUNS), [row])
    return run_of(await agent_run_row(conn, row["agent_run_id"]))


async def agent_run_row(conn: Conn, agent_run_id: str, *, tenant_id: str | None = None) -> Any:
    stmt = select(RUNS).where(RUNS.c.agent_run_id == agent_run_id)
    if tenant_id is not None:
        stmt = stmt.where(RUNS.c.tenant_id == tenant_id)
    row = (await conn.execute(stmt)).first()
    if row is None:
        raise NexusError(ErrorCode.SESSION_NOT_FOUND, f"agent run {agent_run_id!r} does not exist")
    return row


async def read_run(
    conn: Conn, agent_run_id: str, *, tenant_id: str | None = None
) -> AgentRunRecord:
    return run_of(await agent_run_row(conn, agent_run_id, tenant_id=tenant_id))


async def run_by_key(conn: Conn, session_id: str, key: str) -> AgentRunRecord | None:
    row = (
        await conn.execute(
            select(RUNS).where(RUNS.c.session_id == session_id, RUNS.c.idempotency_key == key)
        )
    ).first()
    return None if row is None else run_of(row)


async def update_run(conn: Conn, agent_run_id: str, **values: Any) -> None:
    await conn.execute(
        update(RUNS)
        .where(RUNS.c.agent_run_id == agent_run_id)
        .values(updated_at=utcnow(), version=RUNS.c.version + 1, **values)
    )


async def finish_run(
    conn: Conn,
    run: AgentRunRecord,
    status: str,
    *,
    error_code: str | None = None,
    error_message: str | None = None,
) -> AgentRunRecord | None:
    """Mark the agent run terminal once (None when it already was), free the session and
    append ``error`` (if any) and ``run_finished``."""
    current = await agent_run_row(conn, run.agent_run_id)
    tenant_id = current.tenant_id
    if current.status in TERMINAL:
        return None
    now = utcnow()
    await update_run(
        conn,
        run.agent_run_id,
        status=status,
        error_code=error_code,
        error_message=error_message,
        finished_at=now,
    )
    await conn.execute(
        update(SESSIONS)
        .where(
            SESSIONS.c.session_id == run.session_id,
            SESSIONS.c.active_run_id == run.agent_run_id,
        )
        .values(active_run_id=None, updated_at=now)
    )
    final = await read_run(conn, run.agent_run_id)
    if error_code is not None:
        data = {"error_code": error_code, "message": error_message or ""}
        await add_event(conn, final.agent_run_id, tenant_id, "error", data)
    await add_event(
        conn,
        final.agent_run_id,
        tenant_id,
        "run_finished",
        {"agent_run": final.model_dump(mode="json")},
    )
    return final


# -- turns --------------------------------------------------------------------------------
async def read_turn(conn: Conn, agent_run_id: str, turn: int) -> dict[str, Any] | None:
    row = (
        await conn.execute(
            select(TURNS.c.output).where(TURNS.c.agent_run_id == agent_run_id, TURNS.c.turn == turn)
        )
    ).first()
    return None if row is None else dict(row.output)


async def insert_turn(
    conn: Conn, run: Any, turn: int, output: dict[str, Any], **values: Any
) -> None:
    await conn.execute(
        insert(TURNS),
        [
            _stamp(
                agent_run_id=run.agent_run_id,
                turn=turn,
                tenant_id=run.tenant_id,
                project_id=run.project_id,
                trace_id=run.trace_id,
                output=output,
                **values,
            )
        ],
    )


# -- tool calls ---------------------------------------------------------------------------
async def insert_tool_call(conn: Conn, run: Any, **values: Any) -> ToolCallRecord:
    row = _stamp(
        agent_run_id=run.agent_run_id,
        session_id=run.session_id,
        tenant_id=run.tenant_id,
        project_id=run.project_id,
        trace_id=run.trace_id,
        **values,
    )
    await conn.execute(insert(TOOL_CALLS), [row])
    return await read_tool_call(conn, row["tool_call_id"])


async def read_tool_call(conn: Conn, tool_call_id: str) -> ToolCallRecord:
    row = await tool_call_row(conn, tool_call_id)
    return tool_call_of(row)


async def tool_call_row(conn: Conn, tool_call_id: str) -> Any:
    row = (
        await conn.execute(select(TOOL_CALLS).where(TOOL_CALLS.c.tool_call_id == tool_call_id))
    ).first()
    if row is None:
        raise NexusError(ErrorCode.NOT_FOUND, f"tool call {tool_call_id!r} does not exist")
    return row


async def list_tool_calls(conn: Conn, agent_run_id: str) -> list[ToolCallRecord]:
    rows = await conn.execute(
        select(TOOL_CALLS)
        .where(TOOL_CALLS.c.agent_run_id == agent_run_id)
        .order_by(TOOL_CALLS.c.turn, TOOL_CALLS.c.position)
    )
    return [tool_call_of(r) for r in rows]


async def model_call_ids(conn: Conn, session_id: str) -> dict[str, str]:
    """Our tool call id -> the model's call id, for the session's tool results."""
    rows = await conn.execute(
        select(TOOL_CALLS.c.tool_call_id, TOOL_CALLS.c.model_call_id).where(
            TOOL_CALLS.c.session_id == session_id
        )
    )
    return {r.tool_call_id: r.model_call_id for r in rows}


async def set_tool_call(conn: Conn, tool_call_id: str, **values: Any) -> None:
    """``update_tool_call`` without reading the record back (callers that do not use it)."""
    await conn.execute(
        update(TOOL_CALLS)
        .where(TOOL_CALLS.c.tool_call_id == tool_call_id)
        .values(updated_at=utcnow(), version=TOOL_CALLS.c.version + 1, **values)
    )


async def update_tool_call(conn: Conn, tool_call_id: str, **values: Any) -> ToolCallRecord:
    await set_tool_call(conn, tool_call_id, **values)
    return await read_tool_call(conn, tool_call_id)


# -- events -------------------------------------------------------------------------------
async def add_event(
    conn: Conn, agent_run_id: str, tenant_id: str, kind: str, data: dict[str, Any]
) -> None:
    await conn.execute(
        insert(EVENTS),
        [
            {
                "agent_run_id": agent_run_id,
                "tenant_id": tenant_id,
                "kind": kind,
                "data": data,
                "created_at": utcnow(),
            }
        ],
    )


async def list_events(conn: Conn, agent_run_id: str, *, after_seq: int) -> list[AgentEvent]:
    rows = await conn.execute(
        select(EVENTS)
        .where(EVENTS.c.agent_run_id == agent_run_id, EVENTS.c.seq > after_seq)
        .order_by(EVENTS.c.seq)
    )
    return [event_of(r) for r in rows]


async def count_rows(conn: Conn, table: Table, **where: Any) -> int:
    stmt = select(func.count()).select_from(table)
    for key, value in where.items():
        stmt = stmt.where(table.c[key] == value)
    return int((await conn.execute(stmt)).scalar_one())
