"""The Nexus side of bench/agent/run.py: one child process, one fresh embedded platform
(SQLite in a temporary data dir, in-process workers), the OpenAI protocol fake at ``--url``
as the only chat provider (``chat`` + ``tools``, priced, so every turn reserves and settles
a budget and writes a ledger row). Prints one JSON object.

    uv run python bench/agent/nexus_side.py --url URL --n 50 [--warmup 5]

The conversation's two tools are skills of category "agent" registered for the benchmark
(``agent.bench_lookup_shot``, ``agent.bench_shot_duration``: trivial, like the peers'
Python functions), so the platform's own work is what is timed: the agent run's row and
message, its orchestrator run, one job per model turn and per tool call, the policy check
of each call, budgets, the ledger, the persisted events and the stream a client reads
(``platform.agents``: ``post_message`` then ``stream`` until ``run_finished``). A fresh
session per conversation (created outside the timing), so the prompt does not grow.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import conversation as conv  # noqa: E402

from nexus.contracts.agents import SessionCreate  # noqa: E402
from nexus.contracts.governance import Principal  # noqa: E402
from nexus.core.registry import Registry, Skill, SkillContext  # noqa: E402
from nexus.core.settings import Settings, load_settings  # noqa: E402
from nexus.platform import Platform, build_registry  # noqa: E402

WHO = Principal(user_id="usr_bench", tenant_id="t_bench", roles=["editor"])


class ShotArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shot: int = Field(description="The shot's number from 1.")


class Found(BaseModel):
    summary: str
    details: dict[str, Any] = Field(default_factory=dict)


async def lookup(inp: ShotArgs, ctx: SkillContext) -> Found:
    return Found(summary="shot found", details=conv.lookup_shot(inp.shot))


async def duration(inp: ShotArgs, ctx: SkillContext) -> Found:
    return Found(summary="duration", details=conv.shot_duration(inp.shot))


def registry() -> Registry:
    found = build_registry()
    for name, fn, what in (
        ("agent.bench_lookup_shot", lookup, "A shot's line and voice."),
        ("agent.bench_shot_duration", duration, "A shot's duration in seconds."),
    ):
        found.add_skill(
            Skill(name, "1", ShotArgs, Found, fn, resource_class="io", pool="agent",
                  category="agent", description=what)
        )  # fmt: skip
    return found


def settings(url: str, data_dir: Path) -> Settings:
    provider = {
        "name": "fake",
        "kind": "openai",
        "base_url": f"{url}/v1",
        "api_key": "sk-test",
        "max_retries": 0,
        "models": [
            {
                "name": "fake-chat",
                "capabilities": ["chat", "tools"],
                "prices": {"input_per_mtok": 1.0, "output_per_mtok": 2.0},
            }
        ],
    }
    return load_settings(
        env="test",
        data_dir=data_dir,
        log_level="WARNING",
        providers=[provider],
        router={"offline_fallback": False},
        orchestrator={"process_workers": 0},
    )


async def one(platform: Platform) -> tuple[float, dict[str, Any]]:
    session = await platform.agents.create_session(
        WHO, SessionCreate(project_id="bench", engine="fake/fake-chat")
    )
    t0 = time.perf_counter()
    run = await platform.agents.post_message(WHO, session.session_id, conv.USER)
    kinds: list[str] = []
    final: dict[str, Any] = {}
    async for event in platform.agents.stream(WHO, run.agent_run_id):
        kinds.append(event.kind)
        if event.kind == "run_finished":
            final = dict(event.data["agent_run"])
    elapsed = time.perf_counter() - t0
    if final.get("status") != "succeeded":
        raise SystemExit(f"nexus: the agent run ended {final}")
    calls = await platform.agents.tool_calls(WHO, run.agent_run_id)
    if sorted(c.tool_name for c in calls) != sorted([conv.LOOKUP, conv.DURATION]):
        raise SystemExit(f"nexus: unexpected tool calls {[c.tool_name for c in calls]}")
    return elapsed, {"kinds": kinds, "steps": final.get("steps"), "cost": final.get("cost_usd")}


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        platform = Platform(settings(args.url, Path(tmp)), registry=registry())
        await platform.start_embedded()
        try:
            for _ in range(args.warmup):
                await one(platform)
            times: list[float] = []
            cpu0 = time.process_time()
            info: dict[str, Any] = {}
            for _ in range(args.n):
                elapsed, info = await one(platform)
                times.append(elapsed)
            cpu = time.process_time() - cpu0
        finally:
            await platform.close()
    print(json.dumps({"times": times, "cpu_s": cpu, "last": info, "versions": {}}))


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--n", type=int, default=50)
    p.add_argument("--warmup", type=int, default=5)
    asyncio.run(main(p.parse_args()))
