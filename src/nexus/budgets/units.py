"""Budget amounts in integer base units, and the reservation handle the guard returns.

Money is counted in micro-USD, compute in milliseconds, tokens as they are: integers add
exactly on every backend (no float drift can let a reservation through at the limit).
Estimates round up (hold a little more), actual spend rounds to nearest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from nexus.contracts.router import BudgetScope, CallScope, Spend

MICRO = 1_000_000
MILLI = 1_000
DIMENSIONS = ("tokens", "compute_ms", "micro_usd")


@dataclass(frozen=True)
class Units:
    """An amount in base units: tokens, compute milliseconds, micro-USD."""

    tokens: int = 0
    compute_ms: int = 0
    micro_usd: int = 0

    @classmethod
    def estimate(cls, spend: Spend) -> Units:
        return cls(spend.tokens, math.ceil(spend.compute_s * MILLI), math.ceil(spend.usd * MICRO))

    @classmethod
    def actual(cls, spend: Spend) -> Units:
        return cls(spend.tokens, round(spend.compute_s * MILLI), round(spend.usd * MICRO))

    def as_tuple(self) -> tuple[int, int, int]:
        return (self.tokens, self.compute_ms, self.micro_usd)


@dataclass(frozen=True)
class Limits:
    """A budget's limits; None is unlimited in that dimension."""

    tokens: int | None = None
    compute_ms: int | None = None
    micro_usd: int | None = None

    @classmethod
    def of(
        cls, *, tokens: int | None = None, compute_s: float | None = None, usd: float | None = None
    ) -> Limits:
        return cls(
            tokens,
            None if compute_s is None else round(compute_s * MILLI),
            None if usd is None else round(usd * MICRO),
        )

    def as_tuple(self) -> tuple[int | None, int | None, int | None]:
        return (self.tokens, self.compute_ms, self.micro_usd)


def budget_id(scope: BudgetScope, scope_id: str) -> str:
    return f"{scope}:{scope_id}"


def covering(scope: CallScope) -> list[str]:
    """The budgets a call draws on: its tenant's, its project's and (if any) its run's."""
    ids = [budget_id("tenant", scope.tenant_id), budget_id("project", scope.project_id)]
    if scope.run_id:
        ids.append(budget_id("run", scope.run_id))
    return ids


@dataclass(frozen=True)
class BudgetReservation:
    """What ``reserve`` returns: satisfies ``model_router.ports.Reservation``.

    ``budget_ids`` are the budgets it holds on (empty: no budget covers the scope)."""

    reservation_id: str
    tenant_id: str
    budget_ids: tuple[str, ...]
    held: Units
