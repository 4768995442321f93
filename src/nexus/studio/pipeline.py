"""The ``studio`` pipeline graph and its registration.

plan --expand--> per shot: tts (one per spoken line), speech (the shot's levelled speech
track), frame, clip (layout + lip-sync), segment (video, one ffmpeg filtergraph); plus one music
bed and the mix (the film's audio from the speech tracks and the bed); final gathers them all
and muxes by stream copy.
Shot edits (revision) are applied when the plan is expanded, so the plan itself stays a
cache hit and only the edited shot's nodes and the final composition run again.

``engines`` (filled by the estimate before the run, see ``studio.budget``) says which stages
use a real model: LLM-assisted planning replaces the ``plan`` skill by the chunk graph of
``studio.assisted``; generated backdrops and provider speech replace the ``frame`` and
``tts`` skills (``studio.media``). Without engines every stage runs offline, as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from nexus.contracts.governance import SkillCategory, SkillPermissions
from nexus.contracts.graph import NodeSpec
from nexus.contracts.studio import CueEdit, EntityEdit, ShotEdit
from nexus.core.registry import Pipeline, Registry, RetryPolicy, Skill, media_permissions
from nexus.planner import apply_shot_edits
from nexus.planner.chunks import DEFAULT_CHUNK_UNITS
from nexus.planner.costing import OFFLINE, Stage
from nexus.planner.degrade import DEFAULT_POLICY, DegradeStep
from nexus.studio import (
    asset_graph,
    assisted,
    final,
    lipsync,
    media,
    plan,
    render,
    revisions,
    user_subtitles,
)
from nexus.studio.asset_skills import register_asset_skills
from nexus.studio.cast import apply_cast, known_voice_ids
from nexus.studio.matching import MatchRule
from nexus.studio.models import StudioModels
from nexus.workers import register_workers

MUSIC_SECONDS_PER_SHOT = 8.0  # an upper bound, so text edits never change the music bed


class StudioParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    story: str = Field(min_length=1, max_length=512 * 1024)
    language: Literal["auto", "zh", "en"] = "auto"
    resolution: plan.Resolution = "1280x720"
    narrator: str | None = None
    max_shots: int = Field(default=40, ge=1, le=200)
    edits: dict[int, ShotEdit] = Field(default_factory=dict, description="By shot index.")
    entity_edits: dict[str, EntityEdit] = Field(
        default_factory=dict, description="By entity id: rename, aliases, voice, merge."
    )
    subtitle_edits: dict[str, CueEdit] = Field(
        default_factory=dict, description="By cue id (<shot_id>.<n>): text and timing."
    )
    engines: dict[Stage, str] = Field(
        default_factory=dict,
        description="Per stage, 'provider/model' or 'offline' (absent: offline).",
    )
    budget_usd: float | None = Field(
        default=None, ge=0, description="This run's money budget: the estimate must fit it."
    )
    chunk_units: int = Field(
        default=DEFAULT_CHUNK_UNITS,
        ge=20,
        le=20_000,
        description="LLM-assisted planning: story units (words, Han characters) per chunk.",
    )
    subtitle_transforms: list[str] = Field(
        default_factory=list,
        max_length=8,
        description="User skills (name@version) applied in order to every shot's subtitles.",
    )
    user_skill_pins: dict[str, str] = Field(
        default_factory=dict, description="Filled at run creation: name@version -> digest."
    )
    degrade: list[DegradeStep] = Field(
        default_factory=lambda: list(DEFAULT_POLICY),
        description="What to give up, in order, when the estimate exceeds the budget.",
    )
    asset_pins: dict[str, str] = Field(
        default_factory=dict,
        description="With an asset library: entity id (or 'music') -> the asset id to use.",
    )
    asset_rejects: dict[str, list[str]] = Field(
        default_factory=dict,
        description="With an asset library: entity id -> asset ids never to use for it.",
    )
    cast: dict[str, str] = Field(
        default_factory=dict,
        description="Character name -> voice id (a project's voices, an imported bible).",
    )

    @field_validator("cast")
    @classmethod
    def _known_voices(cls, cast: dict[str, str]) -> dict[str, str]:
        unknown = sorted(v for v in cast.values() if v not in known_voice_ids())
        if unknown:
            raise ValueError(f"unknown voice ids in cast: {', '.join(unknown)}")
        return cast


RUN_ONLY = {
    "edits",
    "entity_edits",
    "subtitle_edits",
    "engines",
    "budget_usd",
    "degrade",
    "chunk_units",
    "asset_pins",
    "asset_rejects",
    "cast",
    "subtitle_transforms",
    "user_skill_pins",
}  # not part of the plan's cache key


def uses_model(p: StudioParams | dict[str, Any], stage: Stage) -> bool:
    engines = p.engines if isinstance(p, StudioParams) else p.get("engines") or {}
    return engines.get(stage, OFFLINE) != OFFLINE


def final_params(p: StudioParams) -> dict[str, Any]:
    """Only revisions add keys, so an unrevised run's final keeps its cache key."""
    params: dict[str, Any] = {}
    if p.entity_edits:
        params["entity_edits"] = {
            k: v.model_dump(mode="json", exclude_none=True) for k, v in p.entity_edits.items()
        }
    if p.subtitle_edits:
        params["cue_edits"] = {k: v.model_dump(mode="json") for k, v in p.subtitle_edits.items()}
    return params


