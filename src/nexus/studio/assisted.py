"""The LLM-assisted planning graph: ``story`` (ingest, chunk by scene) expands into one job
per chunk and stage: ``entities.<i>`` in a chain (the entities found so far carried to the
next chunk), then ``shots.<i>`` (in parallel, with the story's final pack); ``plan`` gathers
them into the usual PlanOut. Every chunk is its own committed job, so a crash loses at most
the chunk being asked, and a chunk whose model fails falls back to the rule-based engines.
"""

from __future__ import annotations

from typing import Any, cast

from pydantic import BaseModel, ConfigDict, Field

from nexus.contracts import studio
from nexus.contracts.graph import NodeSpec
from nexus.core.errors import NexusError
from nexus.core.registry import SkillContext
from nexus.entity_core.gender import Gender
from nexus.planner import ingest_story, plan_shots
from nexus.planner.chunks import DEFAULT_CHUNK_UNITS, Chunk, chunk_story
from nexus.planner.llm_entities import (
    EntityDrafts,
    EntityReply,
    build_pack,
    drafts_from_rules,
    extract_chunk_entities,
    merge_drafts,
)
from nexus.planner.llm_plan import ChunkReport, assemble_shots, shot_shares
from nexus.planner.llm_shots import plan_chunk_shots, to_shot_plans
from nexus.planner.prompt_files import load_prompt
from nexus.studio.models import FALLBACK_CODES, RouterChat, StudioModels, prefer_of
from nexus.studio.plan import PlanIn, PlanOut, size_of
from nexus.workers.audio.voices import list_voices, narrator_voice


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StoryIn(PlanIn):
    chunk_units: int = Field(default=DEFAULT_CHUNK_UNITS, ge=20, le=20_000)


class StoryOut(Strict):
    title: str
    language: str
    width: int
    height: int
    narrator: str
    story: studio.Story
    chunks: list[Chunk]


class ChunkIn(Strict):
    chunk: int = Field(ge=0)
    prompt: str = Field(description="The prompt's name@version: a new prompt re-plans.")
    engine: str | None = None
    max_shots: int = Field(default=40, ge=1)


class EntitiesOut(Strict):
    drafts: EntityDrafts
    report: ChunkReport


class ShotsOut(Strict):
    shots: list[studio.ShotPlan]
    report: ChunkReport


class AssembleIn(Strict):
    max_shots: int = Field(default=40, ge=1, le=200)


def read_story(inp: StoryIn, ctx: SkillContext) -> StoryOut:
    ctx.progress(0.2, "reading the story")
    story = ingest_story(inp.story.encode("utf-8"), language=inp.language)
    lang = "zh" if story.language in ("zh", "mixed") else "en"
    width, height = size_of(inp.resolution)
    return StoryOut(
        title=story.title or "Untitled",
        language=lang,
        width=width,
        height=height,
        narrator=inp.narrator or narrator_voice(lang),
        story=story,
        chunks=chunk_story(story, max_units=inp.chunk_units),
    )


def expand_chunks(parent: NodeSpec, output: dict[str, Any], run: dict[str, Any]) -> list[NodeSpec]:
    out = StoryOut.model_validate(output)
    engines = run.get("engines") or {}
    last = len(out.chunks) - 1
    shares = shot_shares(out.chunks, int(run.get("max_shots") or 40))
    ent, shots = load_prompt("entities").tag, load_prompt("shots").tag
    nodes = [
        NodeSpec(
            key=f"entities.{i}",
            skill="studio.entities_chunk",
            params={"chunk": i, "prompt": ent, "engine": engines.get("entities")},
            after=["story", *([f"entities.{i - 1}"] if i else [])],
        )
        for i in range(last + 1)
    ]
    nodes += [
        NodeSpec(
            key=f"shots.{i}",
            skill="studio.shots_chunk",
            params={
                "chunk": i,
                "prompt": shots,
                "engine": engines.get("shots"),
                "max_shots": shares[i],
            },
            after=["story", f"entities.{last}"],
        )
        for i in range(last + 1)
    ]
    return nodes


def _report(stage: str, chunk: int, prompt: str, **kw: Any) -> ChunkReport:
    return ChunkReport.model_validate({"stage": stage, "chunk": chunk, "prompt": prompt, **kw})


def _fallback(models: StudioModels, exc: NexusError, project_id: str) -> str:
    """Why the rules take over; re-raise when the error is not one to fall back on."""
    if exc.code not in FALLBACK_CODES or not models.offline_allowed(project_id):
        raise exc
    return f"{exc.code.value}: {exc.detail}"[:300]


