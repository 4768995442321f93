"""Redis budget counters (cluster mode): one Lua script per operation, reconciled to SQL.

Reservations, settlements and releases never touch the database: each is one script on
the tenant's keys (``nexus.budgets.lua``). Settlements are appended to a journal in the
same script; ``reconcile`` writes the journal into the spend table (idempotent per
reservation and budget) and only then trims it. A tenant's budgets are loaded from the
database on first use and after a Redis restart, so a lost Redis refuses nothing it should
allow and allows nothing it should refuse (fail closed while unreachable).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from nexus.budgets import lua
from nexus.budgets.sql_guard import exhausted
from nexus.budgets.store import (
    BudgetView,
    SpendEntry,
    apply_spend,
    list_budgets,
    lock_budgets,
    tenants_with_budgets,
)
from nexus.budgets.units import DIMENSIONS, BudgetReservation, Units, covering
from nexus.contracts.errors import ErrorCode
from nexus.contracts.router import CallScope, Spend
from nexus.core.db import Database
from nexus.core.errors import NexusError
from nexus.core.ids import new_id

Script = Callable[[Sequence[str], Sequence[Any]], Awaitable[Any]]
JOURNAL_BATCH = 1000


class ScriptCache(Protocol):
    """What this backend needs of ``nexus.core.redis_cache.RedisCache``."""

    key_prefix: str

    def script(self, source: str) -> Script: ...

    def lock(
        self, name: str, *, ttl_s: float, wait_s: float
    ) -> AbstractAsyncContextManager[None]: ...


def _limit(value: int | None) -> str:
    return "" if value is None else str(value)


class RedisSpendGuard:
    """``SpendGuard`` on Redis, with the database as the durable record."""

    def __init__(self, db: Database, cache: ScriptCache, *, hold_ttl_s: float) -> None:
        self.db = db
        self.cache = cache
        self.ttl_ms = max(1, round(hold_ttl_s * 1000))
        self._reserve = cache.script(lua.RESERVE)
        self._settle = cache.script(lua.SETTLE)
        self._release = cache.script(lua.RELEASE)
        self._sweep = cache.script(lua.SWEEP)
        self._load = cache.script(lua.LOAD)
        self._upsert = cache.script(lua.UPSERT)
        self._journal_read = cache.script(lua.JOURNAL_READ)
        self._journal_trim = cache.script(lua.JOURNAL_TRIM)
        self._live = cache.script(lua.LIVE)

    def base(self, tenant_id: str) -> str:
        return f"{self.cache.key_prefix}bdg:{{{tenant_id}}}"

    async def reserve(self, scope: CallScope, estimate: Spend) -> BudgetReservation:
        need = Units.estimate(estimate)
        ids = covering(scope)
        base = self.base(scope.tenant_id)
        keys = [f"{base}:loaded", f"{base}:holds", f"{base}:expiry"]
        keys += [f"{base}:b:{i}" for i in ids]
        rid = new_id("rsv")
        args = [base, rid, self.ttl_ms, *need.as_tuple(), *ids]
        result = await self._reserve(keys, args)
        if result[0] == -1:
            await self.load(scope.tenant_id)
            result = await self._reserve(keys, args)
        if result[0] == 0:
            dim = DIMENSIONS[int(result[2]) - 1]
            raise exhausted(
                str(result[1]), dim, max(0, int(result[3])), need.as_tuple()[int(result[2]) - 1]
            )
        if result[0] != 1:
            raise NexusError(ErrorCode.DEPENDENCY_UNAVAILABLE, "budgets could not be loaded")
        held = tuple(str(result[1]).split(",")) if result[1] else ()
        return BudgetReservation(rid, scope.tenant_id, held, need)

    async def load(self, tenant_id: str) -> bool:
        """Copy the tenant's budgets (limits and reconciled spend) into Redis, unless they
        are there already. Returns True when it loaded them."""
        async with self.db.read() as conn:
            views = await list_budgets(conn, tenant_id, limit=100_000)
        base = self.base(tenant_id)
        args: list[Any] = [base]
        for v in views:
            args += [v.budget_id, *map(_limit, v.limits.as_tuple()), *v.spent.as_tuple()]
        keys = [f"{base}:loaded", f"{base}:holds", f"{base}:expiry"]
        return bool(await self._load(keys, args))

    async def settle(self, reservation: Any, actual: Spend) -> None:
        r = _ours(reservation)
        if not r.budget_ids:
            return
        base = self.base(r.tenant_id)
        keys = [f"{base}:holds", f"{base}:expiry", f"{base}:done", f"{base}:journal"]
        amount = Units.actual(actual).as_tuple()
        await self._settle(keys, [base, r.reservation_id, *amount, ",".join(r.budget_ids)])

    async def release(self, reservation: Any) -> None:
        r = _ours(reservation)
        if not r.budget_ids:
            return
        base = self.base(r.tenant_id)
        await self._release([f"{base}:holds", f"{base}:expiry"], [base, r.reservation_id])

    async def sweep(self) -> int:
        """Release expired holds of every tenant with budgets; returns how many."""
        async with self.db.read() as conn:
            tenants = await tenants_with_budgets(conn)
        released = 0
        for tenant_id in tenants:
            base = self.base(tenant_id)
            released += int(await self._sweep([f"{base}:holds", f"{base}:expiry"], [base, 100_000]))
        return released

    async def reconcile(self) -> int:
        """Write every tenant's journal of settlements into the database; returns how many
        entries were new there. One reconciler per tenant at a time (a Redis lock)."""
        async with self.db.read() as conn:
            tenants = await tenants_with_budgets(conn)
        written = 0
        for tenant_id in tenants:
            try:
                async with self.cache.lock(f"bdg-reconcile:{tenant_id}", ttl_s=60, wait_s=0):
                    written += await self._reconcile_tenant(tenant_id)
            except NexusError as exc:
                if exc.code is not ErrorCode.CONFLICT:
                    raise  # CONFLICT: another process is reconciling this tenant
        return written

    async def _reconcile_tenant(self, tenant_id: str) -> int:
        base = self.base(tenant_id)
        journal = [f"{base}:journal"]
        written = 0
        while True:
            raw: list[str] = await self._journal_read(journal, [base, JOURNAL_BATCH])
            if not raw:
                return written
            entries = [e for line in raw for e in _entries(tenant_id, line)]
            async with self.db.transaction() as conn:
                await lock_budgets(conn, tenant_id, {e.budget_id for e in entries})
                written += await apply_spend(conn, entries)
            await self._journal_trim(journal, [base, len(raw)])
            if len(raw) < JOURNAL_BATCH:
                return written

    async def limits_changed(self, view: BudgetView) -> None:
        """Push new limits into a loaded tenant (an unloaded one loads them on first use)."""
        base = self.base(view.tenant_id)
        args = [base, view.budget_id, *map(_limit, view.limits.as_tuple()), *view.spent.as_tuple()]
        await self._upsert([f"{base}:loaded"], args)

    async def live(self, views: list[BudgetView]) -> list[BudgetView]:
        """The views with Redis's current spent and held (ahead of the database by the
        settlements not reconciled yet)."""
        out: list[BudgetView] = []
        for v in views:
            base = self.base(v.tenant_id)
            (got,) = await self._live([f"{base}:b:{v.budget_id}"], [base])
            if got:
                n = [int(x) for x in got]
                v = BudgetView(
                    v.tenant_id,
                    v.budget_id,
                    v.scope,
                    v.scope_id,
                    v.limits,
                    Units(n[0], n[1], n[2]),
                    Units(n[3], n[4], n[5]),
                )
            out.append(v)
        return out


def _entries(tenant_id: str, line: str) -> list[SpendEntry]:
    rid, t, c, u, ids = line.split("|")
    amount = Units(int(t), int(c), int(u))
    return [SpendEntry(rid, tenant_id, b, amount) for b in ids.split(",") if b]


def _ours(reservation: Any) -> BudgetReservation:
    if not isinstance(reservation, BudgetReservation):
        raise NexusError(ErrorCode.INTERNAL, "a reservation from another spend guard")
    return reservation