def build_studio(p: StudioParams) -> list[NodeSpec]:
    plan_params = p.model_dump(mode="json", exclude=RUN_ONLY)
    final_node = NodeSpec(
        key="final",
        skill="studio.final",
        params={**({"cast": p.cast} if p.cast else {}), **final_params(p)},
        after=["plan"],
        gather="plan",
    )
    if not (uses_model(p, "entities") or uses_model(p, "shots")):
        plan_node = NodeSpec(
            key="plan", skill="studio.plan", params=plan_params, expand="studio.expand_shots"
        )
        return [plan_node, final_node]
    return [
        NodeSpec(
            key="story",
            skill="studio.story",
            params={**plan_params, "chunk_units": p.chunk_units},
            expand="studio.expand_chunks",
        ),
        NodeSpec(
            key="plan",
            skill="studio.plan_assisted",
            params={"max_shots": p.max_shots},
            after=["story"],
            gather="story",
            expand="studio.expand_shots",
        ),
        final_node,
    ]


def _engine(run: dict[str, Any], stage: Stage) -> dict[str, Any]:
    return {"engine": run["engines"][stage]} if uses_model(run, stage) else {}


def _shot_nodes(
    shot: Any,
    prev: Any | None,
    nxt: Any | None,
    out: plan.PlanOut,
    run: dict[str, Any],
    look: ShotLook,
) -> list[NodeSpec]:
    sid = shot.shot_id
    tts = [
        NodeSpec(
            key=f"{sid}.tts.{j}",
            skill="studio.tts" if uses_model(run, "speech") else "audio.tts",
            params={
                "text": line.text,
                "voice": line.voice,
                "seed": shot.variant,
                "language": getattr(line, "language", None) or out.language,
                **_engine(run, "speech"),
            },
        )
        for j, line in enumerate(shot.lines)
    ]
    size = {"width": out.width, "height": out.height}
    speech = NodeSpec(
        key=f"{sid}.speech",
        skill="studio.speech",
        params={
            "shot": shot.model_dump(mode="json"),
            "tts_keys": [t.key for t in tts],
            "fps": out.fps,
            **size,
        },
        after=[t.key for t in tts],
    )
    frame = NodeSpec(
        key=f"{sid}.frame",
        skill="studio.frame" if uses_model(run, "images") else "video.storyboard",
        params={
            "shot": look.shot.model_dump(mode="json"),
            "pack": look.pack.model_dump(mode="json"),
            **size,
            **_engine(run, "images"),
        },
    )
    clip = NodeSpec(
        key=f"{sid}.clip",
        skill="studio.clip_synced" if uses_model(run, "lipsync") else "studio.clip",
        params={
            "shot": shot.model_dump(mode="json"),
            "frame_key": frame.key,
            "tts_keys": [t.key for t in tts],
            "fps": out.fps,
            **size,
            **_engine(run, "lipsync"),
        },
        after=[frame.key, *[t.key for t in tts]],
    )
    subs = _subtitle_nodes(sid, clip.key, out, run)
    prev_id = prev.shot_id if prev is not None and shot.transition_in == "dissolve" else None
    after = [clip.key, frame.key, *[t.key for t in tts], *[n.key for n in subs[-1:]]]
    if prev_id:
        after += [f"{prev_id}.clip", f"{prev_id}.frame"]
    segment = NodeSpec(
        key=f"{sid}.segment",
        skill="studio.segment",
        params={
            "clip_key": clip.key,
            "prev_clip_key": f"{prev_id}.clip" if prev_id else None,
            "fade_out": bool(nxt is not None and nxt.transition_in == "fade"),
            "fps": out.fps,
            **size,
            **({"subs_key": subs[-1].key} if subs else {}),
            **({"cue_edits": look.cues} if look.cues else {}),
        },
        after=after,
    )
    return [*tts, speech, frame, clip, *subs, segment]


