"""Observer fixtures: an embedded platform (SQLite, or a fresh PostgreSQL database) with fast
retries and SLAs on the demo pipeline that a handful of runs can breach."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from nexus.core.settings import Settings
from nexus.platform import Platform

PlatformFactory = Callable[..., Awaitable[Platform]]
DEMO_SLAS = [
    {"name": "demo-fast", "pipeline": "demo", "duration_s": 30, "max_failure_rate": 0.3,
     "min_samples": 2},
]  # fmt: skip


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest) -> str | None:
    if backend == "sqlite":
        return None
    return str(request.getfixturevalue("pg_migrated_database").url)


@pytest.fixture
async def make_platform(tmp_path: Path, database_url: str | None) -> AsyncIterator[PlatformFactory]:
    made: list[Platform] = []

    async def make(*, workers: bool = True, **observer: Any) -> Platform:
        settings = Settings(
            env="test",
            data_dir=tmp_path,
            database={"url": database_url} if database_url else {},
            orchestrator={
                "lease_s": 2.0,
                "sweep_interval_s": 0.2,
                "retry_base_s": 0.01,
                "retry_max_s": 0.05,
                "process_workers": 0,
            },
            observer={"slas": DEMO_SLAS, "sla_interval_s": 3600, **observer},
        )
        platform = Platform(settings)
        await (platform.start_embedded() if workers else platform.open())
        made.append(platform)
        return platform

    yield make
    for platform in made:
        await platform.close()


async def run_demo(platform: Platform, **params: Any) -> str:
    run_id, _ = await platform.create_run(
        "demo", {"n": 2, "sleep_s": 0, "rounds": 10, **params}, tenant_id="t1", project_id="p1"
    )
    await platform.wait_for_run(run_id, timeout_s=60)
    return run_id
