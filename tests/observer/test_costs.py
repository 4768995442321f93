"""The cost ledger on SQLite and PostgreSQL: one row per call, sums and groupings per
tenant, run and project; another tenant's calls never show."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from nexus.contracts.errors import ErrorCode
from nexus.contracts.router import CallScope, ProviderCall, Usage
from nexus.core.db import Database
from nexus.core.errors import NexusError
from nexus.observer.costs import CostLedger, list_calls, summarise_costs
from tests.budgets.conftest import database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    async with database(tmp_path, request.param) as database_:
        yield database_


def call(
    tenant: str, run: str, provider: str, model: str, cost: float, **kw: object
) -> ProviderCall:
    scope = CallScope(tenant_id=tenant, project_id=f"prj_{tenant}", run_id=run, job_id="job_1")
    return ProviderCall(
        scope=scope,
        provider=provider,
        model=model,
        capability="chat",
        usage=Usage(input_tokens=100, output_tokens=20),
        cost_usd=cost,
        latency_ms=50.0,
        **kw,  # type: ignore[arg-type]
    )


async def test_calls_are_summed_and_grouped_per_tenant(db: Database) -> None:
    ledger = CostLedger(db)
    await asyncio.gather(
        ledger.record_call(call("a", "run_1", "openai", "gpt-x", 0.5)),
        ledger.record_call(call("a", "run_1", "openai", "gpt-y", 0.25)),
        ledger.record_call(call("a", "run_2", "local", "llama", 0.0, cache_hit=True)),
        ledger.record_call(
            call("a", "run_2", "openai", "gpt-x", 0.0, ok=False, error_code="provider_error")
        ),
        ledger.record_call(call("b", "run_9", "openai", "gpt-x", 9.0)),
    )
    async with db.read() as conn:
        total, by_provider = await summarise_costs(conn, tenant_id="a", by="provider")
        _, by_run = await summarise_costs(conn, tenant_id="a", by="run")
        run_1, by_model = await summarise_costs(conn, tenant_id="a", run_id="run_1", by="model")
        _, by_day = await summarise_costs(conn, tenant_id="a", by="day")
        rows = await list_calls(conn, tenant_id="a", run_id="run_2")
    assert (total.calls, total.failed, total.cache_hits) == (4, 1, 1)
    assert total.cost_usd == pytest.approx(0.75)
    assert (total.input_tokens, total.output_tokens) == (400, 80)
    assert [(g.key, g.calls, round(g.cost_usd, 2)) for g in by_provider] == [
        ("openai", 3, 0.75),
        ("local", 1, 0.0),
    ]
    assert {g.key: round(g.cost_usd, 2) for g in by_run} == {"run_1": 0.75, "run_2": 0.0}
    assert run_1.calls == 2
    assert [g.key for g in by_model] == ["gpt-x", "gpt-y"]
    assert len(by_day) == 1 and by_day[0].key is not None and len(by_day[0].key) == 10
    assert {r.error_code for r in rows} == {None, "provider_error"}
    async with db.read() as conn:
        other, _ = await summarise_costs(conn, tenant_id="b")
        nobody, groups = await summarise_costs(conn, tenant_id="c", by="model")
    assert (other.calls, other.cost_usd) == (1, 9.0)
    assert (nobody.calls, nobody.cost_usd, groups) == (0, 0.0, [])


async def test_unknown_grouping_is_refused(db: Database) -> None:
    async with db.read() as conn:
        with pytest.raises(NexusError) as bad:
            await summarise_costs(conn, tenant_id="a", by="colour")
    assert bad.value.code is ErrorCode.VALIDATION_FAILED
