"""Revision runs of the studio pipeline, shared by the gateway's entity, subtitle and shot
edits and the agent's tools (ADR 0270, ADR 0271; moved here from the gateway so both call
one implementation: ADR 0304).

A revision is the parent run's params plus one edit; ``predict_rerun`` predicts which nodes
it re-runs by expanding the parent's plan twice (old and new params) and comparing what
feeds each node's cache key (skill and params, then every descendant through ``after``).
The prediction is the same computation the orchestrator's keys rest on, so the preview
lists exactly what will run again. Entity edits (rename, aliases, voice, merge) gain
``entity_edits`` in the params; earlier edits of the parent are kept.
"""

from __future__ import annotations

from typing import Any

from nexus.agents import studio_ops
from nexus.contracts.errors import ErrorCode
from nexus.contracts.graph import NodeSpec
from nexus.contracts.studio import EntityEdit, EntityPack
from nexus.core.db import Conn
from nexus.core.errors import NexusError
from nexus.core.ids import canonical_json
from nexus.orchestrator import queries
from nexus.studio.pipeline import StudioParams, build_studio, expand_shots
from nexus.studio.revisions import check_entity_edits, edit_pack


async def plan_output(conn: Conn, run_id: str) -> dict[str, Any]:
    """The run's plan output; ``revision_not_ready`` before the plan has run."""
    output = await studio_ops.plan_output_or_none(conn, run_id, studio_ops.BINDING)
    if output is None:
        raise NexusError(ErrorCode.REVISION_NOT_READY, "the run has not planned its shots yet")
    return output


async def job_output(conn: Conn, run_id: str, node_key: str) -> dict[str, Any]:
    try:
        job = await queries.read_job_by_key(conn, run_id, node_key)
    except NexusError as exc:
        raise NexusError(ErrorCode.REVISION_NOT_READY, f"no {node_key} in this run") from exc
    output = await queries.read_job_output(conn, job)
    if output is None:
        raise NexusError(ErrorCode.REVISION_NOT_READY, f"{node_key} has not succeeded yet")
    return output


def _nodes(output: dict[str, Any], params: dict[str, Any]) -> tuple[dict[str, NodeSpec], set[str]]:
    """(every node by key, the keys the plan expanded into)."""
    parsed = StudioParams.model_validate(params)
    run = parsed.model_dump(mode="json")
    built = {n.key: n for n in build_studio(parsed)}
    expanded = {n.key: n for n in expand_shots(built["plan"], output, run)}
    return {**expanded, **built}, set(expanded)  # the composition last


def _material(node: NodeSpec) -> str:
    return canonical_json({"skill": node.skill, "params": node.params})


def predict_rerun(
    output: dict[str, Any], old_params: dict[str, Any], new_params: dict[str, Any]
) -> list[str]:
    """Node keys whose cache key changes from ``old_params`` to ``new_params``, in order."""
    old, _ = _nodes(output, old_params)
    new, expanded = _nodes(output, new_params)
    changed = {k for k, n in new.items() if k not in old or _material(old[k]) != _material(n)}
    dependants: dict[str, list[str]] = {}
    for node in new.values():
        # a gathering node (final) consumes every node its parent expanded into
        ups = [*node.after, *(expanded if node.gather else ())]
        for up in ups:
            dependants.setdefault(up, []).append(node.key)
    stack = list(changed)
    while stack:
        for down in dependants.get(stack.pop(), []):
            if down not in changed:
                changed.add(down)
                stack.append(down)
    return [k for k in new if k in changed]


def require_studio(run: Any) -> None:
    if run.pipeline != studio_ops.BINDING.pipeline:
        raise NexusError(
            ErrorCode.VALIDATION_FAILED,
            f"only {studio_ops.BINDING.pipeline!r} runs have entities and subtitles to revise",
            fields={"run_id": "pipeline"},
        )


def _entity_edits_of(params: dict[str, Any]) -> dict[str, EntityEdit]:
    return {k: EntityEdit.model_validate(v) for k, v in (params.get("entity_edits") or {}).items()}


async def plan_entity_revision(
    conn: Conn, run: Any, entity_id: str, edit: EntityEdit
) -> tuple[dict[str, Any], list[str]]:
    """(the revision's params, the node keys it re-runs)."""
    require_studio(run)
    output = await plan_output(conn, run.run_id)
    pack = EntityPack.model_validate(output["pack"])
    earlier = _entity_edits_of(run.params)
    current = edit_pack(pack, earlier)
    ids = {e.entity_id for e in [*current.characters, *current.places, *current.props]}
    if entity_id not in ids:
        raise NexusError(ErrorCode.NOT_FOUND, f"entity {entity_id!r} does not exist in this run")
    if not edit.model_dump(exclude_none=True):
        raise NexusError(
            ErrorCode.VALIDATION_FAILED,
            "an entity edit changes its name, aliases, voice or merges it",
            fields={"body": "empty"},
        )
    merged = {
        **(earlier[entity_id].model_dump(exclude_none=True) if entity_id in earlier else {}),
        **edit.model_dump(exclude_none=True),
    }
    edits = {**earlier, entity_id: EntityEdit.model_validate(merged)}
    check_entity_edits(pack, edits)
    params = {
        **run.params,
        "entity_edits": {k: v.model_dump(mode="json", exclude_none=True) for k, v in edits.items()},
    }
    return params, predict_rerun(output, run.params, params)


def edited_pack(pack: EntityPack, params: dict[str, Any] | None) -> EntityPack:
    """The pack as a run renders it (its entity edits applied)."""
    edits = _entity_edits_of(params or {})
    return edit_pack(pack, edits) if edits else pack
