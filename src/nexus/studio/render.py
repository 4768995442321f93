"""``studio.speech``, ``studio.clip`` and ``studio.segment``: lay out one shot's speech and
render its levelled speech track; animate the speaker's mouth; render the shot's video segment.
Glue over the planner, lipsync and composer engines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from nexus.composer.skills import (
    SegmentIn,
    SpeechIn,
    SpeechRef,
    render_segment_skill,
    render_speech_skill,
)
from nexus.composer.specs import Cue
from nexus.contracts.studio import AudioTrack, CueEdit, ShotPlan, Subtitle, TimelineClip
from nexus.core.registry import SkillContext
from nexus.planner import build_timeline
from nexus.studio.revisions import apply_cue_edits
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


class ShotSpeechIn(Strict):
    shot: ShotPlan
    tts_keys: list[str]
    width: int
    height: int
    fps: int = 25


class ShotSpeechOut(Strict):
    """A shot's levelled speech track (48 kHz mono WAV), exactly as long as its clip."""

    shot_id: str
    index: int
    frames: int
    speech_sha256: str
    speech_intervals: list[tuple[float, float]] = Field(default_factory=list)


@dataclass(frozen=True)
class ShotLayout:
    frames: int
    clip: TimelineClip
    audio: list[AudioTrack]
    subtitles: list[Subtitle]
    spoken: list[SpokenLine]


def lay_out_shot(
    shot: ShotPlan, tts: list[dict[str, Any]], *, width: int, height: int, fps: int
) -> ShotLayout:
    """The planner's timeline for this one shot from its lines' real durations (pure)."""
    local = build_timeline(
        [shot],
        {shot.shot_id: [float(t["duration_s"]) for t in tts]},
        width=width,
        height=height,
        fps=fps,
    )
    frames = max(1, round(local.clips[0].duration_s * fps))
    clip = local.clips[0].model_copy(update={"start_s": 0.0, "duration_s": frames / fps})
    tracks = [a for a in local.audio if a.kind != "music" and a.line_index is not None]
    spoken = [
        SpokenLine(
            audio_sha256=str(tts[a.line_index]["audio_sha256"]),
            offset_s=a.start_s,
            duration_s=float(tts[a.line_index]["duration_s"]),
            line_index=a.line_index,
            speaker_id=shot.lines[a.line_index].speaker_id,
        )
        for a in tracks
        if a.line_index is not None
    ]
    return ShotLayout(frames, clip, tracks, local.subtitles, spoken)


def render_shot_speech(inp: ShotSpeechIn, ctx: SkillContext) -> ShotSpeechOut:
    """Level, limit and place the shot's lines into one track for the film's mix."""
    tts = [ctx.upstream[k] for k in inp.tts_keys]
    layout = lay_out_shot(inp.shot, tts, width=inp.width, height=inp.height, fps=inp.fps)
    track = render_speech_skill(
        SpeechIn(
            shot_id=inp.shot.shot_id,
            frames=layout.frames,
            fps=inp.fps,
            lines=[
                SpeechRef(audio_sha256=s.audio_sha256, offset_s=s.offset_s) for s in layout.spoken
            ],
        ),
        ctx,
    )
    return ShotSpeechOut(
        shot_id=inp.shot.shot_id,
        index=inp.shot.index,
        frames=layout.frames,
        speech_sha256=track.speech_sha256,
        speech_intervals=track.speech_intervals,
    )


def lay_out_clip(inp: ClipIn, ctx: SkillContext) -> ClipOut:
    frame = ctx.upstream[inp.frame_key]
    tts = [ctx.upstream[k] for k in inp.tts_keys]
    layout = lay_out_shot(inp.shot, tts, width=inp.width, height=inp.height, fps=inp.fps)
    duration = layout.frames / inp.fps
    visual, kind = _animate_speaker(
        (str(frame["frame_sha256"]), frame.get("neutral_frame_sha256")),
        frame.get("mouth"),
        layout.spoken,
        duration,
        inp.fps,
        ctx,
    )
    return ClipOut(
        shot=inp.shot,
        frame_sha256=str(frame["frame_sha256"]),
        visual_sha256=visual,
        visual_kind=kind,
        frames=layout.frames,
        duration_s=duration,
        clip=layout.clip,
        audio=layout.audio,
        subtitles=layout.subtitles,
        speech=layout.spoken,
    )


def highlight_spans(spoken: list[SpokenLine], speaker_id: str) -> list[tuple[float, float]]:
    """Spans of the clip where ``speaker_id`` talks: each run of their consecutive lines,
    from its first line's start to its last line's end (a pause inside a run stays lit)."""
    spans: list[tuple[float, float]] = []
    previous: SpokenLine | None = None
    for line in sorted(spoken, key=lambda s: s.offset_s):
        if line.speaker_id == speaker_id:
            end = line.offset_s + line.duration_s
            if previous is not None and previous.speaker_id == speaker_id and spans:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((line.offset_s, end))
        previous = line
    return spans


def _animate_speaker(
    frames: tuple[str, str | None],
    mouth: dict[str, Any] | None,
    spoken: list[SpokenLine],
    duration: float,
    fps: int,
    ctx: SkillContext,
) -> tuple[str, Literal["image", "video"]]:
    """The speaker's lip-synced clip when they are on screen, else the still frame; the
    highlight is on only while they talk (the neutral frame while the narrator reads)."""
    frame_sha256, neutral_sha256 = frames
    speaker_lines = [
        s for s in spoken if s.speaker_id and mouth and s.speaker_id == mouth.get("character_id")
    ]
    if not mouth or not speaker_lines:
        return frame_sha256, "image"
    ctx.progress(0.3, "animating the speaker's mouth")
    clip_out = animate_mouth(
        LipsyncInput(
            frame_sha256=frame_sha256,
            mouth=MouthAnchor.model_validate(mouth),
            audio=[
                AudioPlacement(audio_sha256=s.audio_sha256, offset_s=s.offset_s)
                for s in speaker_lines
            ],
            neutral_frame_sha256=neutral_sha256,
            highlight=highlight_spans(spoken, str(mouth["character_id"])),
            duration_s=duration,
            fps=fps,
        ),
        ctx,
    )
    return clip_out.clip_sha256, "video"


class SegmentGlueIn(Strict):
    clip_key: str
    subs_key: str | None = None  # the shot's last user subtitle transform, if any
    prev_clip_key: str | None = None
    fade_out: bool = False
    width: int
    height: int
    fps: int = 25
    font: str = "Noto Sans CJK SC"
    cue_edits: dict[int, CueEdit] = Field(
        default_factory=dict, description="Subtitle edits by the shot's cue index."
    )


class SegmentGlueOut(Strict):
    shot_id: str
    segment_sha256: str
    frames: int
    duration_s: float


def _cues(inp: SegmentGlueIn, clip: ClipOut, ctx: SkillContext) -> list[Subtitle]:
    if inp.subs_key is None:
        return clip.subtitles
    return [Subtitle.model_validate(s) for s in ctx.upstream[inp.subs_key]["subtitles"]]


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
        "cues": [
            Cue(start_s=c.start_s, end_s=c.end_s, text=c.text)
            for c in apply_cue_edits(_cues(inp, clip, ctx), inp.cue_edits)
        ],
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
    )
