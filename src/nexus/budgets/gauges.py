"""Budget utilisation for the metrics (one grouped query over the budget table).

Utilisation of a budget is its highest (spent + held) / limit over the units it limits
(tokens, compute, money); per scope kind (tenant, project, run): the highest, and how many
budgets are at 80% or more. The database's counters (Redis backends reconcile into them).

``UTILISATION`` is one statement for both dialects, so the state gauges can read it in the
same statement (one round trip, one snapshot) as the orchestrator's counts; the cost is one
pass over the budgets, which people set (they do not grow with runs or calls).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, case, cast, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from nexus.budgets import tables
from nexus.core.db import Conn

BUDGETS = tables.Budget.__table__
NEAR_LIMIT = 0.8


@dataclass(frozen=True)
class ScopeUtilisation:
    scope_kind: str
    highest: float
    near_limit: int


class Greatest(FunctionElement[float]):
    """The largest of its arguments: ``greatest`` on PostgreSQL, the scalar ``max`` on SQLite."""

    type = Float()
    name = "greatest"
    inherit_cache = True


@compiles(Greatest)
def _greatest(element: Greatest, compiler: Any, **kw: Any) -> str:
    return f"greatest({compiler.process(element.clauses, **kw)})"


@compiles(Greatest, "sqlite")
def _greatest_sqlite(element: Greatest, compiler: Any, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


def _ratio(spent: str, held: str, limit: str) -> ColumnElement[float]:
    c = BUDGETS.c
    total = cast(c[spent] + c[held], Float)
    return case((c[limit] > 0, total / cast(c[limit], Float)), else_=0.0)


_PER_BUDGET = select(
    BUDGETS.c.scope,
    Greatest(
        _ratio("spent_tokens", "held_tokens", "limit_tokens"),
        _ratio("spent_compute_ms", "held_compute_ms", "limit_compute_ms"),
        _ratio("spent_micro_usd", "held_micro_usd", "limit_micro_usd"),
    ).label("r"),
).subquery("per_budget")

# scope, highest ratio, budgets at NEAR_LIMIT or more
UTILISATION = select(
    _PER_BUDGET.c.scope.label("scope"),
    func.max(_PER_BUDGET.c.r).label("highest"),
    func.sum(case((_PER_BUDGET.c.r >= NEAR_LIMIT, 1), else_=0)).label("near_limit"),
).group_by(_PER_BUDGET.c.scope)


def scope_utilisation(scope: str, highest: float | None, near: int | None) -> ScopeUtilisation:
    return ScopeUtilisation(scope, float(highest or 0.0), int(near or 0))


async def utilisation(conn: Conn) -> list[ScopeUtilisation]:
    rows = (await conn.execute(UTILISATION)).all()
    return [scope_utilisation(r[0], r[1], r[2]) for r in rows]
