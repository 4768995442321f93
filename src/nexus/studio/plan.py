"""``studio.plan``: ingest the story, extract entities, plan shots. Pure rules, no I/O."""

from __future__ import annotations

from typing import Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from nexus.contracts.studio import EntityPack, ShotPlan
from nexus.core.registry import SkillContext
from nexus.entity_core import extract_entities
from nexus.entity_core.gender import Gender
from nexus.planner import ingest_story, plan_shots
from nexus.planner.llm_plan import ChunkReport
from nexus.workers.audio.voices import list_voices, narrator_voice

Resolution = Literal["1280x720", "1920x1080", "1080x1920", "854x480", "640x360"]


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    story: str = Field(min_length=1)
    language: Literal["auto", "zh", "en"] = "auto"
    resolution: Resolution = "1280x720"
    narrator: str | None = None
    max_shots: int = Field(default=40, ge=1, le=200)


class PlanOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str
    language: str
    width: int
    height: int
    fps: int = 25
    pack: EntityPack
    shots: list[ShotPlan]
    planner: list[ChunkReport] = Field(
        default_factory=list, description="LLM-assisted planning: how each chunk was done."
    )


def size_of(resolution: str) -> tuple[int, int]:
    width, height = (int(v) for v in resolution.split("x"))
    return width, height


def plan_story(inp: PlanIn, ctx: SkillContext) -> PlanOut:
    ctx.progress(0.1, "reading the story")
    story = ingest_story(inp.story.encode("utf-8"), language=inp.language)
    lang = "zh" if story.language in ("zh", "mixed") else "en"
    voices = [v.voice_id for v in list_voices(lang) if v.role == "character"]
    genders = {v.voice_id: v.gender for v in list_voices(lang) if v.role == "character"}
    narrator = inp.narrator or narrator_voice(lang)
    ctx.progress(0.4, "finding characters and places")
    pack = extract_entities(
        story,
        voices=voices,
        narrator_voice=narrator,
        voice_genders=cast(dict[str, Gender], genders),
    )
    ctx.progress(0.7, "planning shots")
    shots = plan_shots(story, pack, max_shots=inp.max_shots)
    width, height = size_of(inp.resolution)
    return PlanOut(
        title=story.title or "Untitled",
        language=lang,
        width=width,
        height=height,
        pack=pack,
        shots=shots,
    )
