"""The budgets' durable record: limits per scope, counters, and the spend journal.

Both counter backends keep their truth here: the SQL backend writes it directly, the Redis
backend reconciles its journal into it (``apply_spend``). Reading a budget computes what
remains and how much of it is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from nexus.budgets import tables
from nexus.budgets.units import DIMENSIONS, Limits, Units, budget_id
from nexus.contracts.errors import ErrorCode
from nexus.contracts.router import BudgetScope
from nexus.core.db import Conn
from nexus.core.errors import NexusError
from nexus.core.ids import utcnow
from nexus.core.prepared import Prepared

BUDGETS = cast(Table, tables.Budget.__table__)
HOLDS = cast(Table, tables.BudgetHold.__table__)
SPEND = cast(Table, tables.BudgetSpend.__table__)
SCOPES: tuple[BudgetScope, ...] = ("tenant", "project", "run")


@dataclass(frozen=True)
class BudgetView:
    """A budget as people see it: limits, spent, held, remaining and utilisation."""

    tenant_id: str
    budget_id: str
    scope: str
    scope_id: str
    limits: Limits
    spent: Units
    held: Units

    def remaining(self) -> tuple[int | None, int | None, int | None]:
        """Per dimension: limit - spent - held (None when unlimited), never below zero."""
        out: list[int | None] = []
        for limit, spent, held in zip(
            self.limits.as_tuple(), self.spent.as_tuple(), self.held.as_tuple(), strict=True
        ):
            out.append(None if limit is None else max(0, limit - spent - held))
        return (out[0], out[1], out[2])

    def utilisation(self) -> tuple[float | None, float | None, float | None]:
        """Per dimension: (spent + held) / limit (None when unlimited; 1.0 for a zero limit)."""
        out: list[float | None] = []
        for limit, spent, held in zip(
            self.limits.as_tuple(), self.spent.as_tuple(), self.held.as_tuple(), strict=True
        ):
            if limit is None:
                out.append(None)
            else:
                out.append(1.0 if limit == 0 else (spent + held) / limit)
        return (out[0], out[1], out[2])

    def as_json(self) -> dict[str, Any]:
        """The budget in people's units (USD, seconds), as the CLI and the API print it."""
        lim, rem, use = self.limits.as_tuple(), self.remaining(), self.utilisation()
        spent, held = self.spent.as_tuple(), self.held.as_tuple()
        out: dict[str, Any] = {"scope": self.scope, "scope_id": self.scope_id}
        for i, (name, div) in enumerate(PEOPLE_UNITS):
            out[name] = {
                "limit": _people(lim[i], div),
                "spent": _people(spent[i], div),
                "held": _people(held[i], div),
                "remaining": _people(rem[i], div),
                "utilisation": use[i],
            }
        return out


PEOPLE_UNITS = (("tokens", 1), ("compute_s", 1_000), ("usd", 1_000_000))


def _people(value: int | None, div: int) -> int | float | None:
    if value is None or div == 1:
        return value
    return value / div


def view_of(row: Any) -> BudgetView:
    return BudgetView(
        tenant_id=row.tenant_id,
        budget_id=row.budget_id,
        scope=row.scope,
        scope_id=row.scope_id,
        limits=Limits(row.limit_tokens, row.limit_compute_ms, row.limit_micro_usd),
        spent=Units(row.spent_tokens, row.spent_compute_ms, row.spent_micro_usd),
        held=Units(row.held_tokens, row.held_compute_ms, row.held_micro_usd),
    )


def check_scope(scope: str, scope_id: str) -> BudgetScope:
    if scope not in SCOPES:
        raise NexusError(
            ErrorCode.VALIDATION_FAILED,
            f"unknown budget scope {scope!r}",
            fields={"scope": "one of tenant, project, run"},
        )
    if not scope_id or len(scope_id) > 64:
        raise NexusError(
            ErrorCode.VALIDATION_FAILED,
            "a budget needs the id of its tenant, project or run",
            fields={"scope_id": "1 to 64 characters"},
        )
    return scope


def check_limits(limits: Limits) -> None:
    for name, value in zip(DIMENSIONS, limits.as_tuple(), strict=True):
        if value is not None and value < 0:
            raise NexusError(
                ErrorCode.VALIDATION_FAILED,
                f"a budget limit cannot be negative ({name})",
                fields={name: "must be >= 0"},
            )


SELECT_ONE = select(BUDGETS).where(
    BUDGETS.c.tenant_id == bindparam("tenant_id"), BUDGETS.c.budget_id == bindparam("budget_id")
)


async def read_budget(conn: Conn, tenant_id: str, scope: str, scope_id: str) -> BudgetView:
    bid = budget_id(check_scope(scope, scope_id), scope_id)
    row = (await conn.execute(SELECT_ONE, {"tenant_id": tenant_id, "budget_id": bid})).first()
    if row is None:
        raise NexusError(ErrorCode.NOT_FOUND, f"no budget is set for {scope} {scope_id!r}")
    return view_of(row)


async def list_budgets(
    conn: Conn, tenant_id: str, *, scope: str | None = None, limit: int = 500
) -> list[BudgetView]:
    stmt = select(BUDGETS).where(BUDGETS.c.tenant_id == tenant_id)
    if scope is not None:
        stmt = stmt.where(BUDGETS.c.scope == check_scope(scope, "-"))
    stmt = stmt.order_by(BUDGETS.c.scope, BUDGETS.c.scope_id).limit(limit)
    return [view_of(r) for r in (await conn.execute(stmt)).all()]


