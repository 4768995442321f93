"""Putting chunk plans together: each chunk's share of the shot budget, the chunks' shots
renumbered into one plan, neighbours merged when the plan is still over budget, and the
per-chunk report (which engine planned it, how many replies it took)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from nexus.contracts import studio
from nexus.contracts.base import StrictModel
from nexus.planner import staging
from nexus.planner.chunks import Chunk
from nexus.planner.text import speech_units


class ChunkReport(StrictModel):
    """How one chunk's stage was done: by the LLM (after ``attempts`` replies) or by rules."""

    stage: Literal["entities", "shots"]
    chunk: int = Field(ge=0)
    engine: Literal["llm", "rules"]
    prompt: str = ""
    attempts: int = Field(default=0, ge=0)
    repaired: bool = False
    served_by: list[str] = Field(default_factory=list, description="provider/model")
    failed_over_from: list[str] = Field(default_factory=list, description="provider/model")
    cost_usd: float = Field(default=0.0, ge=0)
    reason: str = Field(default="", description="Why the rules were used, when they were.")


def shot_shares(chunks: list[Chunk], max_shots: int) -> list[int]:
    """Each chunk's shot budget, proportional to its length, at least one each."""
    sizes = [max(1, sum(speech_units(chunk.text()))) for chunk in chunks]
    total = sum(sizes)
    return [max(1, (max_shots * size) // total) for size in sizes]


def _merge(first: studio.ShotPlan, second: studio.ShotPlan) -> studio.ShotPlan:
    lines = [*first.lines, *second.lines]
    cast = list(dict.fromkeys([*first.character_ids, *second.character_ids]))
    return first.model_copy(
        update={
            "text": staging.join_texts([first.text, second.text], first.language),
            "lines": lines,
            "character_ids": cast[: staging.MAX_CAST],
            "speaker_id": first.speaker_id or second.speaker_id,
            "kind": "dialogue" if first.speaker_id or second.speaker_id else "narration",
            "duration_target_s": staging.duration_target(lines, (2.0, 60.0), None),
            "prop_ids": list(dict.fromkeys([*first.prop_ids, *second.prop_ids])),
        }
    )


def _fit(shots: list[studio.ShotPlan], max_shots: int) -> list[studio.ShotPlan]:
    """Merge the shortest neighbouring pair (same scene first) until ``max_shots`` remain."""
    shots = list(shots)
    while len(shots) > max_shots:
        pairs = range(len(shots) - 1)
        same = [i for i in pairs if shots[i].scene_index == shots[i + 1].scene_index]
        best = min(
            same or pairs,
            key=lambda i: shots[i].duration_target_s + shots[i + 1].duration_target_s,
        )
        shots[best : best + 2] = [_merge(shots[best], shots[best + 1])]
    return shots


def assemble_shots(per_chunk: list[list[studio.ShotPlan]], max_shots: int) -> list[studio.ShotPlan]:
    """One plan from the chunks' plans: renumbered, first shot fading in, within budget."""
    shots = _fit([s for chunk in per_chunk for s in chunk], max_shots)
    return [
        s.model_copy(
            update={
                "index": i,
                "shot_id": staging.shot_id_for(i),
                "transition_in": "fade" if i == 0 else s.transition_in,
            }
        )
        for i, s in enumerate(shots)
    ]
