"""The studio seam: how the gateway and the agent's tools read shots from a run and turn
shot edits into work (one implementation: ``gateway/services/studio.py`` re-exports it, the
shot routes and the agent tools both call ``plan_shot_revision`` / ``shot_regeneration``).

STUDIO BINDING: everything pipeline-specific sits in ``StudioBinding`` below so the lead can
point it at the studio pipeline's real node keys and parameter names without touching routes.
Assumed today: the plan node is ``plan`` and its output holds ``shots`` (a list of ShotPlan);
one shot's nodes are ``<shot_id>.tts.<n>|frame|clip|segment``; the pipeline accepts
``story`` (text), ``language``, ``resolution``, ``narrator`` and ``edits``
({shot index: ShotEdit}) parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from nexus.contracts import studio
from nexus.contracts.errors import ErrorCode
from nexus.core.db import Conn
from nexus.core.errors import NexusError
from nexus.orchestrator import queries
from nexus.planner import apply_shot_edits, ingest_story
from nexus.planner.length import require_min_length
from nexus.studio.revisions import apply_entity_edits

RESOLUTIONS = {"480p": "854x480", "720p": "1280x720", "1080p": "1920x1080"}


@dataclass(frozen=True)
class StudioBinding:
    pipeline: str = "studio"
    plan_node: str = "plan"
    shots_field: str = "shots"
    shot_node: str = "{shot_id}.frame"  # regenerating the frame re-runs clip, segment, final
    story_param: str = "story"
    edits_param: str = "edits"

    def shot_node_key(self, shot: studio.ShotPlan) -> str:
        return self.shot_node.format(index=shot.index, shot_id=shot.shot_id)

    def story_params(
        self, text: str, project_settings: dict[str, Any], params: dict[str, Any]
    ) -> dict[str, Any]:
        """Run parameters for a story: the project's defaults, the caller's params win.

        A story too short for a video is refused here (``input_too_short``), before a run.
        """
        require_min_length(ingest_story(text.encode("utf-8")))
        merged: dict[str, Any] = {self.story_param: text}
        language = project_settings.get("language")
        if language and language != "auto":
            merged["language"] = language
        if project_settings.get("resolution"):
            merged["resolution"] = RESOLUTIONS.get(
                project_settings["resolution"], project_settings["resolution"]
            )
        if project_settings.get("narrator_voice"):
            merged["narrator"] = project_settings["narrator_voice"]
        if project_settings.get("voices"):  # the project's cast (an imported bible, ADR 0243)
            merged["cast"] = dict(project_settings["voices"])
        return {**merged, **params}

    def revision_params(
        self, run_params: dict[str, Any], shot: studio.ShotPlan, edit: studio.ShotEdit
    ) -> dict[str, Any]:
        """The parent run's params plus this edit (earlier edits of other shots are kept)."""
        edits = dict(run_params.get(self.edits_param) or {})
        edits[str(shot.index)] = edit.model_dump(mode="json", exclude_none=True)
        return {**run_params, self.edits_param: edits}


BINDING = StudioBinding()


async def plan_output_or_none(
    conn: Conn, run_id: str, binding: StudioBinding = BINDING
) -> dict[str, Any] | None:
    try:
        job = await queries.read_job_by_key(conn, run_id, binding.plan_node)
    except NexusError:
        return None
    return await queries.read_job_output(conn, job)


def _edits_of(run_params: dict[str, Any] | None, binding: StudioBinding) -> dict[int, Any]:
    raw = (run_params or {}).get(binding.edits_param) or {}
    return {int(k): studio.ShotEdit.model_validate(v) for k, v in raw.items()}


async def read_shots(
    conn: Conn,
    run_id: str,
    binding: StudioBinding = BINDING,
    *,
    run_params: dict[str, Any] | None = None,
) -> tuple[bool, list[studio.ShotPlan]]:
    """(plan ready, shots). A run without a plan node has no shots and is never ready.

    The plan node's output is the unedited plan (edits apply when it expands), so the edits
    in ``run_params`` are applied here too: a revision run shows the shots it renders."""
    output = await plan_output_or_none(conn, run_id, binding)
    if output is None:
        return False, []
    try:
        shots = [studio.ShotPlan.model_validate(s) for s in output.get(binding.shots_field, [])]
        narrator = (output.get("pack") or {}).get("narrator_voice")
        edits = _edits_of(run_params, binding)
    except ValidationError as exc:
        raise NexusError(ErrorCode.INTERNAL, f"the plan output is not a shot list: {exc}") from exc
    entity_edits = {
        k: studio.EntityEdit.model_validate(v)
        for k, v in ((run_params or {}).get("entity_edits") or {}).items()
    }
    if entity_edits:
        pack = studio.EntityPack.model_validate(output["pack"])
        shots, _ = apply_entity_edits(shots, pack, entity_edits)
    if edits:
        shots = apply_shot_edits(shots, edits, narrator_voice=narrator)
    return True, shots


async def read_entities(
    conn: Conn, run_id: str, binding: StudioBinding = BINDING
) -> studio.EntityPack | None:
    """The plan's entity pack, or None before the plan has run (or for other pipelines)."""
    output = await plan_output_or_none(conn, run_id, binding)
    if output is None or "pack" not in output:
        return None
    return studio.EntityPack.model_validate(output["pack"])


async def read_shot(
    conn: Conn,
    run_id: str,
    shot_id: str,
    binding: StudioBinding = BINDING,
    *,
    run_params: dict[str, Any] | None = None,
) -> studio.ShotPlan:
    _, shots = await read_shots(conn, run_id, binding, run_params=run_params)
    for shot in shots:
        if shot.shot_id == shot_id:
            return shot
    raise NexusError(ErrorCode.NOT_FOUND, f"shot {shot_id!r} does not exist in this run")


async def read_studio_run(conn: Conn, tenant_id: str, run_id: str) -> Any:
    """A run of this tenant; other tenants' runs do not exist (``run_not_found``)."""
    return await queries.read_run(conn, run_id, tenant_id=tenant_id)


async def plan_shot_revision(
    conn: Conn, tenant_id: str, run_id: str, shot_id: str, edit: studio.ShotEdit
) -> tuple[Any, studio.ShotPlan, dict[str, Any]]:
    """(the run, the shot, the revision run's params): what ``PATCH .../shots/{shot}`` and
    the agent's ``agent.edit_shot`` start as a revision run (parent: the run)."""
    run = await read_studio_run(conn, tenant_id, run_id)
    shot = await read_shot(conn, run_id, shot_id, run_params=run.params)
    return run, shot, BINDING.revision_params(run.params, shot, edit)


async def shot_regeneration(
    conn: Conn, tenant_id: str, run_id: str, shot_id: str
) -> tuple[Any, studio.ShotPlan, str]:
    """(the run, the shot, the node key to regenerate): another variant of one shot."""
    run = await read_studio_run(conn, tenant_id, run_id)
    shot = await read_shot(conn, run_id, shot_id, run_params=run.params)
    return run, shot, BINDING.shot_node_key(shot)
