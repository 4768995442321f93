"""Subtitle cues of a studio run and their revisions (ADR 0272).

A cue's id is ``<shot_id>.<n>``: the n-th cue of that shot's clip (shot-local times). An edit
(text, optionally timing within the shot, never overlapping a neighbour) becomes the
revision's ``subtitle_edits``: the shot's segment (which burns the cues in) and the final
film (SRT/VTT, mux) run again; speech, frames, clips and the mix stay cache hits.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from nexus.contracts.errors import ErrorCode
from nexus.contracts.studio import CueEdit, ShotPlan
from nexus.core.db import Conn
from nexus.core.errors import NexusError
from nexus.gateway.services import revisions
from nexus.studio.render import ClipOut
from nexus.studio.revisions import apply_cue_edits, cue_id, cue_problem, split_cue_id


class CueView(BaseModel):
    cue_id: str
    shot_id: str
    index: int
    text: str
    start_s: float
    end_s: float
    film_start_s: float
    film_end_s: float
    shot_duration_s: float
    edited: bool


def _edits_of(params: dict[str, Any]) -> dict[str, CueEdit]:
    return {k: CueEdit.model_validate(v) for k, v in (params.get("subtitle_edits") or {}).items()}


async def _clip(conn: Conn, run_id: str, shot_id: str) -> ClipOut | None:
    try:
        return ClipOut.model_validate(await revisions.job_output(conn, run_id, f"{shot_id}.clip"))
    except NexusError:
        return None


async def list_cues(conn: Conn, run: Any) -> tuple[bool, list[CueView]]:
    """(every shot's clip is ready, the cues of the shots whose clip is)."""
    revisions.require_studio(run)
    output = await revisions.plan_output(conn, run.run_id)
    edits = _edits_of(run.params)
    shots = [ShotPlan.model_validate(s) for s in output.get("shots", [])]
    ready, start, views = True, 0.0, []
    for shot in shots:
        clip = await _clip(conn, run.run_id, shot.shot_id)
        if clip is None:
            ready = False
            continue
        local = {
            i: e
            for k, e in edits.items()
            if (split := split_cue_id(k)) and split[0] == shot.shot_id
            for i in [split[1]]
        }
        for i, cue in enumerate(apply_cue_edits(clip.subtitles, local)):
            views.append(
                CueView(
                    cue_id=cue_id(shot.shot_id, i),
                    shot_id=shot.shot_id,
                    index=i,
                    text=cue.text,
                    start_s=cue.start_s,
                    end_s=cue.end_s,
                    film_start_s=start + cue.start_s,
                    film_end_s=start + cue.end_s,
                    shot_duration_s=clip.duration_s,
                    edited=i in local,
                )
            )
        start += clip.duration_s
    return ready, views


async def plan_revision(
    conn: Conn, run: Any, cue: str, edit: CueEdit
) -> tuple[dict[str, Any], list[str]]:
    """(the revision's params, the node keys it re-runs); checks the cue and its timing."""
    revisions.require_studio(run)
    split = split_cue_id(cue)
    output = await revisions.plan_output(conn, run.run_id)
    shot_ids = {s["shot_id"] for s in output.get("shots", [])}
    if split is None or split[0] not in shot_ids:
        raise NexusError(ErrorCode.CUE_NOT_FOUND, f"no subtitle cue {cue!r} in this run")
    clip = await _clip(conn, run.run_id, split[0])
    if clip is None:
        raise NexusError(ErrorCode.REVISION_NOT_READY, f"shot {split[0]} has no clip yet")
    if split[1] >= len(clip.subtitles):
        raise NexusError(ErrorCode.CUE_NOT_FOUND, f"no subtitle cue {cue!r} in this run")
    edits = _edits_of(run.params)
    local = {s[1]: e for k, e in edits.items() if (s := split_cue_id(k)) and s[0] == split[0]}
    current = apply_cue_edits(clip.subtitles, {i: e for i, e in local.items() if i != split[1]})
    problem = cue_problem(current, split[1], edit, clip.duration_s)
    if problem is not None:
        raise NexusError(
            ErrorCode.CUE_TIMING_INVALID,
            f"cue {cue}: {problem[1]}",
            fields={problem[0]: problem[1]},
        )
    edits[cue_id(*split)] = edit
    params = {
        **run.params,
        "subtitle_edits": {k: v.model_dump(mode="json") for k, v in edits.items()},
    }
    return params, revisions.predict_rerun(output, run.params, params)
