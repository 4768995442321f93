"""Agent sessions (issue 15): create (Idempotency-Key), list and read sessions; post a
message and follow its answer as Server-Sent Events (``event`` = the AgentEvent kind,
``id`` = its seq when persisted, so ``Last-Event-ID`` / ``?after=`` resume on
``/agent-runs/{id}/events``); the history; an agent run, its tool calls; the session's tools.
The service is ``platform.agents`` (``nexus.agents.ports.AgentSessions``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from sse_starlette import EventSourceResponse, ServerSentEvent

from nexus.contracts.agents import (
    AgentEvent,
    AgentRunRecord,
    MessageCreate,
    SessionCreate,
    SessionRecord,
)
from nexus.gateway import schemas_agents as sa
from nexus.gateway.deps import GatewayDep, Principal, RunsRead, RunsWrite, audit
from nexus.gateway.paging import CURSOR_HELP, id_pattern
from nexus.gateway.routes.runs import IdempotencyKey
from nexus.gateway.services import sessions
from nexus.gateway.state import Gateway

router = APIRouter(tags=["sessions"])
PING_S = 15
SessionCursor = Annotated[str | None, Query(pattern=id_pattern("ses"), description=CURSOR_HELP)]
SeqCursor = Annotated[
    str | None, Query(pattern=r"^\d{1,12}$", max_length=12, description=CURSOR_HELP)
]
LastEventId = Annotated[
    str | None, Header(alias="Last-Event-ID", max_length=20, pattern=r"^\d{1,12}$")
]
After = Annotated[int | None, Query(ge=0, le=10**12, description="Resume after this seq.")]
SSE_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "content": {"text/event-stream": {}},
        "description": "AgentEvent JSON, one per SSE message (event = kind, id = seq).",
    }
}


def _sse(event: AgentEvent) -> ServerSentEvent:
    return ServerSentEvent(
        data=event.model_dump_json(),
        event=event.kind,
        id=str(event.seq) if event.seq is not None else None,
    )


async def _follow(
    gw: Gateway, principal: Principal, agent_run_id: str, after_seq: int
) -> AsyncIterator[ServerSentEvent]:
    stream = sessions.agents(gw).stream(
        sessions.principal_of(principal), agent_run_id, after_seq=after_seq
    )
    async for event in stream:
        yield _sse(event)


@router.post("/sessions", response_model=SessionRecord, status_code=201)
async def create_session(
    body: SessionCreate,
    request: Request,
    response: Response,
    principal: RunsWrite,
    gw: GatewayDep,
    idempotency_key: IdempotencyKey = None,
) -> SessionRecord:
    """A new conversation of the caller in ``project_id`` (optionally bound to a studio run).
    A repeated Idempotency-Key with the same body answers the first session
    (``Idempotent-Replayed: true``); with another body, ``idempotency_mismatch``."""
    session, created = await sessions.create_session(gw, principal, body, idempotency_key)
    if created:
        await audit(
            request,
            "session.create",
            principal=principal,
            target_type="session",
            target_id=session.session_id,
            detail={"project_id": session.project_id, "run_id": session.run_id},
        )
    else:
        response.headers["Idempotent-Replayed"] = "true"
    return session


@router.get("/sessions", response_model=sa.SessionPage)
async def list_sessions(
    principal: RunsRead,
    gw: GatewayDep,
    project_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    cursor: SessionCursor = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> sa.SessionPage:
    """The tenant's sessions, newest first."""
    items, nxt = await sessions.agents(gw).list_sessions(
        sessions.principal_of(principal), project_id=project_id, cursor=cursor, limit=limit
    )
    return sa.SessionPage(items=items, next=nxt)


@router.get("/sessions/{session_id}", response_model=SessionRecord)
async def read_session(session_id: str, principal: RunsRead, gw: GatewayDep) -> SessionRecord:
    return await sessions.agents(gw).get_session(sessions.principal_of(principal), session_id)


