"""Budget commands for people (CLI and API): set limits, show one budget, list a tenant's.

Writes go to the database first (the durable record), then to the live counters; reads
show the live counters (Redis is ahead of the database by the unreconciled settlements).
"""

from __future__ import annotations

from nexus.budgets import store
from nexus.budgets.guard import BudgetGuard
from nexus.budgets.store import BudgetView
from nexus.budgets.units import Limits
from nexus.core.db import Database


async def set_budget(
    db: Database, guard: BudgetGuard, tenant_id: str, scope: str, scope_id: str, limits: Limits
) -> BudgetView:
    async with db.transaction() as conn:
        view = await store.upsert_limits(conn, tenant_id, scope, scope_id, limits)
    await guard.limits_changed(view)
    return (await guard.live([view]))[0]


async def show_budget(
    db: Database, guard: BudgetGuard, tenant_id: str, scope: str, scope_id: str
) -> BudgetView:
    async with db.read() as conn:
        view = await store.read_budget(conn, tenant_id, scope, scope_id)
    return (await guard.live([view]))[0]


async def list_budgets(
    db: Database, guard: BudgetGuard, tenant_id: str, *, scope: str | None = None
) -> list[BudgetView]:
    async with db.read() as conn:
        views = await store.list_budgets(conn, tenant_id, scope=scope)
    return await guard.live(views)
