"""The composer's skills: ``composer.segment`` and ``composer.speech`` (one shot each),
``composer.mix`` (the film's audio) and ``composer.final`` (stream-copy mux, poster, captions).

One node per segment and per speech track is what lets a revision of one shot redo only that
shot's pictures and speech; ``composer.mix`` and ``composer.final`` re-run, and neither
re-encodes video (the mix encodes only the audio).
"""

from __future__ import annotations

from pydantic import Field

from nexus.composer.compose import clip_frame_bounds, render_segment, wav_duration_s
from nexus.composer.finish import DUCK_DB, FinishParams, finish_composition
from nexus.composer.mix import concat_tracks, render_mix
from nexus.composer.specs import (
    DEFAULT_FONT,
    Cue,
    EncodeSettings,
    MixPlan,
    SegmentSpec,
    SpeechPlacement,
    Visual,
    VisualKind,
    audio_samples,
)
from nexus.composer.speech import read_track, speech_track, write_track
from nexus.composer.subtitles import cues_from_timeline, fit_cues
from nexus.contracts.base import StrictModel
from nexus.contracts.governance import SkillCategory
from nexus.contracts.studio import CameraMove, TimelinePlan, Transition
from nexus.core.errors import invalid
from nexus.core.registry import Registry, RetryPolicy, Skill, SkillContext, media_permissions


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


class SpeechIn(StrictModel):
    shot_id: str
    frames: int = Field(gt=0)
    fps: int = Field(default=25, gt=0)
    lines: list[SpeechRef] = Field(default_factory=list)


class SpeechOut(StrictModel):
    speech_sha256: str = Field(description="48 kHz mono WAV, exactly the segment's length.")
    samples: int
    speech_intervals: list[tuple[float, float]] = Field(
        description="(start, end) seconds of each line within the segment."
    )


class MixIn(StrictModel):
    fps: int = Field(default=25, gt=0)
    clip_frames: list[int] = Field(min_length=1, description="Frames per clip, in order.")
    speech_sha256s: list[str] = Field(description="composer.speech tracks, in clip order.")
    speech_intervals: list[tuple[float, float]] = Field(
        default_factory=list, description="Global (start, end) seconds of speech, for ducking."
    )
    music_sha256: str | None = None
    music_gain_db: float = -8.0


class MixOut(StrictModel):
    audio_sha256: str = Field(description="AAC in .m4a at -16 LUFS.")
    duration_s: float
    measured_lufs: float = Field(description="The mix before normalisation.")
    integrated_lufs: float
    true_peak_dbtp: float
    gain_db: float
    normalisation: str = Field(description="gain (one linear gain) or limiter.")


class FinalIn(StrictModel):
    timeline: TimelinePlan
    segment_sha256s: list[str] = Field(min_length=1, description="In timeline clip order.")
    audio: MixOut


class FinalOut(StrictModel):
    final_mp4_sha256: str
    srt_sha256: str
    vtt_sha256: str
    poster_sha256: str
    duration_s: float
    integrated_lufs: float
    true_peak_dbtp: float
    normalisation: str = Field(description="gain (one linear gain) or limiter.")


def render_segment_skill(inp: SegmentIn, ctx: SkillContext) -> SegmentOut:
    """Render one shot's (video-only) segment into the job's workdir and keep it."""
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
        cues=inp.cues, transition_in=inp.transition_in,
        fade_out=inp.fade_out, dissolve_from=dissolve,
    )  # fmt: skip
    ctx.progress(0.05, f"rendering segment {inp.shot_id}")
    rendered = render_segment(
        spec, cache_dir=ctx.workdir / "segments", font=inp.font, encode=EncodeSettings()
    )
    sha = ctx.keep(rendered.path, media_type="video/x-matroska", name=f"segment-{inp.shot_id}.mkv")
    return SegmentOut(
        segment_sha256=sha, shot_id=inp.shot_id, frames=spec.frames, duration_s=spec.duration_s
    )


