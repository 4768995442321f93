"""What a studio run would cost before it runs: the workload of each paid stage (from the
rule-based plan, which is cheap and deterministic) priced with the quote of the provider
each stage would use. Pure: quotes come in as values; the planner never asks the router.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from nexus.contracts import studio
from nexus.contracts.base import StrictModel
from nexus.contracts.router import Capability, Usage
from nexus.planner.chunks import Chunk
from nexus.planner.lines import estimate_lines_s
from nexus.planner.prompt_files import load_prompt
from nexus.planner.text import count_han

Stage = Literal["entities", "shots", "images", "speech", "lipsync"]
STAGES: tuple[Stage, ...] = ("entities", "shots", "images", "speech", "lipsync")
CAPABILITY: dict[Stage, Capability] = {
    "entities": "json",
    "shots": "json",
    "images": "image",
    "speech": "speech",
    "lipsync": "lipsync",
}
OFFLINE = "offline"
SCHEMA_TOKENS = {"entities": 350, "shots": 450}  # the JSON schema sent with each request
TOKENS_PER_ENTITY = 30


@dataclass(frozen=True)
class Quote:
    """One provider/model a stage could use, with its unit prices (USD)."""

    provider: str
    model: str
    input_per_mtok: float = 0.0
    output_per_mtok: float = 0.0
    per_image: float = 0.0
    per_audio_s: float = 0.0
    per_video_s: float = 0.0

    @property
    def offline(self) -> bool:
        return self.provider == OFFLINE

    @property
    def label(self) -> str:
        return f"{self.provider}/{self.model}"


OFFLINE_QUOTE = Quote(OFFLINE, "builtin")


class Workload(Usage):
    """What one stage would consume: the router's usage units (``contracts.router.Usage``,
    priced the same way as a real call) and how many calls."""

    calls: int = Field(default=0, ge=0)


class StageEstimate(StrictModel):
    stage: Stage
    provider: str
    model: str
    workload: Workload
    cost_usd: float = Field(ge=0)


class RunEstimate(StrictModel):
    """Per stage: who would do it, how much work, what it would cost."""

    shots: int
    resolution: str
    stages: list[StageEstimate]
    total_usd: float = Field(ge=0)


def approx_tokens(text: str) -> int:
    """Generous: about 4 characters per token, one token per Han character."""
    han = count_han(text)
    return math.ceil((len(text) - han) / 4) + han


def chat_workloads(chunks: list[Chunk], pack: studio.EntityPack) -> dict[Stage, Workload]:
    """Two JSON calls per chunk (entities, then shots), sized from the rendered prompts."""
    entities = sum(1 for _ in [*pack.characters, *pack.places, *pack.props])
    per_stage: dict[Stage, Workload] = {}
    for stage in ("entities", "shots"):
        prompt = load_prompt(stage)
        inp = out = 0
        for chunk in chunks:
            passage = chunk.text()
            rendered = prompt.messages(
                known="[]", characters="[]", places="[]", passage=passage, max_shots=40
            )
            inp += sum(approx_tokens(m["content"]) for m in rendered) + SCHEMA_TOKENS[stage]
            inp += TOKENS_PER_ENTITY * entities  # the entities carried into the prompt
            out += (
                TOKENS_PER_ENTITY * entities
                if stage == "entities"
                else math.ceil(approx_tokens(passage) * 1.3) + 60
            )
        per_stage[stage] = Workload(calls=len(chunks), input_tokens=inp, output_tokens=out)
    return per_stage


def media_workloads(shots: list[studio.ShotPlan]) -> dict[Stage, Workload]:
    """One backdrop per shot, every line spoken, the speaker's mouth in dialogue shots."""
    lines = [line for shot in shots for line in shot.lines]
    speaking = [s for s in shots if s.speaker_id]
    return {
        "images": Workload(calls=len(shots), images=len(shots)),
        "speech": Workload(
            calls=len(lines), audio_s=round(sum(estimate_lines_s([ln], None) for ln in lines), 1)
        ),
        "lipsync": Workload(
            calls=len(speaking), video_s=round(sum(s.duration_target_s for s in speaking), 1)
        ),
    }


def price(quote: Quote, work: Workload) -> float:
    return (
        work.input_tokens * quote.input_per_mtok / 1e6
        + work.output_tokens * quote.output_per_mtok / 1e6
        + work.images * quote.per_image
        + work.audio_s * quote.per_audio_s
        + work.video_s * quote.per_video_s
    )


def estimate_run(
    work: Mapping[Stage, Workload],
    chosen: Mapping[Stage, Quote],
    *,
    shots: int,
    resolution: str,
) -> RunEstimate:
    """Price every stage with its chosen quote (offline stages cost nothing)."""
    stages = []
    for stage in STAGES:
        quote = chosen.get(stage, OFFLINE_QUOTE)
        load = work.get(stage, Workload())
        stages.append(
            StageEstimate(
                stage=stage,
                provider=quote.provider,
                model=quote.model,
                workload=load,
                cost_usd=round(price(quote, load), 6),
            )
        )
    total = round(sum(s.cost_usd for s in stages), 6)
    return RunEstimate(shots=shots, resolution=resolution, stages=stages, total_usd=total)
