"""The composer's skills: ``composer.segment`` (one shot) and ``composer.final`` (the film).

One node per segment is what lets a revision of one shot re-render only that segment: the
other segment nodes keep their cache keys and are hits, and only ``composer.final`` re-runs.
"""

from __future__ import annotations

from pydantic import Field

from nexus.composer.compose import (
    clip_frame_bounds,
    music_gain_db,
    render_segment,
    wav_duration_s,
)
from nexus.composer.finish import FinishParams, finish_composition
from nexus.composer.specs import (
    DEFAULT_FONT,
    Cue,
    EncodeSettings,
    SegmentSpec,
    SpeechPlacement,
    Visual,
    VisualKind,
)
from nexus.composer.subtitles import cues_from_timeline, fit_cues
from nexus.contracts.base import StrictModel
from nexus.contracts.studio import CameraMove, TimelinePlan, Transition
from nexus.core.errors import invalid
from nexus.core.registry import Registry, RetryPolicy, Skill, SkillContext


class SpeechRef(StrictModel):
    audio_sha256: str
    offset_s: float = Field(ge=0, description="Seconds from the start of the segment.")
    gain_db: float = 0.0


class SegmentIn(StrictModel):
    shot_id: str
    visual_sha256: str
    visual_kind: VisualKind = "image"
    camera: CameraMove = "static"
    frames: int = Field(gt=0, description="Exact length; use clip_frame_bounds(timeline).")
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    fps: int = Field(default=25, gt=0)
    speech: list[SpeechRef] = Field(default_factory=list)
    cues: list[Cue] = Field(default_factory=list, description="Times relative to the segment.")
    transition_in: Transition = "cut"
    fade_out: bool = False
    dissolve_from_sha256: str | None = None
    dissolve_from_kind: VisualKind = "image"
    dissolve_from_camera: CameraMove = "static"
    font: str = DEFAULT_FONT


class SegmentOut(StrictModel):
    segment_sha256: str
    shot_id: str
    frames: int
    duration_s: float
    speech_intervals: list[tuple[float, float]] = Field(
        description="(start, end) seconds of each speech line within the segment."
    )


class FinalIn(StrictModel):
    timeline: TimelinePlan
    segment_sha256s: list[str] = Field(min_length=1, description="In timeline clip order.")
    speech_intervals: list[tuple[float, float]] = Field(
        default_factory=list, description="Global (start, end) seconds of speech, for ducking."
    )
    music_sha256: str | None = None


class FinalOut(StrictModel):
    final_mp4_sha256: str
    srt_sha256: str
    vtt_sha256: str
    poster_sha256: str
    duration_s: float
    integrated_lufs: float
    true_peak_dbtp: float
    normalisation: str = Field(description="gain (one linear gain) or loudnorm (dynamic).")


def render_segment_skill(inp: SegmentIn, ctx: SkillContext) -> SegmentOut:
    """Render one shot's segment into the job's workdir and keep it."""
    speech = [
        SpeechPlacement(
            path=ctx.artifact_path(s.audio_sha256), offset_s=s.offset_s, gain_db=s.gain_db
        )
        for s in inp.speech
    ]
    dissolve = None
    if inp.dissolve_from_sha256 is not None:
        dissolve = Visual(
            path=ctx.artifact_path(inp.dissolve_from_sha256),
            kind=inp.dissolve_from_kind,
            camera=inp.dissolve_from_camera,
        )
    visual = Visual(
        path=ctx.artifact_path(inp.visual_sha256), kind=inp.visual_kind, camera=inp.camera
    )
    spec = SegmentSpec(
        shot_id=inp.shot_id, visual=visual,
        frames=inp.frames, width=inp.width, height=inp.height, fps=inp.fps,
        speech=speech, cues=inp.cues, transition_in=inp.transition_in,
        fade_out=inp.fade_out, dissolve_from=dissolve,
    )  # fmt: skip
    ctx.progress(0.05, f"rendering segment {inp.shot_id}")
    rendered = render_segment(
        spec, cache_dir=ctx.workdir / "segments", font=inp.font, encode=EncodeSettings()
    )
    sha = ctx.keep(rendered.path, media_type="video/x-matroska", name=f"segment-{inp.shot_id}.mkv")
    intervals = [(s.offset_s, s.offset_s + wav_duration_s(s.path)) for s in speech]
    return SegmentOut(
        segment_sha256=sha,
        shot_id=inp.shot_id,
        frames=spec.frames,
        duration_s=spec.duration_s,
        speech_intervals=intervals,
    )


def compose_final_skill(inp: FinalIn, ctx: SkillContext) -> FinalOut:
    """Concat the segments, mix and normalise the audio, write captions and the poster."""
    bounds = clip_frame_bounds(inp.timeline)
    if len(inp.segment_sha256s) != len(inp.timeline.clips):
        raise invalid(
            f"{len(inp.segment_sha256s)} segments for {len(inp.timeline.clips)} clips",
            segment_sha256s="count",
        )
    params = FinishParams(
        fps=inp.timeline.fps,
        total_frames=bounds[-1] - bounds[0],
        cues=fit_cues(cues_from_timeline(inp.timeline)),
        speech_intervals=inp.speech_intervals,
        music_wav=ctx.artifact_path(inp.music_sha256) if inp.music_sha256 else None,
        music_gain_db=music_gain_db(inp.timeline),
    )
    ctx.progress(0.1, "mixing and normalising")
    out = finish_composition(
        [ctx.artifact_path(sha) for sha in inp.segment_sha256s],
        params,
        out_dir=ctx.workdir / "out",
        workdir=ctx.workdir / "work",
    )
    return FinalOut(
        final_mp4_sha256=ctx.keep(out.final_mp4, media_type="video/mp4", name="final.mp4"),
        srt_sha256=ctx.keep(out.srt, media_type="application/x-subrip", name="final.srt"),
        vtt_sha256=ctx.keep(out.vtt, media_type="text/vtt", name="final.vtt"),
        poster_sha256=ctx.keep(out.poster, media_type="image/jpeg", name="poster.jpg"),
        duration_s=out.duration_s,
        integrated_lufs=out.loudness.integrated_lufs,
        true_peak_dbtp=out.loudness.true_peak_dbtp,
        normalisation=out.normalisation,
    )


def register(registry: Registry) -> None:
    # "thread": the work happens in ffmpeg child processes, so the GIL is not a bottleneck.
    registry.add_skill(
        Skill(
            name="composer.segment", version="1",
            input_model=SegmentIn, output_model=SegmentOut, handler=render_segment_skill,
            resource_class="cpu", executor="thread", retry=RetryPolicy(max_attempts=2),
            timeout_s=300.0, description="Render one shot: visual, camera, captions, speech.",
        )
    )  # fmt: skip
    registry.add_skill(
        Skill(
            name="composer.final", version="1",
            input_model=FinalIn, output_model=FinalOut, handler=compose_final_skill,
            resource_class="cpu", executor="thread", retry=RetryPolicy(max_attempts=2),
            timeout_s=600.0, description="Concat segments, duck music, normalise loudness, export.",
        )
    )  # fmt: skip
