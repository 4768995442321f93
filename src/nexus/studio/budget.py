"""Before a studio run: the estimate per stage and provider, and the degradation that makes
it fit the budget. The CLI (``nexus produce --estimate``, and every ``produce``) and the API
(``POST /runs?dry_run=true``, and every studio run) both go through ``prepare_studio_run``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from pydantic import Field, ValidationError

from nexus.contracts.base import StrictModel
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.entity_core import extract_entities
from nexus.entity_core.gender import Gender
from nexus.planner import ingest_story, plan_shots
from nexus.planner.chunks import chunk_story
from nexus.planner.costing import (
    OFFLINE,
    OFFLINE_QUOTE,
    STAGES,
    Quote,
    RunEstimate,
    Stage,
    Workload,
    chat_workloads,
    media_workloads,
)
from nexus.planner.degrade import Knobs, fit_budget
from nexus.studio.models import StudioModels
from nexus.studio.pipeline import StudioParams
from nexus.workers.audio.voices import list_voices, narrator_voice

CHAT_STAGES: tuple[Stage, ...] = ("entities", "shots")


class PreparedRun(StrictModel):
    """What a studio run will be: its parameters after degradation, and what it will cost."""

    params: dict[str, Any]
    estimate: RunEstimate
    changes: list[str] = Field(default_factory=list, description="What degradation changed.")
    budget_usd: float | None = Field(
        default=None, description="What the budget had left (None: no budget applies)."
    )


@dataclass
class StoryMeasure:
    """The workload of a story at given knobs, from the rule-based plan (cheap, pure)."""

    params: StudioParams

    def __post_init__(self) -> None:
        self.story = ingest_story(self.params.story.encode("utf-8"), language=self.params.language)
        lang = "zh" if self.story.language in ("zh", "mixed") else "en"
        voices = [v for v in list_voices(lang) if v.role == "character"]
        self.pack = extract_entities(
            self.story,
            voices=[v.voice_id for v in voices],
            narrator_voice=self.params.narrator or narrator_voice(lang),
            voice_genders=cast(dict[str, Gender], {v.voice_id: v.gender for v in voices}),
        )
        chunks = chunk_story(self.story, max_units=self.params.chunk_units)
        self.chat = chat_workloads(chunks, self.pack)

    def __call__(self, knobs: Knobs) -> tuple[dict[Stage, Workload], int]:
        shots = plan_shots(self.story, self.pack, max_shots=knobs.max_shots)
        return {**self.chat, **media_workloads(shots)}, len(shots)


def stage_options(models: StudioModels, project_id: str | None = None) -> dict[Stage, list[Quote]]:
    """Per stage, what could do it in the router's order; the offline engine (the rules, for
    the planning stages) last where the router may fall back to it."""
    options: dict[Stage, list[Quote]] = {}
    for stage in STAGES:
        quotes = [q for q in models.options(stage, project_id) if not q.offline]
        if models.offline_allowed(project_id) or not quotes:
            quotes.append(OFFLINE_QUOTE)
        options[stage] = quotes
    return options


def _pinned(p: StudioParams, options: dict[Stage, list[Quote]]) -> dict[Stage, Quote]:
    """Each stage's engine: the caller's pin (``engines``), else the router's first choice."""
    chosen: dict[Stage, Quote] = {}
    for stage in STAGES:
        pin = p.engines.get(stage)
        if pin is None:
            chosen[stage] = options[stage][0]
            continue
        match = next((q for q in options[stage] if pin in (q.label, q.provider)), None)
        if pin == OFFLINE:
            match = OFFLINE_QUOTE
        if match is None:
            known = ", ".join(q.label for q in options[stage])
            raise NexusError(
                ErrorCode.VALIDATION_FAILED,
                f"engine {pin!r} cannot do {stage} (choose from: {known})",
                fields={f"params.engines.{stage}": "unknown engine"},
            )
        chosen[stage] = match
    return chosen


def _left(*amounts: float | None) -> float | None:
    known = [a for a in amounts if a is not None]
    return min(known) if known else None


def prepare_studio_run(
    params: dict[str, Any],
    models: StudioModels,
    *,
    remaining_usd: float | None = None,
    project_id: str | None = None,
) -> PreparedRun:
    """Estimate, degrade to fit ``min(run budget, remaining_usd)``, fix the engines."""
    try:
        p = StudioParams.model_validate(params)
    except ValidationError as exc:
        fields = {".".join(str(x) for x in e["loc"]) or "params": e["msg"] for e in exc.errors()}
        raise NexusError(
            ErrorCode.VALIDATION_FAILED, "invalid studio parameters", fields=fields
        ) from None
    options = stage_options(models, project_id)
    knobs = Knobs(max_shots=p.max_shots, resolution=p.resolution, engines=_pinned(p, options))
    left = _left(p.budget_usd, remaining_usd)
    outcome = fit_budget(StoryMeasure(p), options, knobs, remaining_usd=left, policy=p.degrade)
    engines = {
        stage: OFFLINE if q.offline else q.label for stage, q in outcome.knobs.engines.items()
    }
    prepared = {
        **p.model_dump(mode="json"),
        "max_shots": outcome.knobs.max_shots,
        "resolution": outcome.knobs.resolution,
        "engines": {s: e for s, e in engines.items() if e != OFFLINE}
        | {s: OFFLINE for s, e in engines.items() if e == OFFLINE},
    }
    return PreparedRun(
        params=prepared, estimate=outcome.estimate, changes=outcome.changes, budget_usd=left
    )
