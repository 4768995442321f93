"""SQL row-locked budget counters (embedded SQLite, or PostgreSQL without Redis).

``reserve`` locks the covering budget rows in id order (``SELECT ... FOR UPDATE``; SQLite
serialises writers anyway), checks every dimension against ``limit - spent - held`` and
adds the hold, in one transaction: either every budget holds the estimate or none does.
``settle`` and ``release`` take the hold off again; ``sweep`` releases holds whose worker
never came back.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from nexus.budgets import statements as st
from nexus.budgets.store import HOLDS, BudgetView, lock_budgets
from nexus.budgets.units import DIMENSIONS, BudgetReservation, Units, covering
from nexus.contracts.errors import ErrorCode
from nexus.contracts.router import CallScope, Spend
from nexus.core.db import Conn, Database
from nexus.core.errors import NexusError
from nexus.core.ids import new_id, utcnow

SWEEP_BATCH = 500


def refusal(row: Any, need: Units) -> NexusError | None:
    """The error for the first dimension of ``row`` that cannot hold ``need``, if any."""
    for dim, amount in zip(DIMENSIONS, need.as_tuple(), strict=True):
        limit = getattr(row, f"limit_{dim}")
        if limit is None or amount == 0:
            continue
        left = limit - getattr(row, f"spent_{dim}") - getattr(row, f"held_{dim}")
        if amount > left:
            return exhausted(row.budget_id, dim, max(0, left), amount)
    return None


def exhausted(budget: str, dim: str, left: int, need: int) -> NexusError:
    return NexusError(
        ErrorCode.BUDGET_EXHAUSTED,
        f"budget {budget} has {fmt(dim, left)} left; the call needs {fmt(dim, need)}",
        extra={"budget_id": budget, "dimension": dim},
    )


def fmt(dim: str, amount: int) -> str:
    if dim == "micro_usd":
        return f"{amount / 1e6:.6f} USD"
    if dim == "compute_ms":
        return f"{amount / 1e3:.3f} compute s"
    return f"{amount} tokens"


class SqlSpendGuard:
    """``SpendGuard`` on the budget tables through ``nexus.core.db``."""

    def __init__(self, db: Database, *, hold_ttl_s: float) -> None:
        self.db = db
        self.hold_ttl_s = hold_ttl_s

    async def reserve(self, scope: CallScope, estimate: Spend) -> BudgetReservation:
        need = Units.estimate(estimate)
        rid = new_id("rsv")
        try:
            return await self._reserve(scope, need, rid)
        except NexusError as exc:
            if exc.code is not ErrorCode.BUDGET_EXHAUSTED or not await self.sweep():
                raise
        return await self._reserve(scope, need, rid)  # expired holds were given back

    async def _reserve(self, scope: CallScope, need: Units, rid: str) -> BudgetReservation:
        key = {"tenant_id": scope.tenant_id, **st.three(covering(scope))}
        async with self.db.transaction() as conn:
            rows = (await conn.execute(st.LOCK, key)).all()
            for row in rows:
                if (error := refusal(row, need)) is not None:
                    raise error
            ids = tuple(r.budget_id for r in rows)
            if ids:
                await self._hold(conn, scope.tenant_id, ids, need, rid)
        return BudgetReservation(rid, scope.tenant_id, ids, need)

    async def _hold(
        self, conn: Conn, tenant_id: str, ids: tuple[str, ...], need: Units, rid: str
    ) -> None:
        now = utcnow()
        t, c, u = need.as_tuple()
        amounts = {"t": t, "c": c, "u": u, "now": now}
        await conn.execute(st.ADD_HELD, {"tenant_id": tenant_id, **st.three(ids), **amounts})
        await conn.execute(
            st.INSERT_HOLD,
            {
                "reservation_id": rid, "tenant_id": tenant_id, "budget_ids": ",".join(ids),
                "tokens": t, "compute_ms": c, "micro_usd": u,
                "expires_at": now + timedelta(seconds=self.hold_ttl_s), "created_at": now,
            },
        )  # fmt: skip

    async def settle(self, reservation: Any, actual: Spend) -> None:
        r = _ours(reservation)
        if not r.budget_ids:
            return
        t, c, u = Units.actual(actual).as_tuple()
        async with self.db.transaction() as conn:
            hold = (await conn.execute(st.SELECT_HOLD, {"rid": r.reservation_id})).first()
            await conn.execute(st.LOCK, {"tenant_id": r.tenant_id, **st.three(r.budget_ids)})
            if hold is not None:
                await self._unhold(conn, hold)
            insert_spend = st.INSERT_SPEND[conn.dialect.name]
            now = utcnow()
            for bid in r.budget_ids:
                one = {"tenant_id": r.tenant_id, "b1": bid, "t": t, "c": c, "u": u, "now": now}
                new = (await conn.execute(insert_spend, {"rid": r.reservation_id, **one})).first()
                if new is not None:  # settled once, however often settle is called
                    await conn.execute(st.ADD_SPENT, one)

    async def release(self, reservation: Any) -> None:
        r = _ours(reservation)
        if not r.budget_ids:
            return
        async with self.db.transaction() as conn:
            hold = (await conn.execute(st.SELECT_HOLD, {"rid": r.reservation_id})).first()
            if hold is not None:
                await conn.execute(st.LOCK, {"tenant_id": r.tenant_id, **st.three(r.budget_ids)})
                await self._unhold(conn, hold)

    async def _unhold(self, conn: Conn, hold: Any) -> None:
        amounts = {"t": -hold.tokens, "c": -hold.compute_ms, "u": -hold.micro_usd}
        ids = st.three(hold.budget_ids.split(","))
        await conn.execute(
            st.ADD_HELD, {"tenant_id": hold.tenant_id, **ids, **amounts, "now": utcnow()}
        )
        await conn.execute(st.DELETE_HOLD, {"rid": hold.reservation_id})

    async def sweep(self) -> int:
        """Release every hold past its expiry (a worker that crashed between reserve and
        settle). Returns how many were released."""
        released = 0
        while True:
            async with self.db.transaction() as conn:
                expired = (
                    select(HOLDS)
                    .where(HOLDS.c.expires_at <= utcnow())
                    .order_by(HOLDS.c.reservation_id)
                    .limit(SWEEP_BATCH)
                    .with_for_update(skip_locked=True)
                )
                holds = list((await conn.execute(expired)).all())
                await _lock_all(conn, holds)
                for hold in holds:
                    await self._unhold(conn, hold)
            released += len(holds)
            if len(holds) < SWEEP_BATCH:
                return released

    async def reconcile(self) -> int:
        return 0  # the tables are the counters: nothing to reconcile

    async def limits_changed(self, view: BudgetView) -> None:
        """Nothing to do: reservations read the limits from the rows they lock."""

    async def live(self, views: list[BudgetView]) -> list[BudgetView]:
        return views  # the rows are the live counters


async def _lock_all(conn: Conn, holds: list[Any]) -> None:
    """Lock every budget the holds touch, tenant by tenant and in id order, before any
    write: the order ``reserve`` locks in, so a sweep never deadlocks with it."""
    by_tenant: dict[str, set[str]] = {}
    for hold in holds:
        by_tenant.setdefault(hold.tenant_id, set()).update(hold.budget_ids.split(","))
    for tenant_id in sorted(by_tenant):
        await lock_budgets(conn, tenant_id, by_tenant[tenant_id])


def _ours(reservation: Any) -> BudgetReservation:
    if not isinstance(reservation, BudgetReservation):
        raise NexusError(ErrorCode.INTERNAL, "a reservation from another spend guard")
    return reservation
