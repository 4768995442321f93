"""Composing a timeline: video segments (cached, two at a time) while the audio is mixed, then
finish by stream copy.

Audio = every shot's speech track (lines levelled and placed), the ducked music bed, one
loudness measurement and gain, AAC. A segment's file is named by the hash of everything that
determines it, so a revision re-renders exactly the segments whose pictures or captions changed.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
import wave
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from nexus.composer import commands
from nexus.composer.finish import DUCK_DB, FinalOutputs, FinishParams, finish_composition
from nexus.composer.mix import FilmAudio, concat_tracks, render_mix
from nexus.composer.probe import probe_duration_s
from nexus.composer.runner import ffmpeg_exe, ffmpeg_version, run_tool
from nexus.composer.specs import (
    DEFAULT_FONT,
    Cue,
    EncodeSettings,
    MixPlan,
    SegmentSpec,
    SpeechPlacement,
    Visual,
    audio_samples,
    visual_kind_of,
)
from nexus.composer.speech import speech_track
from nexus.composer.subtitles import build_ass, cues_from_timeline, fit_cues, slice_cues
from nexus.contracts.base import StrictModel
from nexus.contracts.errors import ErrorCode
from nexus.contracts.studio import CameraMove, TimelinePlan, Transition
from nexus.core.errors import NexusError
from nexus.core.logging import get_logger
from nexus.core.storage import file_sha256

log = get_logger(__name__)

Progress = Callable[[float, str], None]
COMPOSER_VERSION = "2"
"""Bump when the segment filtergraph changes meaning, to invalidate cached segments."""
DEFAULT_MUSIC_GAIN_DB = -8.0


class SegmentInput(StrictModel):
    """What the media workers made for one shot. Speech offsets are from the clip's start."""

    shot_id: str
    visual_path: Path
    camera: CameraMove = "static"
    speech: list[SpeechPlacement] = Field(default_factory=list)


@dataclass(frozen=True)
class RenderedSegment:
    shot_id: str
    path: Path
    cache_key: str
    rerendered: bool
    frames: int


@dataclass(frozen=True)
class ComposeResult:
    outputs: FinalOutputs
    audio: FilmAudio
    segments: list[RenderedSegment]
    warnings: list[str]
    stage_s: dict[str, float]

    @property
    def rerendered(self) -> list[str]:
        """Shot ids whose segment was rendered now rather than taken from the cache."""
        return [s.shot_id for s in self.segments if s.rerendered]


# --- planning --------------------------------------------------------------------------------


def wav_duration_s(path: Path) -> float:
    """Duration of a WAV from its header; other formats are probed."""
    try:
        with wave.open(str(path), "rb") as wav:
            return wav.getnframes() / wav.getframerate()
    except (wave.Error, EOFError):
        return probe_duration_s(path)


@dataclass(frozen=True)
class ClipLayout:
    """Where one clip sits on the frame grid, with its captions and transitions resolved."""

    shot_id: str
    start_frame: int
    frames: int
    cues: list[Cue]
    transition_in: Transition
    fade_out: bool
    dissolve_from_shot_id: str | None


def clip_frame_bounds(timeline: TimelinePlan) -> list[int]:
    """Frame index where each clip starts, plus the end of the last: frames never drift."""
    fps = timeline.fps
    bounds = [round(c.start_s * fps) for c in timeline.clips]
    last = timeline.clips[-1]
    bounds.append(round((last.start_s + last.duration_s) * fps))
    return bounds


def layout_clips(timeline: TimelinePlan) -> list[ClipLayout]:
    """Pure per-clip layout used to build segment specs (and composer.segment inputs)."""
    if not timeline.clips:
        raise NexusError(ErrorCode.VALIDATION_FAILED, "the timeline has no clips")
    fps = timeline.fps
    bounds = clip_frame_bounds(timeline)
    cues = fit_cues(cues_from_timeline(timeline))
    layout: list[ClipLayout] = []
    for i, clip in enumerate(timeline.clips):
        frames = bounds[i + 1] - bounds[i]
        if frames <= 0:
            raise NexusError(ErrorCode.VALIDATION_FAILED, f"clip {clip.shot_id} has no frames")
        nxt = timeline.clips[i + 1] if i + 1 < len(timeline.clips) else None
        dissolve = clip.transition_in == "dissolve" and i > 0
        layout.append(
            ClipLayout(
                shot_id=clip.shot_id,
                start_frame=bounds[i],
                frames=frames,
                cues=slice_cues(cues, bounds[i] / fps, bounds[i + 1] / fps),
                transition_in=clip.transition_in,
                fade_out=nxt is not None and nxt.transition_in == "fade",
                dissolve_from_shot_id=timeline.clips[i - 1].shot_id if dissolve else None,
            )
        )
    return layout


