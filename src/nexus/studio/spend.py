"""The studio's use of budgets and the cost ledger: how much money a run may still spend
(the tightest of the tenant's and the project's budgets), a run's own budget set before
its first job is published, and a finished run's real costs per stage from the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nexus.budgets.guard import BudgetGuard
from nexus.budgets.service import list_budgets, set_budget
from nexus.budgets.units import MICRO, Limits
from nexus.core.db import Database
from nexus.observer.costs import list_calls, summarise_costs

MAX_LEDGER_ROWS = 100_000


@dataclass
class StudioBudgets:
    db: Database
    guard: BudgetGuard

    async def money_left(self, tenant_id: str, project_id: str) -> float | None:
        """USD left on the budgets covering a new run of this project (None: unlimited)."""
        views = await list_budgets(self.db, self.guard, tenant_id)
        left = [
            view.remaining()[2]
            for view in views
            if view.scope == "tenant" or (view.scope == "project" and view.scope_id == project_id)
        ]
        known = [m for m in left if m is not None]
        return min(known) / MICRO if known else None

    async def limit_run(self, tenant_id: str, run_id: str, usd: float) -> None:
        """Give the run its own money budget (every paid call of the run reserves on it)."""
        await set_budget(self.db, self.guard, tenant_id, "run", run_id, Limits.of(usd=usd))


async def run_costs(
    db: Database, tenant_id: str, run_id: str, skills: dict[str, str]
) -> dict[str, Any]:
    """The ledger's account of a run: total, per provider, and per stage (skill of the job
    that made the call; ``skills`` maps job id -> skill)."""
    async with db.read() as conn:
        total, by_provider = await summarise_costs(
            conn, tenant_id=tenant_id, run_id=run_id, by="provider"
        )
        calls = await list_calls(conn, tenant_id=tenant_id, run_id=run_id, limit=MAX_LEDGER_ROWS)
    per_stage: dict[str, float] = {}
    for call in calls:
        skill = skills.get(call.job_id or "", "other")
        per_stage[skill] = per_stage.get(skill, 0.0) + float(call.cost_usd)
    return {
        "cost_usd": round(total.cost_usd, 6),
        "calls": total.calls,
        "failed_calls": total.failed,
        "by_provider": {g.key or "": round(g.cost_usd, 6) for g in by_provider},
        "by_stage": {k: round(v, 6) for k, v in per_stage.items()},
    }
