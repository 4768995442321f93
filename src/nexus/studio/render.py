"""``studio.clip`` and ``studio.segment``: lay out one shot's speech, animate the speaker's
mouth, and render the shot's segment. Glue over the planner, lipsync and composer engines.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from nexus.composer.skills import SegmentIn, SpeechRef, render_segment_skill
from nexus.composer.specs import Cue
from nexus.contracts.studio import AudioTrack, ShotPlan, Subtitle, TimelineClip
from nexus.core.registry import SkillContext
from nexus.planner import build_timeline
from nexus.workers.lipsync.handlers import AudioPlacement, LipsyncInput, animate_mouth
from nexus.workers.video.shot import MouthAnchor


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClipIn(Strict):
    shot: ShotPlan
    frame_key: str
    tts_keys: list[str]
    width: int
    height: int
    fps: int = 25


class SpokenLine(Strict):
    audio_sha256: str
    offset_s: float
    duration_s: float
    line_index: int
    speaker_id: str | None


class ClipOut(Strict):
    """One shot laid out on its own clock: clip, audio and cues start at 0."""

    shot: ShotPlan
    frame_sha256: str
    visual_sha256: str
    visual_kind: Literal["image", "video"]
    frames: int
    duration_s: float
    clip: TimelineClip
    audio: list[AudioTrack]
    subtitles: list[Subtitle]
    speech: list[SpokenLine]


def lay_out_clip(inp: ClipIn, ctx: SkillContext) -> ClipOut:
    frame = ctx.upstream[inp.frame_key]
    tts = [ctx.upstream[k] for k in inp.tts_keys]
    shot = inp.shot
    local = build_timeline(
        [shot],
        {shot.shot_id: [float(t["duration_s"]) for t in tts]},
        width=inp.width,
        height=inp.height,
        fps=inp.fps,
    )
    frames = max(1, round(local.clips[0].duration_s * inp.fps))
    duration = frames / inp.fps
    clip = local.clips[0].model_copy(update={"start_s": 0.0, "duration_s": duration})
    speech_tracks = [a for a in local.audio if a.kind != "music" and a.line_index is not None]
    spoken = [
        SpokenLine(
            audio_sha256=str(tts[a.line_index]["audio_sha256"]),
            offset_s=a.start_s,
            duration_s=float(tts[a.line_index]["duration_s"]),
            line_index=a.line_index,
            speaker_id=shot.lines[a.line_index].speaker_id,
        )
        for a in speech_tracks
        if a.line_index is not None
    ]
    mouth = frame.get("mouth")
    visual, kind = str(frame["frame_sha256"]), "image"
    speaker_lines = [
        s for s in spoken if s.speaker_id and mouth and s.speaker_id == mouth.get("character_id")
    ]
    if mouth and speaker_lines:
        ctx.progress(0.3, "animating the speaker's mouth")
        clip_out = animate_mouth(
            LipsyncInput(
                frame_sha256=visual,
                mouth=MouthAnchor.model_validate(mouth),
                audio=[
                    AudioPlacement(audio_sha256=s.audio_sha256, offset_s=s.offset_s)
                    for s in speaker_lines
                ],
                duration_s=duration,
                fps=inp.fps,
            ),
            ctx,
        )
        visual, kind = clip_out.clip_sha256, "video"
    return ClipOut(
        shot=shot,
        frame_sha256=str(frame["frame_sha256"]),
        visual_sha256=visual,
        visual_kind=kind,
        frames=frames,
        duration_s=duration,
        clip=clip,
        audio=speech_tracks,
        subtitles=local.subtitles,
        speech=spoken,
    )


class SegmentGlueIn(Strict):
    clip_key: str
    prev_clip_key: str | None = None
    fade_out: bool = False
    width: int
    height: int
    fps: int = 25
    font: str = "Noto Sans CJK SC"


class SegmentGlueOut(Strict):
    shot_id: str
    segment_sha256: str
    frames: int
    duration_s: float
    speech_intervals: list[tuple[float, float]] = Field(default_factory=list)


def render_shot_segment(inp: SegmentGlueIn, ctx: SkillContext) -> SegmentGlueOut:
    clip = ClipOut.model_validate(ctx.upstream[inp.clip_key])
    prev = ClipOut.model_validate(ctx.upstream[inp.prev_clip_key]) if inp.prev_clip_key else None
    transition = clip.clip.transition_in
    if transition == "dissolve" and prev is None:
        transition = "fade"
    seg: dict[str, Any] = {
        "shot_id": clip.shot.shot_id,
        "visual_sha256": clip.visual_sha256,
        "visual_kind": clip.visual_kind,
        "camera": clip.shot.camera,
        "frames": clip.frames,
        "width": inp.width,
        "height": inp.height,
        "fps": inp.fps,
        "speech": [
            SpeechRef(audio_sha256=s.audio_sha256, offset_s=s.offset_s) for s in clip.speech
        ],
        "cues": [Cue(start_s=c.start_s, end_s=c.end_s, text=c.text) for c in clip.subtitles],
        "transition_in": transition,
        "fade_out": inp.fade_out,
        "font": inp.font,
    }
    if transition == "dissolve" and prev is not None:
        seg.update(
            dissolve_from_sha256=prev.visual_sha256,
            dissolve_from_kind=prev.visual_kind,
            dissolve_from_camera=prev.shot.camera,
        )
    out = render_segment_skill(SegmentIn(**seg), ctx)
    return SegmentGlueOut(
        shot_id=out.shot_id,
        segment_sha256=out.segment_sha256,
        frames=out.frames,
        duration_s=out.duration_s,
        speech_intervals=out.speech_intervals,
    )