def plan_segments(timeline: TimelinePlan, inputs: Sequence[SegmentInput]) -> list[SegmentSpec]:
    """One SegmentSpec per clip: frame-exact bounds, local cues, transitions, speech."""
    by_shot = {i.shot_id: i for i in inputs}
    missing = [c.shot_id for c in timeline.clips if c.shot_id not in by_shot]
    if missing:
        raise NexusError(ErrorCode.VALIDATION_FAILED, f"no segment input for shots {missing}")
    specs: list[SegmentSpec] = []
    for clip in layout_clips(timeline):
        seg_in = by_shot[clip.shot_id]
        prev = clip.dissolve_from_shot_id
        specs.append(
            SegmentSpec(
                shot_id=clip.shot_id,
                visual=_visual(seg_in),
                frames=clip.frames,
                width=timeline.width,
                height=timeline.height,
                fps=timeline.fps,
                cues=clip.cues,
                transition_in=clip.transition_in,
                fade_out=clip.fade_out,
                dissolve_from=_visual(by_shot[prev]) if prev is not None else None,
            )
        )
    return specs


def _visual(seg_in: SegmentInput) -> Visual:
    path = seg_in.visual_path
    return Visual(path=path, kind=visual_kind_of(path), camera=seg_in.camera)


def speech_intervals(
    specs: Sequence[SegmentSpec], inputs: Sequence[SegmentInput]
) -> list[tuple[float, float]]:
    """Global (start, end) seconds of every speech line, from the WAVs' real durations."""
    by_shot = {i.shot_id: i for i in inputs}
    intervals: list[tuple[float, float]] = []
    start_frame = 0
    for spec in specs:
        seg_start = start_frame / spec.fps
        for line in by_shot[spec.shot_id].speech:
            begin = seg_start + line.offset_s
            intervals.append((begin, begin + wav_duration_s(line.path)))
        start_frame += spec.frames
    return intervals


def check_speech_fits(specs: Sequence[SegmentSpec], inputs: Sequence[SegmentInput]) -> list[str]:
    """Warnings for speech that runs past the end of its segment (it would be cut)."""
    by_shot = {i.shot_id: i for i in inputs}
    warnings: list[str] = []
    for spec in specs:
        for line in by_shot[spec.shot_id].speech:
            end = line.offset_s + wav_duration_s(line.path)
            if end > spec.duration_s + 1 / spec.fps:
                warnings.append(
                    f"shot {spec.shot_id}: speech {line.path.name} ends at {end:.2f} s, "
                    f"after the segment's {spec.duration_s:.2f} s; it is cut"
                )
    return warnings


# --- segments --------------------------------------------------------------------------------