async def upsert_limits(
    conn: Conn, tenant_id: str, scope: str, scope_id: str, limits: Limits
) -> BudgetView:
    """Set (replace) a budget's limits, creating it with nothing spent if it is new."""
    checked = check_scope(scope, scope_id)
    check_limits(limits)
    bid = budget_id(checked, scope_id)
    now = utcnow()
    values = {
        "limit_tokens": limits.tokens,
        "limit_compute_ms": limits.compute_ms,
        "limit_micro_usd": limits.micro_usd,
    }
    key = {"tenant_id": tenant_id, "budget_id": bid}
    row = (await conn.execute(SELECT_ONE.with_for_update(), key)).first()
    if row is None:
        zero = {f"{kind}_{d}": 0 for kind in ("spent", "held") for d in DIMENSIONS}
        await conn.execute(
            insert(BUDGETS).values(
                **key,
                scope=checked,
                scope_id=scope_id,
                **values,
                **zero,
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
    else:
        await conn.execute(
            update(BUDGETS)
            .where(BUDGETS.c.tenant_id == tenant_id, BUDGETS.c.budget_id == bid)
            .values(**values, version=row.version + 1, updated_at=now)
        )
    return view_of((await conn.execute(SELECT_ONE, key)).one())


async def tenants_with_budgets(conn: Conn) -> list[str]:
    rows = await conn.execute(select(BUDGETS.c.tenant_id).distinct())
    return [r.tenant_id for r in rows.all()]


def _insert_ignore(conn: Conn) -> Any:
    maker = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    return (
        maker(SPEND)
        .on_conflict_do_nothing()
        .returning(SPEND.c.budget_id, SPEND.c.tokens, SPEND.c.compute_ms, SPEND.c.micro_usd)
    )


@dataclass(frozen=True)
class SpendEntry:
    """One settled reservation's actual spend on one budget."""

    reservation_id: str
    tenant_id: str
    budget_id: str
    amount: Units


SPEND_BATCH = 1000
# PostgreSQL: a whole batch as one statement over arrays (one parse, seven parameters).
PG_INSERT_SPEND = Prepared(
    text(
        "INSERT INTO budget_spend (reservation_id, budget_id, tenant_id, tokens, compute_ms,"
        " micro_usd, settled_at) SELECT r, b, t, tk, c, u, CAST(:now AS timestamptz)"
        " FROM unnest(CAST(:rids AS text[]), CAST(:bids AS text[]), CAST(:tids AS text[]),"
        " CAST(:tks AS bigint[]), CAST(:cs AS bigint[]), CAST(:us AS bigint[]))"
        " AS x(r, b, t, tk, c, u)"
        " ON CONFLICT DO NOTHING RETURNING budget_id, tokens, compute_ms, micro_usd"
    )
)


async def _insert_new(conn: Conn, batch: Sequence[SpendEntry], now: Any) -> list[Any]:
    """Insert the batch's journal rows that are not there yet; return the new ones."""
    if conn.dialect.name == "postgresql":
        params = {
            "now": now,
            "rids": [e.reservation_id for e in batch],
            "bids": [e.budget_id for e in batch],
            "tids": [e.tenant_id for e in batch],
            "tks": [e.amount.tokens for e in batch],
            "cs": [e.amount.compute_ms for e in batch],
            "us": [e.amount.micro_usd for e in batch],
        }
        return list((await conn.execute(PG_INSERT_SPEND, params)).all())
    rows = [
        {
            "reservation_id": e.reservation_id, "budget_id": e.budget_id,
            "tenant_id": e.tenant_id, "tokens": e.amount.tokens,
            "compute_ms": e.amount.compute_ms, "micro_usd": e.amount.micro_usd,
            "settled_at": now,
        }
        for e in batch
    ]  # fmt: skip
    return list((await conn.execute(_insert_ignore(conn).values(rows))).all())


async def apply_spend(conn: Conn, entries: Sequence[SpendEntry]) -> int:
    """Journal each entry once (keyed by reservation and budget) and add the new ones to
    their budget's ``spent``: one multi-row insert per batch, one update per budget.
    Returns how many entries were new (a replayed entry changes nothing)."""
    new = 0
    now = utcnow()
    for start in range(0, len(entries), SPEND_BATCH):
        batch = entries[start : start + SPEND_BATCH]
        tenant_of = {e.budget_id: e.tenant_id for e in batch}
        inserted = await _insert_new(conn, batch, now)
        totals: dict[str, list[int]] = {}
        for r in inserted:
            acc = totals.setdefault(r.budget_id, [0, 0, 0])
            acc[0], acc[1], acc[2] = acc[0] + r.tokens, acc[1] + r.compute_ms, acc[2] + r.micro_usd
        for bid, (t, c, u) in sorted(totals.items()):
            await conn.execute(
                update(BUDGETS)
                .where(BUDGETS.c.tenant_id == tenant_of[bid], BUDGETS.c.budget_id == bid)
                .values(
                    spent_tokens=BUDGETS.c.spent_tokens + t,
                    spent_compute_ms=BUDGETS.c.spent_compute_ms + c,
                    spent_micro_usd=BUDGETS.c.spent_micro_usd + u,
                    updated_at=now,
                )
            )
        new += len(inserted)
    return new


async def lock_budgets(conn: Conn, tenant_id: str, ids: Iterable[str]) -> list[Any]:
    """The existing budgets among ``ids``, row-locked in id order (no lock-order deadlocks)."""
    stmt = (
        select(BUDGETS)
        .where(and_(BUDGETS.c.tenant_id == tenant_id, BUDGETS.c.budget_id.in_(sorted(set(ids)))))
        .order_by(BUDGETS.c.budget_id)
        .with_for_update()
    )
    return list((await conn.execute(stmt)).all())