def render_speech_skill(inp: SpeechIn, ctx: SkillContext) -> SpeechOut:
    """Level, limit and place one shot's speech lines into a track as long as its segment."""
    lines = [
        SpeechPlacement(
            path=ctx.artifact_path(s.audio_sha256), offset_s=s.offset_s, gain_db=s.gain_db
        )
        for s in inp.lines
    ]
    samples = audio_samples(inp.frames, inp.fps)
    path = write_track(ctx.workdir / f"speech-{inp.shot_id}.wav", speech_track(lines, samples))
    sha = ctx.keep(path, media_type="audio/wav", name=path.name)
    intervals = [(s.offset_s, s.offset_s + wav_duration_s(s.path)) for s in lines]
    return SpeechOut(speech_sha256=sha, samples=samples, speech_intervals=intervals)


def mix_audio_skill(inp: MixIn, ctx: SkillContext) -> MixOut:
    """The film's audio from the shots' speech tracks and the music bed, as AAC at -16 LUFS."""
    if len(inp.speech_sha256s) != len(inp.clip_frames):
        raise invalid(
            f"{len(inp.speech_sha256s)} speech tracks for {len(inp.clip_frames)} clips",
            speech_sha256s="count",
        )
    tracks = [
        read_track(ctx.artifact_path(sha), audio_samples(frames, inp.fps))
        for sha, frames in zip(inp.speech_sha256s, inp.clip_frames, strict=True)
    ]
    total = audio_samples(sum(inp.clip_frames), inp.fps)
    plan = MixPlan(
        total_samples=total,
        speech_intervals=inp.speech_intervals,
        music_gain_db=inp.music_gain_db,
        duck_db=DUCK_DB,
    )
    ctx.progress(0.1, "mixing, measuring and encoding the film's audio")
    music = ctx.artifact_path(inp.music_sha256) if inp.music_sha256 else None
    mixed = render_mix(concat_tracks(tracks, total), music, plan, ctx.workdir / "audio.m4a")
    return MixOut(
        audio_sha256=ctx.keep(mixed.path, media_type="audio/mp4", name="audio.m4a"),
        duration_s=sum(inp.clip_frames) / inp.fps,
        measured_lufs=mixed.measured.integrated_lufs,
        integrated_lufs=mixed.loudness.integrated_lufs,
        true_peak_dbtp=mixed.loudness.true_peak_dbtp,
        gain_db=round(mixed.gain_db, 2),
        normalisation=mixed.normalisation,
    )


def compose_final_skill(inp: FinalIn, ctx: SkillContext) -> FinalOut:
    """Mux the segments and the film audio (stream copy), write captions and the poster."""
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
    )
    ctx.progress(0.1, "muxing")
    out = finish_composition(
        [ctx.artifact_path(sha) for sha in inp.segment_sha256s],
        ctx.artifact_path(inp.audio.audio_sha256),
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
        integrated_lufs=inp.audio.integrated_lufs,
        true_peak_dbtp=inp.audio.true_peak_dbtp,
        normalisation=inp.audio.normalisation,
    )


CATEGORIES: dict[str, SkillCategory] = {
    "composer.segment": "video",
    "composer.speech": "audio",
    "composer.mix": "audio",
    "composer.final": "compose",
}


def register(registry: Registry) -> None:
    # "thread": the work happens in numpy (which releases the GIL on large arrays) and in
    # ffmpeg child processes, so threads run it in parallel without a process pool.
    skills = [
        ("composer.segment", SegmentIn, SegmentOut, render_segment_skill, 300.0,
         "Render one shot's video: visual, camera, transition, captions."),
        ("composer.speech", SpeechIn, SpeechOut, render_speech_skill, 120.0,
         "Level, limit and place one shot's speech lines (48 kHz track)."),
        ("composer.mix", MixIn, MixOut, mix_audio_skill, 600.0,
         "Mix speech over the ducked music, normalise to -16 LUFS, encode AAC."),
        ("composer.final", FinalIn, FinalOut, compose_final_skill, 300.0,
         "Mux segments and audio by stream copy; poster, SRT and VTT."),
    ]  # fmt: skip
    for name, input_model, output_model, handler, timeout_s, description in skills:
        registry.add_skill(
            Skill(
                name=name, version="2", input_model=input_model, output_model=output_model,
                handler=handler, resource_class="cpu", executor="thread",
                retry=RetryPolicy(max_attempts=2), timeout_s=timeout_s, description=description,
                category=CATEGORIES[name],
                permissions=media_permissions(assets=True, cpu_time_s=timeout_s),
            )
        )  # fmt: skip
