"""The budget guard and the cost ledger as the platform wires them into the router's
ModelClient, against the OpenAI-compatible protocol fake: 100 concurrent image calls on a
budget for 10 images -> exactly 10 requests reach the provider, 10 ledger rows, 0 overshoot.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from nexus.budgets import service
from nexus.budgets.units import Limits
from nexus.contracts.errors import ErrorCode
from nexus.contracts.router import CallScope
from nexus.core.errors import NexusError
from nexus.core.settings import load_settings
from nexus.model_router import build_client
from nexus.observer.costs import summarise_costs
from nexus.platform import Platform
from tests.budgets.conftest import database, drop_prefix
from tests.fakes.openai_server import OpenAIServer
from tests.integration.conftest import REDIS_URL, unique_name

SCOPE = CallScope(tenant_id="ten_r", project_id="prj_r", run_id="run_r", job_id="job_r")
IMAGES = "/v1/images/generations"


@pytest.fixture
def fake() -> Iterator[OpenAIServer]:
    with OpenAIServer(api_key="sk-test") as server:
        yield server  # type: ignore[misc]


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.cluster)])
async def platform(
    request: pytest.FixtureRequest, tmp_path: Path, fake: OpenAIServer
) -> AsyncIterator[Platform]:
    provider = {
        "name": "fake",
        "kind": "openai",
        "base_url": f"{fake.url}/v1",
        "api_key": "sk-test",
        "models": [
            {
                "name": "img",
                "capabilities": ["image"],
                "prices": {"per_image": 0.04},
                "concurrency": 100,
            }
        ],
    }
    kw: dict[str, Any] = {"env": "test", "data_dir": tmp_path, "providers": [provider]}
    kw["router"] = {"offline_fallback": False}  # the budget refusal, not a degradation
    prefix = unique_name("redis") + ":"
    async with database(tmp_path, "postgresql" if request.param == "redis" else "sqlite") as db:
        kw["database"] = {"url": str(db.engine.url.render_as_string(hide_password=False))}
        if request.param == "redis":
            kw["cache"] = {"url": REDIS_URL, "key_prefix": prefix}
        plat = await Platform(load_settings(**kw)).open()
        try:
            yield plat
        finally:
            await plat.close()
            await drop_prefix(prefix)


async def test_no_call_past_the_budget_and_one_ledger_row_per_call(
    platform: Platform, fake: OpenAIServer
) -> None:
    await service.set_budget(
        platform.db, platform.guard, "ten_r", "project", "prj_r", Limits.of(usd=0.40)
    )
    client = platform.models  # the Platform's own client: guard and ledger wired in

    async def one(i: int) -> bool:
        try:
            await client.image(SCOPE, f"frame {i}", width=64, height=64, seed=i)
        except NexusError as exc:
            assert exc.code is ErrorCode.BUDGET_EXHAUSTED, exc
            return False
        return True

    done = await asyncio.gather(*(one(i) for i in range(100)))
    assert sum(done) == 10
    assert fake.submissions(IMAGES) == 10  # refused calls never reached the provider
    await platform.guard.reconcile()
    view = await service.show_budget(platform.db, platform.guard, "ten_r", "project", "prj_r")
    assert (view.spent.micro_usd, view.held.micro_usd) == (400_000, 0)
    async with platform.db.read() as conn:
        total, by_model = await summarise_costs(conn, tenant_id="ten_r", by="model")
    assert (total.calls, total.images, total.failed) == (10, 10, 0)
    assert total.cost_usd == pytest.approx(0.40)
    assert [(g.key, g.calls) for g in by_model] == [("img", 10)]


async def test_a_failed_call_releases_its_hold_and_is_recorded(
    platform: Platform, fake: OpenAIServer
) -> None:
    await service.set_budget(
        platform.db, platform.guard, "ten_r", "run", "run_r", Limits.of(usd=0.04)
    )
    client = build_client(platform.settings, platform.guard, platform.recorder, platform.cache)
    fake.fail(IMAGES, "malformed")
    try:
        with pytest.raises(NexusError):
            await client.image(SCOPE, "broken", width=64, height=64, seed=1)
        fake.clear()
        await client.image(SCOPE, "works", width=64, height=64, seed=2)  # the hold came back
        with pytest.raises(NexusError) as spent:
            await client.image(SCOPE, "one more", width=64, height=64, seed=3)
    finally:
        await client.close()
    assert spent.value.code is ErrorCode.BUDGET_EXHAUSTED
    async with platform.db.read() as conn:
        total, _ = await summarise_costs(conn, tenant_id="ten_r", run_id="run_r")
    assert (total.calls, total.failed) == (2, 1)
