"""``studio.mix`` and ``studio.final``: the film's audio from the shots' speech tracks and the
music bed; then the film timeline assembled from the shots' clips, the segments and that audio
muxed by stream copy, subtitles, poster, and the plan documents beside them.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from nexus.composer.skills import FinalIn, MixIn, MixOut, compose_final_skill, mix_audio_skill
from nexus.contracts.studio import AudioTrack, CueEdit, EntityEdit, TimelinePlan
from nexus.core.registry import SkillContext
from nexus.studio import asset_report
from nexus.studio.cast import cast_pack
from nexus.studio.plan import PlanOut
from nexus.studio.render import ClipOut, SegmentGlueOut, ShotSpeechOut
from nexus.studio.revisions import apply_cue_edits, edit_pack, split_cue_id
from nexus.studio.user_subtitles import final_subtitles

MUSIC_GAIN_DB = -18.0


class MixGlueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    music_key: str | None = "music"
    fps: int = 25


class FinalGlueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mix_key: str = "mix"
    cast: dict[str, str] = Field(default_factory=dict, description="Name -> voice (ADR 0243).")
    entity_edits: dict[str, EntityEdit] = Field(default_factory=dict)
    cue_edits: dict[str, CueEdit] = Field(
        default_factory=dict, description="By cue id: <shot_id>.<shot-local index>."
    )


class FinalGlueOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    final_mp4_sha256: str
    srt_sha256: str
    vtt_sha256: str
    poster_sha256: str
    timeline_sha256: str
    entities_sha256: str
    shots_sha256: str
    duration_s: float
    integrated_lufs: float
    true_peak_dbtp: float
    normalisation: str
    shots: int


def _ordered(upstream: dict[str, dict[str, Any]], suffix: str) -> list[dict[str, Any]]:
    return [upstream[k] for k in sorted(k for k in upstream if k.endswith(suffix))]


def assemble_timeline(clips: list[ClipOut], *, width: int, height: int, fps: int) -> TimelinePlan:
    """Concatenate the shots' own clocks into the film's (clips are back to back)."""
    start, clip_rows, audio, subs = 0.0, [], [], []
    for clip in clips:
        clip_rows.append(clip.clip.model_copy(update={"start_s": start}))
        audio += [a.model_copy(update={"start_s": start + a.start_s}) for a in clip.audio]
        subs += [
            s.model_copy(update={"start_s": start + s.start_s, "end_s": start + s.end_s})
            for s in clip.subtitles
        ]
        start += clip.duration_s
    audio.append(AudioTrack(kind="music", start_s=0.0, duration_s=start, gain_db=MUSIC_GAIN_DB))
    return TimelinePlan(
        width=width,
        height=height,
        fps=fps,
        clips=clip_rows,
        audio=audio,
        subtitles=subs,
        duration_s=start,
    )


def _keep_json(ctx: SkillContext, name: str, value: Any) -> str:
    path = ctx.workdir / name
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2), encoding="utf-8")
    return ctx.keep(path, media_type="application/json", name=name)


def _clips(upstream: dict[str, dict[str, Any]], cue_edits: dict[str, CueEdit]) -> list[ClipOut]:
    """The shots' clips with their final cues: a user subtitle transform's (its last), then
    the person's own cue edits on top (ADR 0272)."""
    by_shot: dict[str, dict[int, CueEdit]] = {}
    for cue, edit in cue_edits.items():
        split = split_cue_id(cue)
        if split is not None:
            by_shot.setdefault(split[0], {})[split[1]] = edit
    clips: list[ClipOut] = []
    for raw in _ordered(upstream, ".clip"):
        clip = ClipOut.model_validate(raw)
        subs = final_subtitles(upstream, clip.shot.shot_id)
        if subs is not None:
            clip = clip.model_copy(update={"subtitles": subs})
        if clip.shot.shot_id in by_shot:
            edited = apply_cue_edits(clip.subtitles, by_shot[clip.shot.shot_id])
            clip = clip.model_copy(update={"subtitles": edited})
        clips.append(clip)
    return sorted(clips, key=lambda c: c.shot.index)


def mix_film_audio(inp: MixGlueIn, ctx: SkillContext) -> MixOut:
    """The shots' speech tracks end to end over the ducked music bed, at -16 LUFS, as AAC."""
    shots = sorted(
        (ShotSpeechOut.model_validate(v) for v in _ordered(ctx.upstream, ".speech")),
        key=lambda s: s.index,
    )
    starts = [sum(s.frames for s in shots[:i]) / inp.fps for i in range(len(shots))]
    music = ctx.upstream.get(inp.music_key or "", {}).get("audio_sha256")
    return mix_audio_skill(
        MixIn(
            fps=inp.fps,
            clip_frames=[s.frames for s in shots],
            speech_sha256s=[s.speech_sha256 for s in shots],
            speech_intervals=[
                (start + a, start + b)
                for start, shot in zip(starts, shots, strict=True)
                for a, b in shot.speech_intervals
            ],
            music_sha256=music,
            music_gain_db=MUSIC_GAIN_DB,
        ),
        ctx,
    )


def compose_film(inp: FinalGlueIn, ctx: SkillContext) -> FinalGlueOut:
    plan = PlanOut.model_validate(ctx.upstream["plan"])
    clips = _clips(ctx.upstream, inp.cue_edits)
    pack = plan.pack
    if inp.entity_edits:
        pack = edit_pack(plan.pack, inp.entity_edits)
    segments = {
        s.shot_id: s
        for s in (SegmentGlueOut.model_validate(v) for v in _ordered(ctx.upstream, ".segment"))
    }
    timeline = assemble_timeline(clips, width=plan.width, height=plan.height, fps=plan.fps)
    audio = MixOut.model_validate(ctx.upstream[inp.mix_key])
    matches = asset_report.matches_of(ctx.upstream)
    shot_rows = asset_report.shot_rows([c.shot for c in clips], pack, matches)
    ctx.progress(0.1, "muxing the film")
    out = compose_final_skill(
        FinalIn(
            timeline=timeline,
            segment_sha256s=[segments[c.shot_id].segment_sha256 for c in timeline.clips],
            audio=audio,
        ),
        ctx,
    )
    return FinalGlueOut(
        final_mp4_sha256=out.final_mp4_sha256,
        srt_sha256=out.srt_sha256,
        vtt_sha256=out.vtt_sha256,
        poster_sha256=out.poster_sha256,
        timeline_sha256=_keep_json(ctx, "timeline.json", timeline.model_dump(mode="json")),
        entities_sha256=_keep_json(
            ctx, "entities.json", asset_report.entity_doc(cast_pack(pack, inp.cast), matches)
        ),
        shots_sha256=_keep_json(ctx, "shots.json", shot_rows),
        duration_s=out.duration_s,
        integrated_lufs=out.integrated_lufs,
        true_peak_dbtp=out.true_peak_dbtp,
        normalisation=out.normalisation,
        shots=len(clips),
    )
