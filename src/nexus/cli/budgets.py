"""``nexus budgets set|show|list`` and ``nexus costs``: budgets and the cost ledger.

Both work on the database the settings name (embedded SQLite or the cluster's PostgreSQL,
with Redis's live counters in cluster mode). ``--tenant`` takes a slug or an id; embedded
runs belong to the tenant ``local`` and the project ``default``.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from nexus.budgets import service
from nexus.budgets.store import BudgetView
from nexus.budgets.units import Limits
from nexus.cli.common import console, report_errors, run_async, settings_from_env, with_platform
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.gateway.services.accounts import resolve_tenant
from nexus.observer.costs import CostGroup, summarise_costs
from nexus.platform import Platform

budgets_app = typer.Typer(
    help="Budgets per tenant, project and run: tokens, compute seconds, money.",
    no_args_is_help=True,
)
Tenant = Annotated[str, typer.Option("--tenant", help="Tenant slug or id.")]
Project = Annotated[str | None, typer.Option("--project", help="A project's budget.")]
Run = Annotated[str | None, typer.Option("--run", help="A run's budget.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _scope(tenant_id: str, project: str | None, run: str | None) -> tuple[str, str]:
    if project and run:
        raise NexusError(
            ErrorCode.VALIDATION_FAILED, "a budget is for a project or a run, not both"
        )
    if run:
        return "run", run
    if project:
        return "project", project
    return "tenant", tenant_id


def _print_views(views: list[BudgetView], as_json: bool) -> None:
    if as_json:
        console.print_json(json.dumps([v.as_json() for v in views]))
        return
    table = Table("budget", "dimension", "limit", "spent", "held", "remaining", "used")
    for v in views:
        data = v.as_json()
        for name in ("usd", "tokens", "compute_s"):
            d = data[name]
            if d["limit"] is None and not d["spent"] and not d["held"]:
                continue
            used = "-" if d["utilisation"] is None else f"{d['utilisation']:.0%}"
            table.add_row(
                f"{v.scope} {v.scope_id}", name, _cell(d["limit"]), _cell(d["spent"]),
                _cell(d["held"]), _cell(d["remaining"]), used,
            )  # fmt: skip
    console.print(table)


def _cell(value: float | int | None) -> str:
    if value is None:
        return "unlimited"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.6f}".rstrip("0").rstrip(".")


@budgets_app.command("set")
@report_errors
def set_budget(
    tenant: Tenant = "local",
    project: Project = None,
    run: Run = None,
    usd: Annotated[float | None, typer.Option(help="Money limit in USD.")] = None,
    tokens: Annotated[int | None, typer.Option(help="Token limit.")] = None,
    compute_s: Annotated[float | None, typer.Option(help="Compute-seconds limit.")] = None,
    as_json: AsJson = False,
) -> None:
    """Set (replace) a budget's limits; a dimension left out is unlimited."""
    if usd is None and tokens is None and compute_s is None:
        raise NexusError(
            ErrorCode.VALIDATION_FAILED, "give at least one of --usd, --tokens, --compute-s"
        )
    limits = Limits.of(tokens=tokens, compute_s=compute_s, usd=usd)

    async def go(platform: Platform) -> BudgetView:
        tenant_id = await _tenant(platform, tenant)
        scope, scope_id = _scope(tenant_id, project, run)
        return await service.set_budget(
            platform.db, platform.guard, tenant_id, scope, scope_id, limits
        )

    _print_views([run_async(with_platform(settings_from_env(), go))], as_json)


@budgets_app.command("show")
@report_errors
def show_budget(
    tenant: Tenant = "local", project: Project = None, run: Run = None, as_json: AsJson = False
) -> None:
    """One budget: limits, spent, held, remaining and utilisation."""

    async def go(platform: Platform) -> BudgetView:
        tenant_id = await _tenant(platform, tenant)
        scope, scope_id = _scope(tenant_id, project, run)
        return await service.show_budget(platform.db, platform.guard, tenant_id, scope, scope_id)

    _print_views([run_async(with_platform(settings_from_env(), go))], as_json)


@budgets_app.command("list")
@report_errors
def list_budgets(
    tenant: Tenant = "local",
    scope: Annotated[str | None, typer.Option(help="tenant, project or run")] = None,
    as_json: AsJson = False,
) -> None:
    """Every budget of a tenant."""

    async def go(platform: Platform) -> list[BudgetView]:
        tenant_id = await _tenant(platform, tenant)
        return await service.list_budgets(platform.db, platform.guard, tenant_id, scope=scope)

    _print_views(run_async(with_platform(settings_from_env(), go)), as_json)


async def _tenant(platform: Platform, tenant: str) -> str:
    async with platform.db.read() as conn:
        return await resolve_tenant(conn, tenant)


@report_errors
def costs(
    tenant: Tenant = "local",
    run: Annotated[str | None, typer.Option("--run", help="Only this run.")] = None,
    project: Annotated[str | None, typer.Option("--project", help="Only this project.")] = None,
    by: Annotated[
        str | None, typer.Option("--by", help="provider, model, run, project, capability or day")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """What provider calls cost: totals, optionally grouped (from the cost ledger)."""

    async def go(platform: Platform) -> tuple[CostGroup, list[CostGroup]]:
        tenant_id = await _tenant(platform, tenant)
        async with platform.db.read() as conn:
            return await summarise_costs(
                conn, tenant_id=tenant_id, run_id=run, project_id=project, by=by
            )

    total, groups = run_async(with_platform(settings_from_env(), go))
    if as_json:
        body = {"total": total.as_json(), "groups": [g.as_json() for g in groups]}
        console.print_json(json.dumps(body))
        return
    table = Table(by or "", "calls", "failed", "cached", "tokens in", "tokens out", "USD", "avg ms")
    for g in [*groups, total]:
        table.add_row(
            "total" if g.key is None else g.key, str(g.calls), str(g.failed), str(g.cache_hits),
            f"{g.input_tokens:,}", f"{g.output_tokens:,}", f"{g.cost_usd:,.6f}",
            f"{g.latency_ms_avg:,.1f}",
        )  # fmt: skip
    console.print(table)
