"""Budgets (admins set them; members read them) and the cost ledger, tenant-isolated.

A budget names its scope by id; a project or run of another tenant does not exist (404),
exactly as the project and run routes answer.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Request

from nexus.budgets import service
from nexus.budgets.units import Limits
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.gateway import schemas
from nexus.gateway.deps import Admin, GatewayDep, Principal, ProjectsRead, RunsRead, audit
from nexus.gateway.services import projects, runs
from nexus.observer.costs import summarise_costs

router = APIRouter(tags=["budgets"])
ScopeName = Literal["tenant", "project", "run"]


async def _owned_scope(
    gw: GatewayDep, principal: Principal, scope: str, scope_id: str | None
) -> str:
    """The scope id, checked to be this tenant's (404 for anything else)."""
    if scope == "tenant":
        if scope_id not in (None, "current", principal.tenant_id):
            raise NexusError(ErrorCode.NOT_FOUND, f"tenant {scope_id!r} does not exist")
        return principal.tenant_id
    if scope_id is None:
        raise NexusError(
            ErrorCode.VALIDATION_FAILED,
            f"a {scope} budget needs the {scope}'s id",
            fields={"scope_id": "required"},
        )
    async with gw.platform.db.read() as conn:
        if scope == "project":
            await projects.read_project(conn, principal.tenant_id, scope_id)
        else:
            await runs.read_run(conn, principal.tenant_id, scope_id)
    return scope_id


@router.get("/budgets", response_model=schemas.BudgetPage)
async def list_budgets(
    principal: ProjectsRead, gw: GatewayDep, scope: ScopeName | None = None
) -> schemas.BudgetPage:
    """The tenant's budgets with what is spent, held, remaining and the utilisation."""
    views = await service.list_budgets(
        gw.platform.db, gw.platform.guard, principal.tenant_id, scope=scope
    )
    return schemas.BudgetPage(items=[schemas.Budget.model_validate(v.as_json()) for v in views])


@router.get("/budgets/{scope}/{scope_id}", response_model=schemas.Budget)
async def read_budget(
    scope: ScopeName, scope_id: str, principal: ProjectsRead, gw: GatewayDep
) -> schemas.Budget:
    """One budget (``/budgets/tenant/current`` for the tenant's own)."""
    owned = await _owned_scope(gw, principal, scope, scope_id)
    view = await service.show_budget(
        gw.platform.db, gw.platform.guard, principal.tenant_id, scope, owned
    )
    return schemas.Budget.model_validate(view.as_json())


@router.put("/budgets", response_model=schemas.Budget)
async def set_budget(
    body: Annotated[schemas.BudgetSet, Body()], request: Request, principal: Admin, gw: GatewayDep
) -> schemas.Budget:
    """Set (replace) the limits of the tenant's, a project's or a run's budget (admins)."""
    owned = await _owned_scope(gw, principal, body.scope, body.scope_id)
    limits = Limits.of(tokens=body.tokens, compute_s=body.compute_s, usd=body.usd)
    view = await service.set_budget(
        gw.platform.db, gw.platform.guard, principal.tenant_id, body.scope, owned, limits
    )
    await audit(
        request,
        "budget.set",
        principal=principal,
        target_type="budget",
        target_id=view.budget_id,
        detail=body.model_dump(mode="json", exclude={"scope", "scope_id"}),
    )
    return schemas.Budget.model_validate(view.as_json())


@router.get("/costs", response_model=schemas.CostReport, tags=["costs"])
async def read_costs(
    principal: RunsRead,
    gw: GatewayDep,
    run_id: Annotated[str | None, Query(max_length=64)] = None,
    project_id: Annotated[str | None, Query(max_length=64)] = None,
    by: Literal["provider", "model", "run", "project", "capability", "day"] | None = None,
) -> schemas.CostReport:
    """What the tenant's provider calls cost (optionally of one run or project), grouped."""
    async with gw.platform.db.read() as conn:
        total, groups = await summarise_costs(
            conn, tenant_id=principal.tenant_id, run_id=run_id, project_id=project_id, by=by
        )
    return schemas.CostReport(
        by=by,
        total=schemas.CostGroup.model_validate(total.as_json()),
        groups=[schemas.CostGroup.model_validate(g.as_json()) for g in groups],
    )
