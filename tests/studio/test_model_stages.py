"""The studio's model stages in one embedded platform against the protocol fakes: invalid
replies re-asked then the rules taking over, a failed chunk the only one asked again after
a retry, and a budget that shrank after the estimate: calls refused (fail closed), the
offline engines used instead, nothing spent past the limit."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from nexus.budgets.service import set_budget
from nexus.budgets.units import Limits
from nexus.core.settings import load_settings
from nexus.orchestrator import queries
from nexus.platform import Platform
from nexus.studio.budget import prepare_studio_run
from nexus.studio.spend import run_costs
from tests.fakes.base import Reply, Request
from tests.llm_oracle import OracleOpenAIServer, openai_provider

STORY = """# The Keeper

Mara climbed the lighthouse stairs. The lamp was cold.

"Is anyone there?" Mara called.

# The Storm

The storm came over the harbour. Tom ran to the quay.

"Light it," Mara said.
"""
pytestmark = pytest.mark.timeout(300)
Opened = Callable[..., Any]


@pytest.fixture
async def platforms(tmp_path: Path) -> AsyncIterator[Opened]:
    opened: list[Platform] = []

    async def open_platform(fake: OracleOpenAIServer, **router: Any) -> Platform:
        settings = load_settings(
            env="test",
            data_dir=tmp_path / f"data{len(opened)}",
            providers=[openai_provider("fakeai", fake.url)],
            router=router,
        )
        platform = await Platform(settings).start_embedded()
        opened.append(platform)
        return platform

    yield open_platform
    for platform in opened:
        await platform.close()


async def produce(platform: Platform, **params: Any) -> tuple[Any, dict[str, dict[str, Any]]]:
    prepared = prepare_studio_run({"story": STORY, "resolution": "640x360", **params},
                                  platform.studio_models)  # fmt: skip
    run_id, _ = await platform.create_run("studio", prepared.params)
    return await finish(platform, run_id)


async def finish(platform: Platform, run_id: str) -> tuple[Any, dict[str, dict[str, Any]]]:
    run = await platform.wait_for_run(run_id, timeout_s=240)
    async with platform.db.read() as conn:
        jobs = await queries.list_jobs(conn, run_id)
        outs = {j.node_key: await queries.read_job_output(conn, j) or {} for j in jobs}
    return run, outs


def chat_prompts(fake: OracleOpenAIServer, stage: str) -> list[str]:
    """The passages of the chat requests of one stage the fake received, in order."""
    marker = "casting assistant" if stage == "entities" else "storyboard artist"
    return [
        body["messages"][1]["content"].split("The passage:\n\n")[-1]
        for body in fake.requests
        if marker in body["messages"][0]["content"]
    ]


class Confused(OracleOpenAIServer):
    """Invents a character in its first entity reply; never answers a shot prompt usefully
    (a cut-off object, then prose, then an empty plan)."""

    def __init__(self) -> None:
        super().__init__()
        self.bad_shots = ["{", "Sorry, I cannot do that.", '{"shots": []}']
        self.invented = False

    def _content(self, body: dict[str, Any]) -> tuple[str, list[dict[str, Any]] | None]:
        system = body["messages"][0]["content"]
        if "storyboard artist" in system:
            return self.bad_shots[(len(chat_prompts(self, "shots")) - 1) % 3], None
        if not self.invented:
            self.invented = True
            return json.dumps({"characters": [{"name": "Gandalf"}]}), None
        return super()._content(body)


async def test_invalid_replies_are_reasked_then_the_rules_take_over(platforms: Opened) -> None:
    with Confused() as fake:
        platform = await platforms(fake)
        run, outs = await produce(platform, engines={"images": "offline", "speech": "offline"})
    assert run.status == "succeeded"
    reports = {(r["stage"], r["chunk"]): r for r in outs["plan"]["planner"]}
    entities = reports[("entities", 0)]
    assert entities["engine"] == "llm" and entities["attempts"] == 2  # re-asked once, then right
    shots = reports[("shots", 0)]
    assert shots["engine"] == "rules" and "provider_response_invalid" in shots["reason"]
    assert "in 3 attempts" in shots["reason"]
    # bounded: three planner attempts, each at most 1 + max_retries (1) requests (the router
    # itself asks again when a reply is not JSON), then the rules
    assert 3 <= len(chat_prompts(fake, "shots")) <= 6
    names = [c["name"] for c in outs["plan"]["pack"]["characters"]]
    assert "Gandalf" not in names and "Mara" in names
    assert outs["plan"]["shots"]


class FlakyChunk(OracleOpenAIServer):
    """500 for any chat request about ``word`` while ``broken``."""

    def __init__(self, word: str) -> None:
        super().__init__()
        self.word, self.broken = word, True

    def route(self, request: Request) -> Reply:
        if (
            self.broken
            and request.path.endswith("/chat/completions")
            and self.word in str(request.body)
        ):
            return Reply.of({"error": {"message": "boom", "type": "server_error"}}, 500)
        return super().route(request)


async def test_a_failed_chunk_is_the_only_one_asked_again(platforms: Opened) -> None:
    with FlakyChunk("storm came") as fake:
        # the breaker would (rightly) keep the provider closed for open_s after these failures
        platform = await platforms(fake, offline_fallback=False, breaker={"min_calls": 100})
        run, outs = await produce(platform, chunk_units=25, max_shots=8)
        assert run.status == "failed"
        assert "entities.0" in outs and outs["entities.0"]["report"]["engine"] == "llm"
        asked_before = chat_prompts(fake, "entities")
        fake.broken = False
        await platform.retry_run(run.run_id)
        run, outs = await finish(platform, run.run_id)
    assert run.status == "succeeded", run.error_message
    asked = chat_prompts(fake, "entities")
    first = [p for p in asked if "Mara climbed" in p]
    assert len(first) == 1  # chunk 0 was committed before the failure: never asked again
    assert len(asked) > len(asked_before)
    assert {r["engine"] for r in outs["plan"]["planner"]} == {"llm"}


async def test_a_budget_that_shrank_is_never_overspent(platforms: Opened) -> None:
    with OracleOpenAIServer() as fake:
        platform = await platforms(fake)
        prepared = prepare_studio_run(
            {"story": STORY, "resolution": "640x360"}, platform.studio_models
        )
        limit = 0.05  # less than the estimate: set after it, as if another run had spent it
        assert prepared.estimate.total_usd > limit
        await set_budget(platform.db, platform.guard, "local", "project", "default",
                         Limits.of(usd=limit))  # fmt: skip
        run_id, _ = await platform.create_run("studio", prepared.params)
        run, outs = await finish(platform, run_id)
        costs = await run_costs(platform.db, "local", run_id, {})
    assert run.status == "succeeded"
    media = [o for k, o in outs.items() if k.endswith((".frame", ".tts.0", ".tts.1"))]
    offline = [o for o in media if o["engine"] == "offline" and o["fallback_reason"]]
    assert offline and len(offline) < len(media)  # paid until the budget refused, then offline
    assert limit / 2 < costs["cost_usd"] <= limit


async def test_a_run_budget_is_in_place_before_its_first_job(platforms: Opened) -> None:
    with OracleOpenAIServer() as fake:
        platform = await platforms(fake)
        prepared = prepare_studio_run({"story": STORY, "resolution": "640x360"},
                                      platform.studio_models)  # fmt: skip
        limit = 0.03
        assert prepared.estimate.total_usd > limit  # the run's own budget is the tight one

        async def limit_run(run_id: str) -> None:
            await platform.budgets.limit_run("local", run_id, limit)

        run_id, _ = await platform.create_run(
            "studio", {**prepared.params, "budget_usd": limit}, before_publish=limit_run
        )
        run, _ = await finish(platform, run_id)
        costs = await run_costs(platform.db, "local", run_id, {})
    assert run.status == "succeeded"
    assert 0 < costs["cost_usd"] <= limit
