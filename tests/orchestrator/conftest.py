"""Orchestrator fixtures: an embedded platform on SQLite or on a fresh PostgreSQL database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from nexus.contracts.graph import NodeSpec
from nexus.core.registry import Pipeline, Registry
from nexus.core.settings import Settings
from nexus.platform import Platform, build_registry
from nexus.workers.demo.pipelines import ChainParams

PlatformFactory = Callable[..., Awaitable[Platform]]


def build_gated(p: ChainParams) -> list[NodeSpec]:
    """a -> gate (needs approval) -> c"""
    return [
        NodeSpec(key="a", skill="demo.noop", params={"i": 1}),
        NodeSpec(
            key="gate", skill="demo.noop", params={"i": 2}, after=["a"], requires_approval=True
        ),
        NodeSpec(key="c", skill="demo.noop", params={"i": 3}, after=["gate"]),
    ]


def test_registry() -> Registry:
    registry = build_registry()
    registry.add_pipeline(Pipeline("gated", ChainParams, build_gated))
    return registry


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest) -> str | None:
    if backend == "sqlite":
        return None
    pg = request.getfixturevalue("pg_migrated_database")
    return str(pg.url)


@pytest.fixture
async def make_platform(tmp_path: Path, database_url: str | None) -> AsyncIterator[PlatformFactory]:
    made: list[Platform] = []

    async def make(*, workers: bool = True, **orchestrator: Any) -> Platform:
        settings = Settings(
            env="test",
            data_dir=tmp_path,
            database={"url": database_url} if database_url else {},
            orchestrator={
                "lease_s": 2.0,
                "sweep_interval_s": 0.2,
                "retry_base_s": 0.02,
                "retry_max_s": 0.2,
                "process_workers": 1,
                **orchestrator,
            },
        )
        platform = Platform(settings, registry=test_registry())
        if workers:
            await platform.start_embedded()
        else:
            await platform.open()
        made.append(platform)
        return platform

    yield make
    for platform in made:
        await platform.close()


@pytest.fixture
async def platform(make_platform: PlatformFactory) -> Platform:
    return await make_platform()