def segment_cache_key(spec: SegmentSpec, ass_text: str | None, encode: EncodeSettings) -> str:
    """Hash of the spec with every input file replaced by its content hash."""
    doc = spec.model_dump(mode="json")
    doc["visual"]["path"] = file_sha256(spec.visual.path)[0]
    if spec.dissolve_from is not None:
        doc["dissolve_from"]["path"] = file_sha256(spec.dissolve_from.path)[0]
    doc["shot_id"] = None  # same inputs under another shot id render the same file
    payload = {
        "segment": doc,
        "ass": ass_text,
        "encode": encode.model_dump(mode="json"),
        "ffmpeg": ffmpeg_version(),
        "composer": COMPOSER_VERSION,
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()


def render_segment(
    spec: SegmentSpec, *, cache_dir: Path, font: str = DEFAULT_FONT, encode: EncodeSettings
) -> RenderedSegment:
    """Render one segment unless a file with the same cache key already exists."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    ass_text = (
        build_ass(spec.cues, width=spec.width, height=spec.height, font=font) if spec.cues else None
    )
    key = segment_cache_key(spec, ass_text, encode)
    out = cache_dir / f"{key}.mkv"
    if out.exists():
        return RenderedSegment(spec.shot_id, out, key, rerendered=False, frames=spec.frames)
    # Unique scratch names: two shots with identical inputs may render at the same time.
    scratch = f"{key}.{uuid.uuid4().hex[:8]}"
    ass_path: Path | None = None
    if ass_text is not None:
        ass_path = cache_dir / f"{scratch}.ass"
        ass_path.write_text(ass_text, encoding="utf-8")
    partial = cache_dir / f"{scratch}.partial.mkv"
    argv = commands.build_segment_command(
        spec, partial, ass_path=ass_path, ffmpeg=ffmpeg_exe(), encode=encode
    )
    run_tool(argv)
    partial.replace(out)  # atomic: a reader never sees a half-written cached segment
    return RenderedSegment(spec.shot_id, out, key, rerendered=True, frames=spec.frames)


def render_segments(
    specs: Sequence[SegmentSpec],
    *,
    cache_dir: Path,
    font: str = DEFAULT_FONT,
    encode: EncodeSettings,
    workers: int = 2,
    progress: Progress | None = None,
) -> list[RenderedSegment]:
    """Render all segments with a bounded pool, keeping timeline order in the result."""
    done = 0

    def one(spec: SegmentSpec) -> RenderedSegment:
        nonlocal done
        result = render_segment(spec, cache_dir=cache_dir, font=font, encode=encode)
        done += 1
        if progress is not None:
            progress(done / len(specs), f"segment {spec.shot_id}")
        return result

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="segment") as pool:
        return list(pool.map(one, specs))


# --- whole timeline --------------------------------------------------------------------------


def music_gain_db(timeline: TimelinePlan) -> float:
    """The planner's music track gain, or a default bed level when it planned none."""
    for track in timeline.audio:
        if track.kind == "music":
            return track.gain_db
    return DEFAULT_MUSIC_GAIN_DB


def mix_timeline_audio(
    timeline: TimelinePlan,
    specs: Sequence[SegmentSpec],
    inputs: Sequence[SegmentInput],
    music_wav: Path | None,
    out: Path,
    *,
    encode: EncodeSettings,
) -> FilmAudio:
    """Each shot's speech track, end to end, over the ducked bed; normalised; AAC in ``out``."""
    by_shot = {i.shot_id: i for i in inputs}
    tracks = [
        speech_track(by_shot[s.shot_id].speech, audio_samples(s.frames, s.fps)) for s in specs
    ]
    total = audio_samples(sum(s.frames for s in specs), timeline.fps)
    plan = MixPlan(
        total_samples=total,
        speech_intervals=speech_intervals(specs, inputs),
        music_gain_db=music_gain_db(timeline),
        duck_db=DUCK_DB,
    )
    return render_mix(concat_tracks(tracks, total), music_wav, plan, out, encode=encode)


def compose_timeline(
    timeline: TimelinePlan,
    segments: Sequence[SegmentInput],
    music_wav: Path | None,
    out_dir: Path,
    *,
    workdir: Path,
    font: str = DEFAULT_FONT,
    progress: Progress | None = None,
    encode: EncodeSettings | None = None,
    workers: int = 2,
) -> ComposeResult:
    """Render (or reuse) every segment while mixing the audio, then write final.mp4, final.srt,
    final.vtt and poster.jpg."""
    encode = encode or EncodeSettings()
    report = progress or (lambda fraction, message: None)
    started = time.perf_counter()
    specs = plan_segments(timeline, segments)
    workdir.mkdir(parents=True, exist_ok=True)
    stage: dict[str, float] = {}

    def audio() -> FilmAudio:
        begun = time.perf_counter()
        mixed = mix_timeline_audio(
            timeline, specs, segments, music_wav, workdir / "audio.m4a", encode=encode
        )
        stage["audio"] = time.perf_counter() - begun
        return mixed

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mix") as pool:
        mixing = pool.submit(audio)
        rendered = render_segments(
            specs, cache_dir=workdir / "segments", font=font, encode=encode, workers=workers,
            progress=lambda fraction, message: report(0.85 * fraction, message),
        )  # fmt: skip
        stage["segments"] = time.perf_counter() - started
        film_audio = mixing.result()
    report(0.9, "muxing")
    outputs = finish_composition(
        [r.path for r in rendered],
        film_audio.path,
        FinishParams(
            fps=timeline.fps,
            total_frames=sum(s.frames for s in specs),
            cues=fit_cues(cues_from_timeline(timeline)),
        ),
        out_dir=out_dir,
        workdir=workdir,
    )
    stage.update(outputs.stage_s)
    stage["total"] = time.perf_counter() - started
    report(1.0, "composed")
    log.info(
        "composer.composed",
        segments=len(rendered),
        rerendered=sum(r.rerendered for r in rendered),
        total_s=round(stage["total"], 2),
    )
    return ComposeResult(outputs, film_audio, rendered, check_speech_fits(specs, segments), stage)
