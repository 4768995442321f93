"""Finishing a composition: segments + film audio into final.mp4 by stream copy, poster, captions.

Nothing is re-encoded here: the segments' H.264 and the mixed AAC (``mix.py``) are copied into
one MP4 with faststart, so this step costs about as much as copying the file.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nexus.composer import commands
from nexus.composer.runner import ffmpeg_exe, run_tool
from nexus.composer.specs import Cue
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
    stage_s: dict[str, float] = field(default_factory=dict[str, float])


@dataclass(frozen=True)
class FinishParams:
    """Everything the finishing stage needs besides the segment files and the audio."""

    fps: int
    total_frames: int
    cues: Sequence[Cue]
    poster_at_s: float | None = None

    @property
    def duration_s(self) -> float:
        return self.total_frames / self.fps


def choose_poster_time(cues: Sequence[Cue], duration_s: float) -> float:
    """A moment a third in without a caption on screen, falling back to the third itself."""
    third = duration_s / 3
    t = third
    for cue in sorted(cues, key=lambda c: c.start_s):
        if cue.start_s <= t < cue.end_s:
            t = cue.end_s + 0.1
    return t if t < duration_s - 0.1 else third


def mux_final(segment_paths: Sequence[Path], audio: Path, out: Path, workdir: Path) -> Path:
    """Join the segments (concat demuxer) with the film audio, both by stream copy."""
    list_path = workdir / "concat.txt"
    list_path.write_text(commands.build_concat_list(segment_paths), encoding="utf-8")
    run_tool(commands.build_mux_command(list_path, audio, out, ffmpeg=ffmpeg_exe()))
    return out


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
    audio: Path,
    params: FinishParams,
    *,
    out_dir: Path,
    workdir: Path,
) -> FinalOutputs:
    """Write final.mp4 (segments + ``audio``, an encoded film track), final.srt, final.vtt and
    poster.jpg into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    workdir.mkdir(parents=True, exist_ok=True)
    stage: dict[str, float] = {}
    started = time.perf_counter()
    final = mux_final(segment_paths, audio, out_dir / "final.mp4", workdir)
    stage["mux"] = time.perf_counter() - started
    started = time.perf_counter()
    poster, srt, vtt = write_poster_and_captions(final, params, out_dir)
    stage["poster_captions"] = time.perf_counter() - started
    log.info("composer.finished", duration_s=round(params.duration_s, 3))
    return FinalOutputs(final, srt, vtt, poster, params.duration_s, stage)
