"""Revision runs of the studio pipeline, shared by entity and subtitle edits (ADR 0270).

A revision is the parent run's params plus one edit; this module predicts which nodes it
re-runs by expanding the parent's plan twice (old and new params) and comparing what feeds
each node's cache key (skill and params, then every descendant through ``after``), and
starts the run. The prediction is the same computation the orchestrator's keys rest on, so
the preview lists exactly what will run again.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from nexus.contracts.errors import ErrorCode
from nexus.contracts.graph import NodeSpec
from nexus.core.db import Conn
from nexus.core.errors import NexusError
from nexus.core.ids import canonical_json
from nexus.gateway.deps import Principal
from nexus.gateway.services import runs, studio
from nexus.gateway.state import Gateway
from nexus.orchestrator import queries
from nexus.studio.pipeline import StudioParams, build_studio, expand_shots


async def plan_output(conn: Conn, run_id: str) -> dict[str, Any]:
    """The run's plan output; ``revision_not_ready`` before the plan has run."""
    output = await studio._plan_output(conn, run_id, studio.BINDING)  # pyright: ignore[reportPrivateUsage]
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


async def start_revision(
    gw: Gateway,
    request: Request,
    principal: Principal,
    run: Any,
    params: dict[str, Any],
) -> str:
    runs.validate_params(gw.platform.registry, run.pipeline, params)
    run_id, _ = await runs.create_run(
        gw,
        pipeline=run.pipeline,
        params=params,
        tenant_id=principal.tenant_id,
        project_id=run.project_id,
        created_by=principal.user_id,
        idempotency_key=None,
        trace_id=request.state.trace_id,
        parent_run_id=run.run_id,
    )
    return run_id


def require_studio(run: Any) -> None:
    if run.pipeline != studio.BINDING.pipeline:
        raise NexusError(
            ErrorCode.VALIDATION_FAILED,
            f"only {studio.BINDING.pipeline!r} runs have entities and subtitles to revise",
            fields={"run_id": "pipeline"},
        )