def _subtitle_nodes(
    sid: str, clip_key: str, out: plan.PlanOut, run: dict[str, Any]
) -> list[NodeSpec]:
    """The run's user subtitle transforms of one shot, chained after its clip (issue 11)."""
    nodes: list[NodeSpec] = []
    pins: dict[str, str] = run.get("user_skill_pins") or {}
    for i, ref in enumerate(run.get("subtitle_transforms") or []):
        source = nodes[-1].key if nodes else clip_key
        nodes.append(
            NodeSpec(
                key=f"{sid}{user_subtitles.SUFFIX}{i}",
                skill=user_subtitles.SKILL_NAME,
                params={"source_key": source, "skill": ref, "digest": pins.get(ref, ""),
                        "language": out.language},
                after=[source],
            )
        )  # fmt: skip
    return nodes


@dataclass(frozen=True)
class ShotLook:
    """What a shot's frame is drawn from, and its subtitle cue edits (by local index)."""

    shot: Any
    pack: Any
    cues: dict[str, Any]


def revised_shots(out: plan.PlanOut, run: dict[str, Any]) -> tuple[list[Any], list[ShotLook]]:
    """The shots a run renders (entity edits, then shot edits, voices localised), and per
    shot what its frame is drawn from: a change of voice alone never changes a picture, and a
    frame sees the edited entities only when its shot was touched by them (ADR 0271)."""
    edits = {int(k): ShotEdit.model_validate(v) for k, v in (run.get("edits") or {}).items()}
    entity_edits = {
        k: EntityEdit.model_validate(v) for k, v in (run.get("entity_edits") or {}).items()
    }
    narrator = out.pack.narrator_voice
    cast = dict(run.get("cast") or {})  # a series' voices (ADR 0243), before entity edits
    base = plan.localise_voices(
        apply_cast(apply_shot_edits(out.shots, edits, narrator_voice=narrator), out.pack, cast)
    )
    edited, pack = revisions.apply_entity_edits(out.shots, out.pack, entity_edits)
    shots = plan.localise_voices(
        apply_cast(apply_shot_edits(edited, edits, narrator_voice=narrator), pack, cast)
    )
    cue_edits: dict[str, dict[str, Any]] = {}
    for cue, edit in (run.get("subtitle_edits") or {}).items():
        split = revisions.split_cue_id(cue)
        if split is not None:
            cue_edits.setdefault(split[0], {})[str(split[1])] = CueEdit.model_validate(
                edit
            ).model_dump(mode="json")
    looks: list[ShotLook] = []
    for before, after, raw in zip(base, shots, out.shots, strict=True):
        touched = after is not before and _drawn(after) != _drawn(before)
        looks.append(
            ShotLook(
                shot=after if touched else before,
                pack=pack if touched else out.pack,
                cues=cue_edits.get(raw.shot_id, {}),
            )
        )
    return shots, looks


def _drawn(shot: Any) -> tuple[Any, ...]:
    """What of a shot its frame depends on beyond the lines' voices."""
    lines = tuple((ln.text, ln.speaker_id, ln.kind) for ln in shot.lines)
    ids = (shot.speaker_id, tuple(shot.character_ids), shot.place_id, tuple(shot.prop_ids))
    return (shot.model_dump(exclude={"lines"}), lines, ids)


def expand_shots(parent: NodeSpec, output: dict[str, Any], run: dict[str, Any]) -> list[NodeSpec]:
    out = plan.PlanOut.model_validate(output)
    shots, looks = revised_shots(out, run)
    nodes: list[NodeSpec] = []
    for i, shot in enumerate(shots):
        prev = shots[i - 1] if i else None
        nxt = shots[i + 1] if i + 1 < len(shots) else None
        nodes.extend(_shot_nodes(shot, prev, nxt, out, run, looks[i]))
    nodes.append(
        NodeSpec(
            key="music",
            skill="music.bed",
            params={
                "duration_s": min(900.0, MUSIC_SECONDS_PER_SHOT * len(shots) + 20),
                "mood": "calm",
                "seed": 0,
            },
        )
    )
    nodes.append(
        NodeSpec(
            key="mix",
            skill="studio.mix",
            params={"music_key": "music", "fps": out.fps},
            after=[*(f"{shot.shot_id}.speech" for shot in shots), "music"],
        )
    )
    return nodes


CATEGORIES: dict[str, SkillCategory] = {
    "studio.entities_chunk": "text",
    "studio.shots_chunk": "text",
    "studio.frame": "image",
    "studio.tts": "audio",
    "studio.clip_synced": "lipsync",
    "studio.plan": "text",
    "studio.speech": "audio",
    "studio.clip": "video",
    "studio.segment": "video",
    "studio.mix": "audio",
    "studio.final": "compose",
}


