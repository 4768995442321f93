"""Waveform peaks of a run's narration, dialogue, music or mix, with the shot boundaries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from nexus.gateway.deps import GatewayDep, RunsRead
from nexus.gateway.services import runs, waveform

router = APIRouter(prefix="/runs/{run_id}/waveform", tags=["timeline"])


@router.get("", response_model=waveform.Waveform)
async def read_waveform(
    run_id: str,
    principal: RunsRead,
    gw: GatewayDep,
    track: waveform.Track = "mix",
    points: Annotated[int, Query(ge=50, le=4000)] = 600,
) -> waveform.Waveform:
    """Min/max peaks in ``points`` equal buckets over the film (8 kHz mono, computed once per
    content and kept); ``revision_not_ready`` until the run's clips (and for music/mix, the
    bed and the mix) exist."""
    async with gw.platform.db.read() as conn:
        run = await runs.read_run(conn, principal.tenant_id, run_id)
        return await waveform.read_waveform(conn, gw.platform.store, run, track, points)
