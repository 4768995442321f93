"""``studio.plan``: ingest the story, extract entities, plan shots. Pure rules, no I/O."""

from __future__ import annotations

from typing import Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from nexus.contracts.studio import EntityPack, ShotPlan, SpeechLine
from nexus.core.registry import SkillContext
from nexus.entity_core import extract_entities
from nexus.entity_core.gender import Gender
from nexus.planner import ingest_story, plan_shots
from nexus.planner.length import require_min_length
from nexus.planner.llm_plan import ChunkReport
from nexus.workers.audio.voices import (
    list_voices,
    narrator_voice,
    voice_in_language,
    voices_by_language,
)

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


def _localise(line: SpeechLine) -> SpeechLine:
    voice = voice_in_language(line.voice, line.language)
    return line if voice == line.voice else line.model_copy(update={"voice": voice})


def localise_voices(shots: list[ShotPlan]) -> list[ShotPlan]:
    """Each line in its voice's family member for the line's language (ADR 0110).

    Idempotent, and a shot whose lines already match is returned as it is, so unedited shots
    keep their cache keys through a revision.
    """
    result: list[ShotPlan] = []
    for shot in shots:
        lines = [_localise(line) for line in shot.lines]
        same = all(a is b for a, b in zip(lines, shot.lines, strict=True))
        result.append(shot if same else shot.model_copy(update={"lines": lines}))
    return result


def with_voice_families(pack: EntityPack) -> EntityPack:
    """The pack with every character's (and the narrator's) voice per spoken language."""
    characters = [
        c.model_copy(update={"voices": voices_by_language(c.voice)}) if c.voice else c
        for c in pack.characters
    ]
    return pack.model_copy(
        update={
            "characters": characters,
            "narrator_voices": voices_by_language(pack.narrator_voice),
        }
    )


def plan_story(inp: PlanIn, ctx: SkillContext) -> PlanOut:
    ctx.progress(0.1, "reading the story")
    story = ingest_story(inp.story.encode("utf-8"), language=inp.language)
    require_min_length(story)
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
    shots = localise_voices(plan_shots(story, pack, max_shots=inp.max_shots))
    pack = with_voice_families(pack)
    width, height = size_of(inp.resolution)
    return PlanOut(
        title=story.title or "Untitled",
        language=lang,
        width=width,
        height=height,
        pack=pack,
        shots=shots,
    )
