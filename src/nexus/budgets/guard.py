"""The entry points' view of the budget controller: ``build_guard`` and ``BudgetGuard``.

``build_guard(settings, db, cache)`` picks the counter backend (SQL row locks, or Redis Lua
scripts reconciled to the database) and returns an object that implements
``model_router.ports.SpendGuard`` structurally (reserve / settle / release) plus the
maintenance the orchestrator processes run (sweep, reconcile).
"""

from __future__ import annotations

from typing import Any, Protocol, cast

from nexus.budgets.redis_guard import RedisSpendGuard, ScriptCache
from nexus.budgets.sql_guard import SqlSpendGuard
from nexus.budgets.store import BudgetView
from nexus.budgets.units import BudgetReservation
from nexus.contracts.errors import ErrorCode
from nexus.contracts.router import CallScope, Spend
from nexus.core.cache import Cache
from nexus.core.db import Database
from nexus.core.errors import NexusError
from nexus.core.settings import Settings


class BudgetGuard(Protocol):
    """A ``SpendGuard`` with the budget controller's maintenance and read-outs."""

    async def reserve(self, scope: CallScope, estimate: Spend) -> BudgetReservation: ...

    async def settle(self, reservation: Any, actual: Spend) -> None: ...

    async def release(self, reservation: Any) -> None: ...

    async def sweep(self) -> int:
        """Release holds that expired (their worker never settled them)."""
        ...

    async def reconcile(self) -> int:
        """Bring the database up to date with the counters (Redis backend)."""
        ...

    async def limits_changed(self, view: BudgetView) -> None: ...

    async def live(self, views: list[BudgetView]) -> list[BudgetView]: ...


def backend_name(settings: Settings) -> str:
    chosen = settings.budgets.backend
    if chosen != "auto":
        return chosen
    return "sql" if settings.cache.url.startswith("memory") else "redis"


def build_guard(settings: Settings, db: Database, cache: Cache) -> BudgetGuard:
    """The budget guard of one process, for ``model_router.build_client(settings, guard, ...)``."""
    ttl = settings.budgets.hold_ttl_s
    if backend_name(settings) == "sql":
        return SqlSpendGuard(db, hold_ttl_s=ttl)
    if not hasattr(cache, "script"):
        raise NexusError(
            ErrorCode.CONFIG_INVALID,
            "budgets.backend=redis needs cache.url to be redis:// (the cache runs the scripts)",
        )
    return RedisSpendGuard(db, cast(ScriptCache, cache), hold_ttl_s=ttl)
