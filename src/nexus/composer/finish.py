"""Finishing a composition: lossless concat, loudness-normalised mix, poster, captions.

The mix runs twice over audio only (measure with ebur128, then apply one gain, or loudnorm
when peaks forbid a plain gain); the video stream is copied and never re-encoded. The written
file is measured again, so the reported loudness is the delivered one.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nexus.composer import commands
from nexus.composer.probe import Loudness, measure_loudness
from nexus.composer.runner import (
    ffmpeg_exe,
    parse_ebur128_summary,
    parse_loudnorm_json,
    run_tool,
)
from nexus.composer.specs import SAMPLE_RATE, Cue, EncodeSettings, LoudnessMeasure, MixPlan
from nexus.composer.subtitles import format_srt, format_vtt
from nexus.core.logging import get_logger

log = get_logger(__name__)

DUCK_DB = -14.0
"""Music sits this far below its gap level while anyone speaks."""


@dataclass(frozen=True)
class FinalOutputs:
    final_mp4: Path
    srt: Path
    vtt: Path
    poster: Path
    duration_s: float
    mix_measure: LoudnessMeasure
    normalisation: str
    """``gain`` (one linear gain) or ``loudnorm`` (peaks needed dynamic normalisation)."""
    loudness: Loudness
    """Measured on final.mp4 itself (after AAC)."""
    stage_s: dict[str, float] = field(default_factory=dict[str, float])


@dataclass(frozen=True)
class FinishParams:
    """Everything the finishing stage needs besides the segment files."""

    fps: int
    total_frames: int
    cues: Sequence[Cue]
    speech_intervals: Sequence[tuple[float, float]]
    music_wav: Path | None = None
    music_gain_db: float = -8.0
    duck_db: float = DUCK_DB
    poster_at_s: float | None = None

    @property
    def duration_s(self) -> float:
        return self.total_frames / self.fps

    def mix_plan(self) -> MixPlan:
        return MixPlan(
            total_samples=round(self.total_frames * SAMPLE_RATE / self.fps),
            speech_intervals=list(self.speech_intervals),
            has_music=self.music_wav is not None,
            music_gain_db=self.music_gain_db,
            duck_db=self.duck_db,
        )


def choose_poster_time(cues: Sequence[Cue], duration_s: float) -> float:
    """A moment a third in without a caption on screen, falling back to the third itself."""
    third = duration_s / 3
    t = third
    for cue in sorted(cues, key=lambda c: c.start_s):
        if cue.start_s <= t < cue.end_s:
            t = cue.end_s + 0.1
    return t if t < duration_s - 0.1 else third


def concat_segments(segment_paths: Sequence[Path], workdir: Path) -> Path:
    """Stream-copy the segments into one file (no re-encode)."""
    list_path = workdir / "concat.txt"
    list_path.write_text(commands.build_concat_list(segment_paths), encoding="utf-8")
    concat = workdir / "concat.mkv"
    run_tool(commands.build_concat_command(list_path, concat, ffmpeg=ffmpeg_exe()))
    return concat


def _measure_mix(concat: Path, params: FinishParams, normaliser: str) -> str:
    graph = commands.build_mix_graph(params.mix_plan(), normaliser)
    argv = commands.build_loudness_measure_command(
        concat, params.music_wav, graph, ffmpeg=ffmpeg_exe()
    )
    return run_tool(argv).stderr


def mix_final(
    concat: Path, params: FinishParams, out: Path, encode: EncodeSettings
) -> tuple[LoudnessMeasure, str]:
    """Measure the speech + ducked-music mix, then write it normalised next to the copied video.

    One gain when the peaks allow it (cheap: ebur128 + volume). Otherwise the classic two-pass
    loudnorm (its dynamic mode limits the peaks), which costs two 192 kHz passes.
    """
    measured = parse_ebur128_summary(_measure_mix(concat, params, commands.EBUR128_MEASURE))
    gain = commands.linear_gain_db(measured)
    if gain is not None:
        normaliser, how = commands.build_gain_filter(gain), "gain"
    else:
        first = parse_loudnorm_json(
            _measure_mix(concat, params, commands.build_loudnorm_filter(None))
        )
        normaliser, how = commands.build_loudnorm_filter(first), "loudnorm"
    graph = commands.build_mix_graph(params.mix_plan(), normaliser)
    run_tool(
        commands.build_final_mix_command(
            concat, params.music_wav, graph, out, ffmpeg=ffmpeg_exe(), encode=encode
        )
    )
    return measured, how


def write_poster_and_captions(
    final: Path, params: FinishParams, out_dir: Path
) -> tuple[Path, Path, Path]:
    at = params.poster_at_s
    if at is None:
        at = choose_poster_time(params.cues, params.duration_s)
    poster = out_dir / "poster.jpg"
    run_tool(commands.build_poster_command(final, poster, at_s=at, ffmpeg=ffmpeg_exe()))
    srt, vtt = out_dir / "final.srt", out_dir / "final.vtt"
    srt.write_text(format_srt(params.cues), encoding="utf-8")
    vtt.write_text(format_vtt(params.cues), encoding="utf-8")
    return poster, srt, vtt


def finish_composition(
    segment_paths: Sequence[Path],
    params: FinishParams,
    *,
    out_dir: Path,
    workdir: Path,
    encode: EncodeSettings | None = None,
) -> FinalOutputs:
    """Write final.mp4, final.srt, final.vtt and poster.jpg into ``out_dir``."""
    encode = encode or EncodeSettings()
    out_dir.mkdir(parents=True, exist_ok=True)
    workdir.mkdir(parents=True, exist_ok=True)
    stage: dict[str, float] = {}

    started = time.perf_counter()
    concat = concat_segments(segment_paths, workdir)
    stage["concat"] = time.perf_counter() - started

    started = time.perf_counter()
    final = out_dir / "final.mp4"
    measured, normalisation = mix_final(concat, params, final, encode)
    loudness = measure_loudness(final)
    stage["mix"] = time.perf_counter() - started

    started = time.perf_counter()
    poster, srt, vtt = write_poster_and_captions(final, params, out_dir)
    stage["poster_captions"] = time.perf_counter() - started
    log.info(
        "composer.finished",
        duration_s=round(params.duration_s, 3),
        normalisation=normalisation,
        integrated_lufs=loudness.integrated_lufs,
        true_peak_dbtp=loudness.true_peak_dbtp,
    )
    return FinalOutputs(
        final, srt, vtt, poster, params.duration_s, measured, normalisation, loudness, stage
    )