def _pack(out: StoryOut, drafts: EntityDrafts) -> studio.EntityPack:
    voices = [v for v in list_voices(out.language) if v.role == "character"]
    return build_pack(
        drafts,
        out.story,
        voices=[v.voice_id for v in voices],
        narrator_voice=out.narrator,
        voice_genders=cast(dict[str, Gender], {v.voice_id: v.gender for v in voices}),
    )


def _last_drafts(upstream: dict[str, dict[str, Any]]) -> EntityDrafts:
    keys = sorted((k for k in upstream if k.startswith("entities.")), key=lambda k: int(k[9:]))
    return EntityDrafts.model_validate(upstream[keys[-1]]["drafts"])


class AssistedSkills:
    """The chunk skills, bound to the process's models."""

    def __init__(self, models: StudioModels) -> None:
        self.models = models

    async def _chat(self, inp: ChunkIn, ctx: SkillContext) -> RouterChat:
        scope = await self.models.scope_for(ctx)
        return RouterChat(self.models.require(), scope, prefer=prefer_of(inp.engine))

    async def entities_chunk(self, inp: ChunkIn, ctx: SkillContext) -> EntitiesOut:
        out = StoryOut.model_validate(ctx.upstream["story"])
        chunk = out.chunks[inp.chunk]
        prev = ctx.upstream.get(f"entities.{inp.chunk - 1}")
        known = EntityDrafts.model_validate(prev["drafts"]) if prev else EntityDrafts()
        ctx.progress(0.1, f"finding characters and places (chunk {inp.chunk + 1})")
        reply: EntityReply
        try:
            chat = await self._chat(inp, ctx)
            answer = await extract_chunk_entities(chat, chunk, known)
            reply = answer.value
            report = _report("entities", inp.chunk, inp.prompt, engine="llm",
                             attempts=answer.attempts, repaired=answer.repaired,
                             served_by=chat.served_by[-1:], cost_usd=chat.cost_usd,
                             failed_over_from=chat.failed_over_from)  # fmt: skip
        except NexusError as exc:
            reply = drafts_from_rules(chunk, out.story)
            report = _report("entities", inp.chunk, inp.prompt, engine="rules",
                             reason=_fallback(self.models, exc, ctx.project_id))  # fmt: skip
        return EntitiesOut(drafts=merge_drafts(known, reply, chunk.text()), report=report)

    async def shots_chunk(self, inp: ChunkIn, ctx: SkillContext) -> ShotsOut:
        out = StoryOut.model_validate(ctx.upstream["story"])
        chunk = out.chunks[inp.chunk]
        pack = _pack(out, _last_drafts(ctx.upstream))
        ctx.progress(0.1, f"planning shots (chunk {inp.chunk + 1})")
        try:
            chat = await self._chat(inp, ctx)
            answer = await plan_chunk_shots(chat, chunk, pack, max_shots=inp.max_shots)
            shots = to_shot_plans(answer.value, chunk, out.story, pack)
            report = _report("shots", inp.chunk, inp.prompt, engine="llm",
                             attempts=answer.attempts, repaired=answer.repaired,
                             served_by=chat.served_by[-1:], cost_usd=chat.cost_usd,
                             failed_over_from=chat.failed_over_from)  # fmt: skip
        except NexusError as exc:
            shots = plan_shots(chunk.as_story(out.story), pack, max_shots=inp.max_shots)
            report = _report("shots", inp.chunk, inp.prompt, engine="rules",
                             reason=_fallback(self.models, exc, ctx.project_id))  # fmt: skip
        return ShotsOut(shots=shots, report=report)


def assemble_plan(inp: AssembleIn, ctx: SkillContext) -> PlanOut:
    out = StoryOut.model_validate(ctx.upstream["story"])
    pack = _pack(out, _last_drafts(ctx.upstream))
    chunk_keys = sorted(
        (k for k in ctx.upstream if k.startswith("shots.")), key=lambda k: int(k[6:])
    )
    chunks = [ShotsOut.model_validate(ctx.upstream[k]) for k in chunk_keys]
    entity_keys = sorted(
        (k for k in ctx.upstream if k.startswith("entities.")), key=lambda k: int(k[9:])
    )
    reports = [EntitiesOut.model_validate(ctx.upstream[k]).report for k in entity_keys]
    return PlanOut(
        title=out.title,
        language=out.language,
        width=out.width,
        height=out.height,
        pack=pack,
        shots=assemble_shots([c.shots for c in chunks], inp.max_shots),
        planner=[*reports, *(c.report for c in chunks)],
    )
