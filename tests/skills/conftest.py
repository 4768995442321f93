"""Skill registry fixtures: embedded platforms (SQLite, or a fresh PostgreSQL database) built
on a registry the test extends with its own skills and pipelines."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from nexus.contracts.governance import SkillPermissions
from nexus.contracts.graph import NodeSpec
from nexus.core.registry import Pipeline, Registry, Skill, SkillContext
from nexus.core.settings import Settings
from nexus.platform import Platform, build_registry
from nexus.workers.demo import handlers as h

PlatformFactory = Callable[..., Awaitable[Platform]]


class NoParams(BaseModel):
    pass


async def bad_output(inp: h.NoopIn, ctx: SkillContext) -> dict[str, Any]:
    return {"i": "not a number", "extra": True}


async def big_output(inp: h.NoopIn, ctx: SkillContext) -> h.NoopOut:
    return h.NoopOut(i=10**40)  # 41 digits: over the skill's 32-byte bound


def fan_out_work(parent: NodeSpec, output: dict[str, Any], run: dict[str, Any]) -> list[NodeSpec]:
    return [
        NodeSpec(key=f"w[{i}]", skill="demo.work", params={"i": i, "sleep_s": 0})
        for i in range(int(output["n"]))
    ]


def fan_out_invalid(
    parent: NodeSpec, output: dict[str, Any], run: dict[str, Any]
) -> list[NodeSpec]:
    return [NodeSpec(key="bad", skill="demo.noop", params={"i": "seven", "bogus": 1})]


def one(skill: str, **params: Any) -> Callable[[NoParams], list[NodeSpec]]:
    return lambda _: [NodeSpec(key="only", skill=skill, params=params)]


def skills_registry() -> Registry:
    registry = build_registry()
    registry.add_skill(Skill("t.bad_output", "1", h.NoopIn, h.NoopOut, bad_output))
    registry.add_skill(
        Skill(
            "t.big_output",
            "1",
            h.NoopIn,
            h.NoopOut,
            big_output,
            permissions=SkillPermissions(max_output_bytes=32),
        )
    )
    registry.add_expander("t.fan_out_work", fan_out_work)
    registry.add_expander("t.fan_out_invalid", fan_out_invalid)
    pipelines = {
        "t.bad_root": one("demo.noop", i=1, bogus=2),
        "t.bad_output": one("t.bad_output"),
        "t.big_output": one("t.big_output"),
        "t.fan": lambda _: [
            NodeSpec(key="root", skill="demo.split", params={"n": 2}, expand="t.fan_out_work")
        ],
        "t.bad_child": lambda _: [
            NodeSpec(key="root", skill="demo.split", params={"n": 1}, expand="t.fan_out_invalid")
        ],
    }
    for name, build in pipelines.items():
        registry.add_pipeline(Pipeline(name, NoParams, build))
    return registry


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str | None:
    if request.param == "sqlite":
        return None
    return str(request.getfixturevalue("pg_migrated_database").url)


@pytest.fixture
async def make_platform(tmp_path: Path, database_url: str | None) -> AsyncIterator[PlatformFactory]:
    made: list[Platform] = []

    async def make(
        *, workers: bool = True, registry: Registry | None = None, **orchestrator: Any
    ) -> Platform:
        settings = Settings(
            env="test",
            data_dir=tmp_path,
            database={"url": database_url} if database_url else {},
            orchestrator={
                "lease_s": 2.0,
                "sweep_interval_s": 0.2,
                "retry_base_s": 0.02,
                "retry_max_s": 0.2,
                "process_workers": 0,
                **orchestrator,
            },
        )
        platform = Platform(settings, registry=registry or skills_registry())
        made.append(platform)
        if workers:
            await platform.start_embedded()
        else:
            await platform.open()
        return platform

    yield make
    for platform in made:
        await platform.close()
