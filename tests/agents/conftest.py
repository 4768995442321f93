"""Agent-session fixtures: an embedded platform (SQLite, or a fresh PostgreSQL database), the
OpenAI protocol fake as a tool-calling provider, principals of two tenants, policies written
the way the API writes them, and a helper that posts a message and collects its stream."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.fakes.openai_server import OpenAIServer

from nexus.contracts.agents import AgentEvent, SessionCreate, SessionRecord
from nexus.contracts.governance import Principal
from nexus.core.settings import Settings, load_settings
from nexus.governance.policies import put_policy
from nexus.platform import Platform

ALICE = Principal(user_id="usr_alice", tenant_id="t1", roles=["editor"])
BOB = Principal(user_id="usr_bob", tenant_id="t1", roles=["editor", "approver"])
EVE = Principal(user_id="usr_eve", tenant_id="t2", roles=["editor", "admin"])

PlatformFactory = Callable[..., Awaitable[Platform]]


def fake_provider(
    url: str, *, input_per_mtok: float = 1.0, output_per_mtok: float = 2.0
) -> dict[str, Any]:
    return {
        "name": "fake",
        "kind": "openai",
        "base_url": f"{url}/v1",
        "api_key": "sk-test",
        "max_retries": 0,
        "timeout_s": 10.0,
        "models": [
            {
                "name": "fake-chat",
                "capabilities": ["chat", "tools"],
                "prices": {"input_per_mtok": input_per_mtok, "output_per_mtok": output_per_mtok},
            }
        ],
    }


def settings_for(data_dir: Path, *, database_url: str | None = None, **over: Any) -> Settings:
    return load_settings(
        env="test",
        data_dir=data_dir,
        log_level="WARNING",
        database={"url": database_url} if database_url else {},
        orchestrator={
            "lease_s": 3.0,
            "sweep_interval_s": 0.2,
            "retry_base_s": 0.02,
            "retry_max_s": 0.2,
            "process_workers": 0,
        },
        governance={"sweep_interval_s": 0.2},
        **over,
    )


@pytest.fixture
def openai_fake() -> Iterator[OpenAIServer]:
    with OpenAIServer(api_key="sk-test") as server:
        yield server  # type: ignore[misc]


@pytest.fixture
async def make_platform(tmp_path: Path) -> AsyncIterator[PlatformFactory]:
    made: list[Platform] = []

    async def make(*, database_url: str | None = None, **over: Any) -> Platform:
        platform = Platform(
            settings_for(tmp_path / f"data{len(made)}", database_url=database_url, **over)
        )
        await platform.start_embedded()
        made.append(platform)
        return platform

    yield make
    for platform in made:
        await platform.close()


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue("pg_database").url)


@pytest.fixture
async def platform(make_platform: PlatformFactory) -> Platform:
    return await make_platform()


async def write_policy(platform: Platform, tenant_id: str, source: str) -> None:
    async with platform.db.transaction() as conn:
        await put_policy(conn, tenant_id, source, tests=[])
    await platform.reload_policies()


@dataclass
class Said:
    events: list[AgentEvent]

    def kinds(self) -> list[str]:
        return [e.kind for e in self.events]

    def persisted(self) -> list[AgentEvent]:
        return [e for e in self.events if e.kind != "token"]

    def tokens(self) -> str:
        return "".join(str(e.data["text"]) for e in self.events if e.kind == "token")

    def final(self) -> dict[str, Any]:
        return dict(self.events[-1].data["agent_run"])

    def answer(self) -> str:
        messages = [e.data["message"] for e in self.events if e.kind == "message"]
        assistant = [m for m in messages if m["role"] == "assistant" and m["content"]]
        return str(assistant[-1]["content"]) if assistant else ""


async def say(platform: Platform, who: Principal, session_id: str, text: str, **kw: Any) -> Said:
    run = await platform.agents.post_message(who, session_id, text, **kw)
    events = [e async for e in platform.agents.stream(who, run.agent_run_id)]
    return Said(events)


async def new_session(platform: Platform, who: Principal = ALICE, **kw: Any) -> SessionRecord:
    return await platform.agents.create_session(who, SessionCreate(**kw))
