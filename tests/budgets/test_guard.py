"""The budget guard on SQLite, PostgreSQL and Redis: atomic, fail-closed reservations.

The headline check: 100 concurrent reservations against a budget for 10 -> exactly 10."""

from __future__ import annotations

import asyncio

import pytest

from nexus.budgets import service
from nexus.budgets.store import read_budget
from nexus.budgets.units import BudgetReservation, Limits
from nexus.contracts.errors import ErrorCode
from nexus.contracts.router import CallScope, Spend
from nexus.core.errors import NexusError
from tests.budgets.conftest import Backend
from tests.integration.conftest import wait_until

TENANT = "ten_budget_test"
SCOPE = CallScope(tenant_id=TENANT, project_id="prj_1", run_id="run_1", job_id="job_1")
ONE_USD = Spend(usd=1.0)


async def try_reserve(guard: object, scope: CallScope, spend: Spend) -> BudgetReservation | None:
    try:
        return await guard.reserve(scope, spend)  # type: ignore[attr-defined]
    except NexusError as exc:
        assert exc.code is ErrorCode.BUDGET_EXHAUSTED, exc
        return None


async def test_100_concurrent_reservations_against_a_budget_for_10(backend: Backend) -> None:
    guard = backend.guard()
    await service.set_budget(backend.db, guard, TENANT, "project", "prj_1", Limits.of(usd=10))
    results = await asyncio.gather(*(try_reserve(guard, SCOPE, ONE_USD) for _ in range(100)))
    won = [r for r in results if r is not None]
    assert len(won) == 10
    view = await service.show_budget(backend.db, guard, TENANT, "project", "prj_1")
    assert view.held.micro_usd == 10_000_000
    assert view.remaining()[2] == 0
    # settling them all at their actual cost frees the difference
    await asyncio.gather(*(guard.settle(r, Spend(usd=0.5)) for r in won))
    view = await service.show_budget(backend.db, guard, TENANT, "project", "prj_1")
    assert (view.spent.micro_usd, view.held.micro_usd) == (5_000_000, 0)
    assert view.utilisation()[2] == pytest.approx(0.5)
    results = await asyncio.gather(*(try_reserve(guard, SCOPE, ONE_USD) for _ in range(100)))
    assert sum(r is not None for r in results) == 5


async def test_every_covering_budget_holds_or_none_does(backend: Backend) -> None:
    guard = backend.guard()
    await service.set_budget(backend.db, guard, TENANT, "tenant", TENANT, Limits.of(usd=100))
    await service.set_budget(backend.db, guard, TENANT, "run", "run_1", Limits.of(tokens=300))
    first = await guard.reserve(SCOPE, Spend(tokens=200, usd=2))
    assert set(first.budget_ids) == {f"tenant:{TENANT}", "run:run_1"}
    with pytest.raises(NexusError) as refused:
        await guard.reserve(SCOPE, Spend(tokens=200, usd=2))
    assert refused.value.code is ErrorCode.BUDGET_EXHAUSTED
    assert "run:run_1" in refused.value.detail
    tenant = await service.show_budget(backend.db, guard, TENANT, "tenant", TENANT)
    assert tenant.held.micro_usd == 2_000_000  # the refused call held nothing anywhere
    # another run of the same project is not limited by run_1's budget
    other = await guard.reserve(SCOPE.model_copy(update={"run_id": "run_2"}), Spend(tokens=200))
    assert other.budget_ids == (f"tenant:{TENANT}",)


async def test_release_gives_the_estimate_back(backend: Backend) -> None:
    guard = backend.guard()
    await service.set_budget(backend.db, guard, TENANT, "project", "prj_1", Limits.of(usd=1))
    held = await guard.reserve(SCOPE, ONE_USD)
    assert await try_reserve(guard, SCOPE, ONE_USD) is None
    await guard.release(held)
    await guard.release(held)  # twice is harmless
    again = await guard.reserve(SCOPE, ONE_USD)
    await guard.settle(again, ONE_USD)
    await guard.settle(again, ONE_USD)  # a repeated settle is counted once
    await guard.reconcile()
    view = await service.show_budget(backend.db, guard, TENANT, "project", "prj_1")
    assert (view.spent.micro_usd, view.held.micro_usd) == (1_000_000, 0)


async def test_no_budget_means_no_limit_and_zero_dimensions_are_not_checked(
    backend: Backend,
) -> None:
    guard = backend.guard()
    free = await guard.reserve(SCOPE, Spend(usd=1e6))
    assert free.budget_ids == ()
    await guard.settle(free, Spend(usd=1e6))
    await service.set_budget(backend.db, guard, TENANT, "project", "prj_1", Limits.of(usd=0))
    assert await try_reserve(guard, SCOPE, Spend(usd=0.000001)) is None
    # a call that costs nothing in the limited dimension still goes through
    assert (await guard.reserve(SCOPE, Spend(tokens=10))).budget_ids == ("project:prj_1",)


async def test_unsettled_reservations_expire_and_the_sweep_releases_them(
    backend: Backend,
) -> None:
    guard = backend.guard(hold_ttl_s=0.05)
    await service.set_budget(backend.db, guard, TENANT, "project", "prj_1", Limits.of(usd=3))
    for _ in range(3):
        await guard.reserve(SCOPE, ONE_USD)  # a worker that crashes before settling
    view = await service.show_budget(backend.db, guard, TENANT, "project", "prj_1")
    assert view.held.micro_usd == 3_000_000
    released = 0

    async def swept() -> bool:
        nonlocal released
        released += await guard.sweep()
        return released == 3

    await wait_until(swept, timeout_s=10)
    view = await service.show_budget(backend.db, guard, TENANT, "project", "prj_1")
    assert view.held.micro_usd == 0
    assert len([await try_reserve(guard, SCOPE, ONE_USD) for _ in range(4)]) == 4


async def test_settlements_reach_the_database(backend: Backend) -> None:
    guard = backend.guard()
    await service.set_budget(backend.db, guard, TENANT, "project", "prj_1", Limits.of(usd=5))
    for _ in range(3):
        await guard.settle(await guard.reserve(SCOPE, ONE_USD), Spend(usd=0.25, tokens=7))
    await guard.reconcile()
    async with backend.db.read() as conn:
        row = await read_budget(conn, TENANT, "project", "prj_1")
    assert (row.spent.micro_usd, row.spent.tokens) == (750_000, 21)
    assert await guard.reconcile() == 0  # nothing new the second time


async def test_bad_limits_and_scopes_are_refused(backend: Backend) -> None:
    guard = backend.guard()
    with pytest.raises(NexusError) as bad:
        await service.set_budget(backend.db, guard, TENANT, "planet", "x", Limits.of(usd=1))
    assert bad.value.code is ErrorCode.VALIDATION_FAILED
    with pytest.raises(NexusError) as negative:
        await service.set_budget(backend.db, guard, TENANT, "project", "p", Limits.of(usd=-1))
    assert negative.value.code is ErrorCode.VALIDATION_FAILED
    assert await service.list_budgets(backend.db, guard, TENANT) == []
    with pytest.raises(NexusError) as missing:
        await service.show_budget(backend.db, guard, TENANT, "project", "p")
    assert missing.value.code is ErrorCode.NOT_FOUND
