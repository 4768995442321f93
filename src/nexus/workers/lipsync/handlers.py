"""The ``lipsync.animate`` handler: frame + mouth anchor + speech -> a frame-accurate clip.

With a neutral frame, the speaker is highlighted only during the given spans (their own
lines); the rest of the clip (the narrator reading) shows the neutral frame (ADR 0115).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import numpy as np
import numpy.typing as npt
from PIL import Image
from pydantic import Field

from nexus.contracts.base import StrictModel
from nexus.core.errors import invalid
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
    neutral_frame_sha256: str | None = Field(
        default=None,
        description="Shown outside ``highlight`` (the narrator reads); None: always the frame.",
    )
    highlight: list[tuple[float, float]] = Field(
        default_factory=list,
        description="(start_s, end_s) spans of the clip where the speaker is highlighted.",
    )
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


NEUTRAL = -1
"""The level of a video frame showing the neutral frame (nobody highlighted)."""


def highlight_mask(
    spans: list[tuple[float, float]], fps: int, frames: int
) -> npt.NDArray[np.bool_]:
    """True for the video frames whose time (frame start) lies in one of ``spans``."""
    times = np.arange(frames) / fps
    mask = np.zeros(frames, dtype=np.bool_)
    for start, end in spans:
        mask |= (times >= start - 1e-9) & (times < end)
    return mask


def _frames(
    frame: Image.Image,
    mouth: MouthAnchor | None,
    levels: npt.NDArray[np.int64],
    neutral: Image.Image | None = None,
) -> Iterator[bytes]:
    """yuv420p bytes per video frame: one rendered frame per mouth shape (and the neutral
    frame for level NEUTRAL), reused for every video frame showing it (the frame size must be
    even, as yuv420p needs)."""
    shapes = sorted(set(levels.tolist()))

    def picture(level: int) -> bytes:
        if level == NEUTRAL and neutral is not None:
            return neutral.tobytes()
        return (draw_mouth(frame, mouth, level) if mouth else frame).tobytes()

    yuv = dict(
        zip(shapes, convert_to_yuv420p([picture(lv) for lv in shapes], frame.size), strict=True)
    )
    for level in levels.tolist():
        yield yuv[level]


def animate_mouth(inp: LipsyncInput, ctx: SkillContext) -> LipsyncOutput:
    """Write exactly round(duration_s * fps) frames; the mouth follows the speech envelope."""
    frames = frame_count(inp.duration_s, inp.fps)
    frame = Image.open(ctx.artifact_path(inp.frame_sha256)).convert("RGB")
    levels = np.clip(_levels(inp, ctx, frames), 0, MOUTH_LEVELS - 1)
    neutral: Image.Image | None = None
    if inp.neutral_frame_sha256 is not None:
        neutral = Image.open(ctx.artifact_path(inp.neutral_frame_sha256)).convert("RGB")
        if neutral.size != frame.size:
            raise invalid("the neutral frame differs in size from the frame", neutral="size")
        levels = np.where(highlight_mask(inp.highlight, inp.fps, frames), levels, NEUTRAL)
    out = ctx.workdir / f"lipsync-{inp.frame_sha256[:12]}-{frames}f{inp.fps}.mp4"
    command = build_encode_command(
        frame.size, inp.fps, frames, out, preset=inp.preset, pix_fmt="yuv420p"
    )
    ctx.progress(0.1, f"encoding {frames} frames")
    encode_frames(command, _frames(frame, inp.mouth, levels, neutral))
    sha = ctx.keep(out, media_type="video/mp4", name=out.name)
    return LipsyncOutput(
        clip_sha256=sha, frames=frames, fps=inp.fps, duration_s=frames / inp.fps,
        open_frames=int(np.count_nonzero(levels > 0)),
    )  # fmt: skip
