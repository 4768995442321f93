"""Runs: create (Idempotency-Key), list (cursor + filters), read, cancel, retry; pipelines."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.gateway import schemas
from nexus.gateway.deps import GatewayDep, Principal, RunsRead, RunsWrite, audit
from nexus.gateway.paging import RunCursor
from nexus.gateway.services import policy_check, projects, runs, stories, studio
from nexus.orchestrator import queries
from nexus.orchestrator.states import RunState
from nexus.studio.budget import PreparedRun, prepare_studio_run

router = APIRouter(tags=["runs"])
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Repeat a create safely: same key and body, same run.",
    ),
]


async def _resolve_params(
    gw: GatewayDep, principal: Principal, body: schemas.RunCreate
) -> dict[str, Any]:
    async with gw.platform.db.read() as conn:
        project = await projects.read_project(conn, principal.tenant_id, body.project_id)
        if body.story_id is None:
            return dict(body.params)
        story = await stories.read_story(conn, principal.tenant_id, body.story_id)
    if story.project_id != body.project_id:
        raise NexusError(
            ErrorCode.VALIDATION_FAILED,
            "the story is in another project",
            fields={"story_id": "must belong to project_id"},
        )
    return studio.BINDING.story_params(story.text, project.settings, dict(body.params))


async def _prepare(
    gw: GatewayDep, principal: Principal, body: schemas.RunCreate, params: dict[str, Any]
) -> PreparedRun | None:
    """Studio runs: the estimate and the budget degradation (CPU work: off the loop)."""
    if body.pipeline != studio.BINDING.pipeline:
        return None
    left = await gw.platform.budgets.money_left(principal.tenant_id, body.project_id)
    return await asyncio.to_thread(
        prepare_studio_run,
        params,
        gw.platform.studio_models,
        remaining_usd=left,
        project_id=body.project_id,
    )


@router.post(
    "/runs",
    response_model=schemas.Run,
    status_code=201,
    responses={
        200: {
            "model": schemas.RunEstimate,
            "description": "dry_run=true: the estimate per stage and provider; nothing created.",
        }
    },
)
async def create_run(
    body: schemas.RunCreate,
    request: Request,
    response: Response,
    principal: RunsWrite,
    gw: GatewayDep,
    idempotency_key: IdempotencyKey = None,
    dry_run: Annotated[
        bool, Query(description="Estimate the cost per stage and provider; run nothing.")
    ] = False,
) -> Any:
    """Start a run of a registered pipeline. A repeated Idempotency-Key with the same body
    answers the original run (``Idempotent-Replayed: true``); with another body, 422.
    Studio runs are estimated first and degraded to fit the budget (``budget_insufficient``
    when the policy refuses); ``dry_run=true`` answers that estimate and creates nothing."""
    params = await _resolve_params(gw, principal, body)
    runs.validate_params(gw.platform.registry, body.pipeline, params)
    prepared = await _prepare(gw, principal, body, params)
    if prepared is not None:
        params = prepared.params
    if dry_run:
        estimate = schemas.RunEstimate(
            pipeline=body.pipeline,
            params=params,
            estimate=prepared.estimate.model_dump(mode="json") if prepared else None,
            changes=prepared.changes if prepared else [],
            budget_usd=prepared.budget_usd if prepared else None,
        )
        return JSONResponse(estimate.model_dump(mode="json"), status_code=200)
    budget = params.get("budget_usd") if prepared is not None else None
    policy_input = policy_check.run_create_input(
        user_id=principal.user_id,
        tenant_id=principal.tenant_id,
        role=principal.role,
        via=principal.kind,
        pipeline=body.pipeline,
        project_id=body.project_id,
        estimated_cost_usd=prepared.estimate.total_usd if prepared is not None else None,
        budget_usd=float(budget) if budget is not None else None,
    )
    decision, hold = await policy_check.check_run_create(gw.platform, policy_input)
    detail = policy_check.audit_detail(policy_input, decision)
    if decision.verdict == "deny":
        await audit(
            request,
            "policy.decision",
            principal=principal,
            outcome="failure",
            target_type="pipeline",
            target_id=body.pipeline,
            detail=detail,
        )
        raise policy_check.denied(decision)

    async def limit_run(run_id: str) -> None:
        if budget is not None:
            await gw.platform.budgets.limit_run(principal.tenant_id, run_id, float(budget))

    run_id, created = await runs.create_run(
        gw,
        pipeline=body.pipeline,
        params=params,
        before_publish=limit_run,
        hold=hold,
        tenant_id=principal.tenant_id,
        project_id=body.project_id,
        created_by=principal.user_id,
        idempotency_key=idempotency_key,
        trace_id=request.state.trace_id,
    )
    if created:
        await audit(
            request,
            "run.create",
            principal=principal,
            target_type="run",
            target_id=run_id,
            detail={"pipeline": body.pipeline, "policy": detail},
        )
    else:
        response.headers["Idempotent-Replayed"] = "true"
    async with gw.platform.db.read() as conn:
        return schemas.Run.model_validate(await runs.read_run(conn, principal.tenant_id, run_id))


@router.get("/runs", response_model=schemas.RunPage)
async def list_runs(
    principal: RunsRead,
    gw: GatewayDep,
    project_id: Annotated[str | None, Query(max_length=64)] = None,
    status: RunState | None = None,
    cursor: RunCursor = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> schemas.RunPage:
    """Newest first. ``next`` is the cursor of the following page (null on the last)."""
    async with gw.platform.db.read() as conn:
        rows = await queries.list_runs(
            conn,
            tenant_id=principal.tenant_id,
            project_id=project_id,
            status=status.value if status else None,
            before=cursor,
            limit=limit + 1,
        )
    items = [schemas.Run.model_validate(r) for r in rows[:limit]]
    return schemas.RunPage(items=items, next=items[-1].run_id if len(rows) > limit else None)


@router.get("/runs/{run_id}", response_model=schemas.Run)
async def read_run(run_id: str, principal: RunsRead, gw: GatewayDep) -> schemas.Run:
    async with gw.platform.db.read() as conn:
        row = await runs.read_run(conn, principal.tenant_id, run_id)
    return schemas.Run.model_validate(row)


@router.post("/runs/{run_id}/cancel", response_model=schemas.Run)
async def cancel_run(
    run_id: str, request: Request, principal: RunsWrite, gw: GatewayDep
) -> schemas.Run:
    """Cancel a run; what already succeeded is compensated."""
    async with gw.platform.db.read() as conn:
        await runs.read_run(conn, principal.tenant_id, run_id)
    await gw.platform.cancel_run(run_id)
    await audit(request, "run.cancel", principal=principal, target_type="run", target_id=run_id)
    async with gw.platform.db.read() as conn:
        return schemas.Run.model_validate(await runs.read_run(conn, principal.tenant_id, run_id))


@router.post("/runs/{run_id}/retry", response_model=schemas.Run)
async def retry_run(
    run_id: str, request: Request, principal: RunsWrite, gw: GatewayDep
) -> schemas.Run:
    """Re-open a failed or cancelled run and run what did not succeed."""
    async with gw.platform.db.read() as conn:
        await runs.read_run(conn, principal.tenant_id, run_id)
    await gw.platform.retry_run(run_id)
    await audit(request, "run.retry", principal=principal, target_type="run", target_id=run_id)
    async with gw.platform.db.read() as conn:
        return schemas.Run.model_validate(await runs.read_run(conn, principal.tenant_id, run_id))


@router.get("/pipelines", response_model=schemas.PipelinePage)
async def list_pipelines(principal: RunsRead, gw: GatewayDep) -> schemas.PipelinePage:
    """The registered pipelines and the JSON schema of their parameters."""
    registry = gw.platform.registry
    items = [
        schemas.Pipeline(
            name=p.name, description=p.description, params_schema=p.params_model.model_json_schema()
        )
        for p in sorted(registry.pipelines.values(), key=lambda p: p.name)
    ]
    return schemas.PipelinePage(items=items)