@router.get("/sessions/{session_id}/tools", response_model=sa.ToolSpecPage)
async def session_tools(session_id: str, principal: RunsRead, gw: GatewayDep) -> sa.ToolSpecPage:
    """The tools this session's model sees: the registry's skills the policy allows."""
    tools = await sessions.agents(gw).tools(sessions.principal_of(principal), session_id)
    return sa.ToolSpecPage(items=tools)


@router.post(
    "/sessions/{session_id}/messages",
    response_class=EventSourceResponse,
    responses=SSE_RESPONSES,
)
async def post_message(
    session_id: str,
    body: MessageCreate,
    request: Request,
    principal: RunsWrite,
    gw: GatewayDep,
    idempotency_key: IdempotencyKey = None,
) -> EventSourceResponse:
    """Send the user's message and stream the answer: ``run_started``, ``token`` deltas,
    ``tool_call``, ``approval_needed``, ``tool_result``, ``message``, ``error``, and
    ``run_finished`` last. A dropped client re-attaches with
    ``GET /agent-runs/{agent_run_id}/events`` and ``Last-Event-ID``. A message while the
    previous answer is still going is ``session_busy`` (409); a repeated Idempotency-Key
    follows the same agent run."""
    run = await sessions.agents(gw).post_message(
        sessions.principal_of(principal),
        session_id,
        body.content,
        idempotency_key=idempotency_key,
        trace_id=getattr(request.state, "trace_id", ""),
    )
    await audit(
        request,
        "session.message",
        principal=principal,
        target_type="agent_run",
        target_id=run.agent_run_id,
        detail={"session_id": session_id, "run_id": run.run_id, "chars": len(body.content)},
    )
    return EventSourceResponse(
        _follow(gw, principal, run.agent_run_id, 0),
        ping=PING_S,
        headers={"X-Agent-Run-Id": run.agent_run_id},
    )


@router.get("/sessions/{session_id}/messages", response_model=sa.MessagePage)
async def history(
    session_id: str,
    principal: RunsRead,
    gw: GatewayDep,
    cursor: SeqCursor = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> sa.MessagePage:
    """The conversation, oldest first (user, assistant and tool messages)."""
    items, nxt = await sessions.agents(gw).history(
        sessions.principal_of(principal), session_id, cursor=cursor, limit=limit
    )
    return sa.MessagePage(items=items, next=nxt)


@router.get("/agent-runs/{agent_run_id}", response_model=AgentRunRecord)
async def read_agent_run(agent_run_id: str, principal: RunsRead, gw: GatewayDep) -> AgentRunRecord:
    """One answer's run: status, steps, cost, tokens, trace id, the orchestrator run."""
    return await sessions.agents(gw).agent_run(sessions.principal_of(principal), agent_run_id)


@router.get("/agent-runs/{agent_run_id}/tool-calls", response_model=sa.ToolCallPage)
async def agent_run_tool_calls(
    agent_run_id: str, principal: RunsRead, gw: GatewayDep
) -> sa.ToolCallPage:
    """Its tool calls in order: name and version, input, output, status, latency, approval."""
    calls = await sessions.agents(gw).tool_calls(sessions.principal_of(principal), agent_run_id)
    return sa.ToolCallPage(items=calls)


@router.get(
    "/agent-runs/{agent_run_id}/events",
    response_class=EventSourceResponse,
    responses=SSE_RESPONSES,
)
async def agent_run_events(
    agent_run_id: str,
    principal: RunsRead,
    gw: GatewayDep,
    last_event_id: LastEventId = None,
    after: After = None,
) -> EventSourceResponse:
    """Re-attach to an answer: its persisted events after ``Last-Event-ID`` (or ``?after=``),
    then live tokens and events until ``run_finished``."""
    await sessions.agents(gw).agent_run(sessions.principal_of(principal), agent_run_id)
    start = int(last_event_id) if last_event_id is not None else (after or 0)
    return EventSourceResponse(_follow(gw, principal, agent_run_id, start), ping=PING_S)
