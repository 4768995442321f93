"""Estimates from a price table and the degrade policy: each step in order, what it changed,
and the refusal when nothing allowed is enough."""

from __future__ import annotations

import pytest
from tests.story_samples import load_sample

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.planner import plan_shots
from nexus.planner.chunks import chunk_story
from nexus.planner.costing import (
    OFFLINE_QUOTE,
    Quote,
    Stage,
    Workload,
    chat_workloads,
    media_workloads,
)
from nexus.planner.degrade import Knobs, fit_budget, initial_engines

GPT = Quote("openai", "gpt", input_per_mtok=2.0, output_per_mtok=8.0)
MINI = Quote("cheap", "mini", input_per_mtok=0.1, output_per_mtok=0.4)
COMFY = Quote("comfy", "sdxl", per_image=0.04)
TTS = Quote("openai", "tts", per_audio_s=0.001)
OPTIONS: dict[Stage, list[Quote]] = {
    "entities": [GPT, MINI, OFFLINE_QUOTE],
    "shots": [GPT, MINI, OFFLINE_QUOTE],
    "images": [COMFY, OFFLINE_QUOTE],
    "speech": [TTS, OFFLINE_QUOTE],
    "lipsync": [OFFLINE_QUOTE],
}


def measure_sample(knobs: Knobs) -> tuple[dict[Stage, Workload], int]:
    story, pack = load_sample("en")
    shots = plan_shots(story, pack, max_shots=knobs.max_shots)
    work = {**chat_workloads(chunk_story(story), pack), **media_workloads(shots)}
    return work, len(shots)


def knobs(max_shots: int = 40) -> Knobs:
    return Knobs(max_shots=max_shots, resolution="1280x720", engines=initial_engines(OPTIONS))


def test_the_estimate_prices_every_stage_with_its_provider() -> None:
    out = fit_budget(measure_sample, OPTIONS, knobs(), remaining_usd=None)
    by_stage = {s.stage: s for s in out.estimate.stages}
    assert by_stage["images"].provider == "comfy"
    assert by_stage["images"].workload.images == out.estimate.shots
    assert by_stage["images"].cost_usd == pytest.approx(0.04 * out.estimate.shots)
    chat = by_stage["shots"].workload
    assert chat.calls >= 1 and chat.input_tokens > 500 and chat.output_tokens > 300
    assert by_stage["shots"].cost_usd == pytest.approx(
        chat.input_tokens * 2e-6 + chat.output_tokens * 8e-6
    )
    assert by_stage["lipsync"].provider == "offline" and by_stage["lipsync"].cost_usd == 0
    assert out.estimate.total_usd == pytest.approx(sum(s.cost_usd for s in out.estimate.stages))
    assert out.changes == []


def test_within_budget_nothing_changes() -> None:
    base = fit_budget(measure_sample, OPTIONS, knobs(), remaining_usd=None).estimate
    out = fit_budget(measure_sample, OPTIONS, knobs(), remaining_usd=base.total_usd)
    assert out.changes == [] and out.estimate == base


def test_steps_apply_in_order_until_it_fits() -> None:
    base = fit_budget(measure_sample, OPTIONS, knobs(), remaining_usd=None).estimate
    # Cheaper chat alone is not enough; fewer shots (fewer images) then is.
    cheap_chat = base.total_usd - sum(
        s.cost_usd for s in base.stages if s.stage in ("entities", "shots")
    )
    target = cheap_chat * 0.8
    out = fit_budget(measure_sample, OPTIONS, knobs(), remaining_usd=target)
    assert out.changes[0].startswith(("images", "entities", "shots"))
    assert any("cheaper provider" in c for c in out.changes)
    assert any(c.startswith("shots: ") and "fewer" in c for c in out.changes)
    assert not any("offline" in c for c in out.changes)
    assert out.estimate.total_usd <= target
    assert out.knobs.max_shots < 40


def test_offline_is_the_last_resort() -> None:
    out = fit_budget(measure_sample, OPTIONS, knobs(), remaining_usd=0.0)
    assert out.estimate.total_usd == 0
    assert any("offline engine" in c for c in out.changes)
    assert all(q.offline for q in out.knobs.engines.values())


def test_refuse_policy_and_exhausted_policy_raise_budget_insufficient() -> None:
    with pytest.raises(NexusError) as err:
        fit_budget(measure_sample, OPTIONS, knobs(), remaining_usd=0.001, policy=["refuse"])
    assert err.value.code == ErrorCode.BUDGET_INSUFFICIENT
    with pytest.raises(NexusError) as err:
        fit_budget(
            measure_sample, OPTIONS, knobs(), remaining_usd=0.0,
            policy=["cheaper_provider", "lower_resolution"],
        )  # fmt: skip
    assert err.value.code == ErrorCode.BUDGET_INSUFFICIENT
    assert "cheaper provider" in str(err.value)
