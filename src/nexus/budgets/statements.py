"""The SQL backend's hot-path statements, built once and run on the raw driver (``Prepared``,
ADR 0014). A call draws on at most three budgets (tenant, project, run), so the budget sets
are three fixed parameters (``b1..b3``; a repeated id stands for a missing one) instead of
an expanding ``IN``, which ``Prepared`` cannot run."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from nexus.budgets.store import BUDGETS, HOLDS, SPEND
from nexus.core.prepared import Prepared

MAX_BUDGETS = 3
_IN3 = BUDGETS.c.budget_id.in_([bindparam("b1"), bindparam("b2"), bindparam("b3")])
_OF_TENANT = BUDGETS.c.tenant_id == bindparam("tenant_id")

LOCK = Prepared(
    select(BUDGETS).where(_OF_TENANT, _IN3).order_by(BUDGETS.c.budget_id).with_for_update()
)
ADD_HELD = Prepared(
    update(BUDGETS)
    .where(_OF_TENANT, _IN3)
    .values(
        held_tokens=BUDGETS.c.held_tokens + bindparam("t"),
        held_compute_ms=BUDGETS.c.held_compute_ms + bindparam("c"),
        held_micro_usd=BUDGETS.c.held_micro_usd + bindparam("u"),
        updated_at=bindparam("now"),
    )
)
ADD_SPENT = Prepared(
    update(BUDGETS)
    .where(_OF_TENANT, BUDGETS.c.budget_id == bindparam("b1"))
    .values(
        spent_tokens=BUDGETS.c.spent_tokens + bindparam("t"),
        spent_compute_ms=BUDGETS.c.spent_compute_ms + bindparam("c"),
        spent_micro_usd=BUDGETS.c.spent_micro_usd + bindparam("u"),
        updated_at=bindparam("now"),
    )
)
INSERT_HOLD = Prepared(insert(HOLDS))
SELECT_HOLD = Prepared(
    select(HOLDS).where(HOLDS.c.reservation_id == bindparam("rid")).with_for_update()
)
DELETE_HOLD = Prepared(delete(HOLDS).where(HOLDS.c.reservation_id == bindparam("rid")))


def _spend_insert(maker: Any) -> Prepared:
    return Prepared(
        maker(SPEND)
        .values(
            reservation_id=bindparam("rid"),
            budget_id=bindparam("b1"),
            tenant_id=bindparam("tenant_id"),
            tokens=bindparam("t"),
            compute_ms=bindparam("c"),
            micro_usd=bindparam("u"),
            settled_at=bindparam("now"),
        )
        .on_conflict_do_nothing()
        .returning(SPEND.c.budget_id)
    )


INSERT_SPEND = {"postgresql": _spend_insert(pg_insert), "sqlite": _spend_insert(sqlite_insert)}


def three(ids: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``b1..b3`` for up to three budget ids (repeating the last one)."""
    if not ids or len(ids) > MAX_BUDGETS:
        raise ValueError(f"1 to {MAX_BUDGETS} budget ids, got {len(ids)}")
    padded = [*ids, *[ids[-1]] * (MAX_BUDGETS - len(ids))]
    return {"b1": padded[0], "b2": padded[1], "b3": padded[2]}
