"""The ``lipsync.animate`` handler: frame + mouth anchor + speech -> a frame-accurate clip."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import numpy as np
import numpy.typing as npt
from PIL import Image
from pydantic import Field

from nexus.contracts.base import StrictModel
from nexus.core.registry import SkillContext
from nexus.workers.audio.wavio import read_wav
from nexus.workers.lipsync.encode import (
    build_encode_command,
    convert_to_yuv420p,
    encode_frames,
)
from nexus.workers.lipsync.envelope import (
    MOUTH_LEVELS,
    PlacedAudio,
    frame_count,
    mouth_levels,
    speech_envelope,
)
from nexus.workers.lipsync.mouth import draw_mouth
from nexus.workers.video.shot import MouthAnchor

Preset = Literal["ultrafast", "superfast", "veryfast", "faster", "fast", "medium"]


class AudioPlacement(StrictModel):
    audio_sha256: str
    offset_s: float = Field(default=0.0, ge=0, description="Start of this audio in the clip.")


class LipsyncInput(StrictModel):
    frame_sha256: str
    mouth: MouthAnchor | None = Field(description="None renders a still clip (nobody speaks).")
    audio: list[AudioPlacement] = Field(default_factory=list)
    duration_s: float = Field(gt=0, le=600)
    fps: int = Field(default=25, ge=1, le=60)
    preset: Preset = Field(
        default="ultrafast", description="x264 preset of this intermediate clip."
    )


class LipsyncOutput(StrictModel):
    clip_sha256: str
    frames: int
    fps: int
    duration_s: float = Field(description="frames / fps, the clip's exact length.")
    open_frames: int = Field(description="Frames with the mouth open (0 for still clips).")


def _levels(inp: LipsyncInput, ctx: SkillContext, frames: int) -> npt.NDArray[np.int64]:
    if inp.mouth is None or not inp.audio:
        return np.zeros(frames, dtype=np.int64)
    placed: list[PlacedAudio] = []
    for item in inp.audio:
        samples, rate = read_wav(ctx.artifact_path(item.audio_sha256))
        placed.append(PlacedAudio(samples, rate, item.offset_s))
    return mouth_levels(speech_envelope(placed, inp.fps, frames))


def _frames(
    frame: Image.Image, mouth: MouthAnchor | None, levels: npt.NDArray[np.int64]
) -> Iterator[bytes]:
    """yuv420p bytes per video frame: one rendered frame per mouth shape, reused for every
    video frame showing it (the frame size must be even, as yuv420p needs)."""
    shapes = sorted(set(levels.tolist()))
    rgb = [(draw_mouth(frame, mouth, level) if mouth else frame).tobytes() for level in shapes]
    yuv = dict(zip(shapes, convert_to_yuv420p(rgb, frame.size), strict=True))
    for level in levels.tolist():
        yield yuv[level]


def animate_mouth(inp: LipsyncInput, ctx: SkillContext) -> LipsyncOutput:
    """Write exactly round(duration_s * fps) frames; the mouth follows the speech envelope."""
    frames = frame_count(inp.duration_s, inp.fps)
    frame = Image.open(ctx.artifact_path(inp.frame_sha256)).convert("RGB")
    levels = _levels(inp, ctx, frames)
    out = ctx.workdir / f"lipsync-{inp.frame_sha256[:12]}-{frames}f{inp.fps}.mp4"
    command = build_encode_command(
        frame.size, inp.fps, frames, out, preset=inp.preset, pix_fmt="yuv420p"
    )
    ctx.progress(0.1, f"encoding {frames} frames")
    encode_frames(command, _frames(frame, inp.mouth, np.clip(levels, 0, MOUTH_LEVELS - 1)))
    sha = ctx.keep(out, media_type="video/mp4", name=out.name)
    return LipsyncOutput(
        clip_sha256=sha, frames=frames, fps=inp.fps, duration_s=frames / inp.fps,
        open_frames=int(np.count_nonzero(levels)),
    )  # fmt: skip
