"""Budget utilisation for the metrics (one grouped query over the budget table).

Utilisation of a budget is its highest (spent + held) / limit over the units it limits
(tokens, compute, money); per scope kind (tenant, project, run): the highest, and how many
budgets are at 80% or more. The database's counters (Redis backends reconcile into them).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Float, case, cast, func, select
from sqlalchemy.sql.elements import ColumnElement

from nexus.budgets import tables
from nexus.core.db import Conn

BUDGETS = tables.Budget.__table__
NEAR_LIMIT = 0.8


@dataclass(frozen=True)
class ScopeUtilisation:
    scope_kind: str
    highest: float
    near_limit: int


def _ratio(spent: str, held: str, limit: str) -> ColumnElement[float]:
    c = BUDGETS.c
    total = cast(c[spent] + c[held], Float)
    return case((c[limit] > 0, total / cast(c[limit], Float)), else_=0.0)


async def utilisation(conn: Conn) -> list[ScopeUtilisation]:
    parts = (
        _ratio("spent_tokens", "held_tokens", "limit_tokens"),
        _ratio("spent_compute_ms", "held_compute_ms", "limit_compute_ms"),
        _ratio("spent_micro_usd", "held_micro_usd", "limit_micro_usd"),
    )
    # SQLite's scalar max() and PostgreSQL's greatest() are the same function here.
    ratio = func.greatest(*parts) if conn.dialect.name == "postgresql" else func.max(*parts)
    per_budget = select(BUDGETS.c.scope, ratio.label("r")).subquery()
    rows = (
        await conn.execute(
            select(
                per_budget.c.scope,
                func.max(per_budget.c.r),
                func.sum(case((per_budget.c.r >= NEAR_LIMIT, 1), else_=0)),
            ).group_by(per_budget.c.scope)
        )
    ).all()
    return [ScopeUtilisation(r[0], float(r[1] or 0.0), int(r[2] or 0)) for r in rows]
