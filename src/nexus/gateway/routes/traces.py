"""``GET /api/v1/runs/{run_id}/trace``: the run's spans (file exporter), for the studio."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from nexus.core.telemetry_setup import trace_file
from nexus.gateway.deps import GatewayDep, RunsRead
from nexus.gateway.services import runs
from nexus.observer.traces import run_spans

router = APIRouter(tags=["runs"])


class TraceSpan(BaseModel):
    name: str
    trace_id: str
    span_id: str
    parent_id: str | None = None
    service: str = ""
    kind: str = "internal"
    start_ns: int
    end_ns: int
    duration_ms: float
    status: str = "unset"
    attributes: dict[str, Any] = Field(default_factory=dict)


class RunTrace(BaseModel):
    run_id: str
    trace_id: str
    spans: list[TraceSpan]


@router.get(
    "/runs/{run_id}/trace",
    response_model=RunTrace,
    responses={404: {"description": "run_not_found or trace_not_found"}},
)
async def read_trace(run_id: str, principal: RunsRead, gw: GatewayDep) -> RunTrace:
    """The spans of the run's trace (API, orchestrator, workers, providers, ffmpeg), oldest
    first, parent ids linking them; ``trace_not_found`` unless tracing writes the file."""
    async with gw.platform.db.read() as conn:
        row = await runs.read_run(conn, principal.tenant_id, run_id)
    spans = await asyncio.to_thread(run_spans, trace_file(gw.settings), row.trace_id)
    return RunTrace(
        run_id=run_id,
        trace_id=row.trace_id,
        spans=[
            TraceSpan(**s, duration_ms=max(0.0, (int(s["end_ns"]) - int(s["start_ns"])) / 1e6))
            for s in spans
        ],
    )