def _register_model_skills(registry: Registry, models: StudioModels) -> None:
    """The skills that call models: async (they wait on the network), bound to ``models``."""
    chunks = assisted.AssistedSkills(models)
    media_skills = media.MediaSkills(models)
    synced = lipsync.LipsyncSkills(models)
    retry = RetryPolicy(max_attempts=3, base_s=1.0, max_s=30)
    async_skills = [
        ("studio.entities_chunk", assisted.ChunkIn, assisted.EntitiesOut, chunks.entities_chunk),
        ("studio.shots_chunk", assisted.ChunkIn, assisted.ShotsOut, chunks.shots_chunk),
        ("studio.frame", media.FrameIn, media.Served, media_skills.frame),
        ("studio.tts", media.SpeechIn, media.SpeechOut, media_skills.speech),
        ("studio.clip_synced", lipsync.SyncedClipIn, render.ClipOut, synced.clip),
    ]
    for name, input_model, output_model, handler in async_skills:
        # They call models through the router (providers' hosts) and fall back offline.
        registry.add_skill(
            Skill(name, "1", input_model, output_model, handler, executor="async",
                  timeout_s=900, retry=retry, category=CATEGORIES[name],
                  permissions=media_permissions(network=True, assets=True, cpu_time_s=900))
        )  # fmt: skip
    for name, input_model, output_model, handler in [
        ("studio.story", assisted.StoryIn, assisted.StoryOut, assisted.read_story),
        ("studio.plan_assisted", assisted.AssembleIn, plan.PlanOut, assisted.assemble_plan),
    ]:
        registry.add_skill(
            Skill(name, "1", input_model, output_model, handler, executor="thread",
                  timeout_s=120, retry=retry, category="text",
                  permissions=SkillPermissions(cpu_time_s=120))
        )  # fmt: skip
    registry.add_expander("studio.expand_chunks", assisted.expand_chunks)


def register(registry: Registry, models: StudioModels | None = None) -> None:
    register_workers(registry)
    user_subtitles.register_user_subtitles(registry)
    _register_model_skills(registry, models or StudioModels())
    retry = RetryPolicy(max_attempts=3, base_s=0.5, max_s=10)
    # All "thread": the work is numpy, Pillow and ffmpeg children, which run outside the GIL;
    # a process pool would spawn interpreters that import everything again (seconds each).
    glue = [
        ("studio.plan", "2", plan.PlanIn, plan.PlanOut, plan.plan_story, 120),
        (
            "studio.speech", "1", render.ShotSpeechIn, render.ShotSpeechOut,
            render.render_shot_speech, 300,
        ),
        ("studio.clip", "3", render.ClipIn, render.ClipOut, render.lay_out_clip, 300),
        (
            "studio.segment", "2", render.SegmentGlueIn, render.SegmentGlueOut,
            render.render_shot_segment, 600,
        ),
        ("studio.mix", "1", final.MixGlueIn, final.MixOut, final.mix_film_audio, 900),
        ("studio.final", "2", final.FinalGlueIn, final.FinalGlueOut, final.compose_film, 1200),
    ]  # fmt: skip
    for name, version, input_model, output_model, handler, timeout_s in glue:
        registry.add_skill(
            Skill(
                name, version, input_model, output_model, handler,
                executor="thread", timeout_s=timeout_s, retry=retry, category=CATEGORIES[name],
                permissions=media_permissions(assets=True, cpu_time_s=timeout_s),
            )
        )  # fmt: skip
    registry.add_expander("studio.expand_shots", expand_shots)
    register_asset_skills(registry)
    registry.add_expander("studio.expand_matched", asset_graph.make_expander(expand_shots))

    def build(p: StudioParams) -> list[NodeSpec]:
        """Without a library (``services["assets"]``) exactly ``build_studio`` (ADR 0240)."""
        return build_studio(p)

    async def build_in_project(p: StudioParams, tenant_id: str, project_id: str) -> list[NodeSpec]:
        """With a library, matching keyed on its fingerprint for the project (ADR 0244)."""
        nodes = build_studio(p)
        library = registry.services.get("assets")
        if library is None:
            return nodes
        rule = MatchRule.model_validate(registry.services.get("asset_matching") or {})
        fingerprint = await library.fingerprint(tenant_id, project_id)
        return asset_graph.with_matching(nodes, p.model_dump(mode="json"), rule, fingerprint)

    registry.add_pipeline(
        Pipeline(
            "studio",
            StudioParams,
            build,
            "Story to narrated, subtitled video (offline engines, or models where configured).",
            build_in_project=build_in_project,
        )
    )
