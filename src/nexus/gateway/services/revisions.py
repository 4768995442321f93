"""Revision runs of the studio pipeline, shared by entity and subtitle edits (ADR 0270).

The predictions and the plan reads live in ``nexus.agents.studio_revisions`` (shared with
the agent's tools; ADR 0304); this module adds starting a revision from a request.

A revision is the parent run's params plus one edit; this module predicts which nodes it
re-runs by expanding the parent's plan twice (old and new params) and comparing what feeds
each node's cache key (skill and params, then every descendant through ``after``), and
starts the run. The prediction is the same computation the orchestrator's keys rest on, so
the preview lists exactly what will run again.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from nexus.agents.studio_revisions import job_output, plan_output, predict_rerun, require_studio
from nexus.gateway.deps import Principal
from nexus.gateway.services import runs
from nexus.gateway.state import Gateway

__all__ = ["job_output", "plan_output", "predict_rerun", "require_studio", "start_revision"]


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
