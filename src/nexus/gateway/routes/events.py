"""Run events as Server-Sent Events: ``id`` is the event_id, so a client resumes with
``Last-Event-ID``; the stream ends once the run is terminal and every event was sent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query
from sse_starlette import EventSourceResponse, ServerSentEvent

from nexus.gateway.deps import GatewayDep, RunsRead
from nexus.gateway.services import runs
from nexus.gateway.state import Gateway
from nexus.orchestrator import queries
from nexus.orchestrator.events import to_envelope
from nexus.orchestrator.states import RUN_TERMINAL, RunState

router = APIRouter(tags=["runs"])
POLL_S = 0.2
BATCH = 500
PING_S = 15


async def stream_events(
    gw: Gateway, tenant_id: str, run_id: str, after_id: int
) -> AsyncIterator[ServerSentEvent]:
    last = after_id
    while True:
        async with gw.platform.db.read() as conn:
            # Status first: a terminal status read now means every event of the run is
            # already committed (state and event commit in one transaction).
            status = (await runs.read_run(conn, tenant_id, run_id)).status
            rows = await queries.list_events(conn, run_id, after_id=last, limit=BATCH)
        for row in rows:
            last = row.event_id
            envelope = to_envelope(row)
            yield ServerSentEvent(
                data=envelope.model_dump_json(), event=envelope.type, id=str(row.event_id)
            )
        if len(rows) < BATCH:
            if RunState(status) in RUN_TERMINAL:
                return
            await asyncio.sleep(POLL_S)


@router.get(
    "/runs/{run_id}/events",
    response_class=EventSourceResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "A stream of EventEnvelope JSON, one per SSE message.",
        }
    },
)
async def run_events(
    run_id: str,
    principal: RunsRead,
    gw: GatewayDep,
    last_event_id: Annotated[
        str | None, Header(alias="Last-Event-ID", max_length=20, pattern=r"^\d+$")
    ] = None,
    after: Annotated[int | None, Query(ge=0, description="Resume after this event_id.")] = None,
) -> EventSourceResponse:
    """Follow a run live. Reconnect with ``Last-Event-ID`` (or ``?after=``) to resume."""
    async with gw.platform.db.read() as conn:
        await runs.read_run(conn, principal.tenant_id, run_id)
    start = int(last_event_id) if last_event_id is not None else (after or 0)
    return EventSourceResponse(stream_events(gw, principal.tenant_id, run_id, start), ping=PING_S)
