"""Fixtures: the protocol fakes as servers, settings pointing at them, a recording guard."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from nexus.contracts.errors import ErrorCode
from nexus.contracts.router import CallScope, ProviderCall, Spend
from nexus.core.db import Database
from nexus.core.errors import NexusError
from nexus.core.migrate import migrate
from nexus.core.settings import Settings, load_settings
from tests.fakes.comfyui_server import ComfyUIServer
from tests.fakes.lipsync_server import LipsyncServer
from tests.fakes.openai_server import OpenAIServer
from tests.integration.conftest import redis_prefix  # noqa: F401 - the Redis fixture

SCOPE = CallScope(tenant_id="t1", project_id="p1", run_id="r1", job_id="j1")


@pytest.fixture
def openai_fake() -> Iterator[OpenAIServer]:
    with OpenAIServer(api_key="sk-test") as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def openai_backup() -> Iterator[OpenAIServer]:
    with OpenAIServer(api_key="sk-test") as server:
        yield server  # type: ignore[misc]


def openai_provider(name: str, url: str, **kw: Any) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "openai",
        "base_url": f"{url}/v1",
        "api_key": "sk-test",
        "max_retries": kw.pop("max_retries", 2),
        "timeout_s": kw.pop("timeout_s", 5.0),
        "models": kw.pop("models", None)
        or [
            {
                "name": "fake-chat",
                "capabilities": ["chat", "json", "tools"],
                "prices": {"input_per_mtok": 1.0, "output_per_mtok": 2.0},
            },
            {
                "name": "fake-embed",
                "capabilities": ["embeddings"],
                "prices": {"input_per_mtok": 0.1},
            },
            {"name": "fake-image", "capabilities": ["image"], "prices": {"per_image": 0.04}},
            {"name": "fake-tts", "capabilities": ["speech"], "prices": {"per_audio_s": 0.001}},
        ],
        **kw,
    }


def settings_with(*providers: dict[str, Any], **router: Any) -> Settings:
    return load_settings(env="test", providers=list(providers), router=router)


@dataclass
class Held:
    reservation_id: str
    estimate: Spend


@dataclass
class LedgerGuard:
    """A SpendGuard + CallRecorder that keeps what it was told, with a money limit."""

    limit_usd: float = 1e9
    held: dict[str, Held] = field(default_factory=dict)
    settled: list[Spend] = field(default_factory=list)
    released: list[str] = field(default_factory=list)
    calls: list[ProviderCall] = field(default_factory=list)

    @property
    def spent(self) -> float:
        return sum(s.usd for s in self.settled) + sum(h.estimate.usd for h in self.held.values())

    async def reserve(self, scope: CallScope, estimate: Spend) -> Held:
        if self.spent + estimate.usd > self.limit_usd:
            raise NexusError(ErrorCode.BUDGET_EXHAUSTED, "no money left")
        held = Held(f"res{len(self.held) + len(self.settled) + len(self.released)}", estimate)
        self.held[held.reservation_id] = held
        return held

    async def settle(self, reservation: Held, actual: Spend) -> None:
        del self.held[reservation.reservation_id]
        self.settled.append(actual)

    async def release(self, reservation: Held) -> None:
        del self.held[reservation.reservation_id]
        self.released.append(reservation.reservation_id)

    async def record_call(self, call: ProviderCall) -> None:
        self.calls.append(call)


WORKFLOWS = Path(__file__).resolve().parents[2] / "examples" / "comfyui"


@pytest.fixture
def comfyui_fake() -> Iterator[ComfyUIServer]:
    with ComfyUIServer(run_s=0.3) as server:
        yield server  # type: ignore[misc]


@pytest.fixture
def lipsync_fake() -> Iterator[LipsyncServer]:
    with LipsyncServer(run_s=0.3) as server:
        yield server  # type: ignore[misc]


def comfyui_provider(name: str, url: str, **kw: Any) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "comfyui",
        "base_url": url,
        "poll_interval_s": 0.05,
        "timeout_s": 5.0,
        "models": [
            {
                "name": "sdxl",
                "capabilities": ["image"],
                "pool": "gpu",
                "workflow": str(WORKFLOWS / "txt2img.json"),
                "prices": {"per_image": 0.01},
            },
            {
                "name": "wan-i2v",
                "capabilities": ["video"],
                "pool": "gpu",
                "workflow": str(WORKFLOWS / "img2video.json"),
                "prices": {"per_video_s": 0.05},
            },
        ],
        **kw,
    }


def lipsync_provider(name: str, url: str, **kw: Any) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "lipsync_http",
        "base_url": url,
        "poll_interval_s": 0.05,
        "models": [
            {"name": "wav2lip", "capabilities": ["lipsync"], "prices": {"per_video_s": 0.02}}
        ],
        **kw,
    }


async def migrated_db(path: Path) -> Database:
    db = Database.from_url(f"sqlite+aiosqlite:///{path}")
    await migrate(db.engine)
    return db
