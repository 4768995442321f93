"""Value types of the composer: what one segment render needs and the shared encoder settings.

Paths here are local files; the skills layer maps artifact shas to paths before building these.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from nexus.contracts.base import StrictModel
from nexus.contracts.studio import CameraMove, Transition

VisualKind = Literal["image", "video"]

VIDEO_SUFFIXES = frozenset({".mp4", ".mkv", ".mov", ".webm", ".avi", ".m4v"})
DEFAULT_FONT = "Noto Sans CJK SC"
SAMPLE_RATE = 48_000


def visual_kind_of(path: Path) -> VisualKind:
    """A still image or a video clip, judged by the file suffix."""
    return "video" if path.suffix.lower() in VIDEO_SUFFIXES else "image"


class EncodeSettings(StrictModel):
    """Encoder parameters shared by every segment, so segments concatenate by stream copy."""

    preset: str = "veryfast"
    x264_params: str = Field(
        default="subme=1",
        description="On top of the preset. subme=1: ~20% less x264 CPU than veryfast's 2 on "
        "storyboard shots at equal SSIM/PSNR and +-5% size (ADR 0070).",
    )
    crf: int = Field(default=20, ge=0, le=51)
    gop_s: float = Field(default=2.0, gt=0, description="Keyframe interval in seconds.")
    threads: int = Field(default=2, ge=0, description="x264 threads per ffmpeg; 0 means auto.")
    audio_rate: int = SAMPLE_RATE
    aac_coder: Literal["fast", "twoloop"] = "fast"
    aac_quality: float = Field(
        default=2.0, gt=0, le=5, description="AAC VBR quality (-q:a); 2 is ~130-190 kb/s."
    )


class SpeechPlacement(StrictModel):
    """A speech WAV placed at ``offset_s`` seconds from the start of its segment."""

    path: Path
    offset_s: float = Field(ge=0)
    gain_db: float = 0.0


class Cue(StrictModel):
    """A subtitle cue; times are seconds relative to whatever it belongs to (segment or film)."""

    start_s: float = Field(ge=0)
    end_s: float = Field(gt=0)
    text: str


class Visual(StrictModel):
    path: Path
    kind: VisualKind = "image"
    camera: CameraMove = "static"


class SegmentSpec(StrictModel):
    """Everything that determines one rendered (video-only) segment file and its cache key."""

    shot_id: str
    visual: Visual
    frames: int = Field(gt=0, description="Exact frame count; duration is frames / fps.")
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    fps: int = Field(gt=0)
    cues: list[Cue] = Field(default_factory=list)
    transition_in: Transition = "cut"
    fade_out: bool = Field(default=False, description="Dip to black at the end (next is a fade).")
    dissolve_from: Visual | None = Field(
        default=None, description="The previous shot's visual, cross-faded from on a dissolve."
    )
    transition_s: float = Field(default=0.4, gt=0)

    @property
    def duration_s(self) -> float:
        return self.frames / self.fps

    @property
    def audio_samples(self) -> int:
        return audio_samples(self.frames, self.fps)


def audio_samples(frames: int, fps: int) -> int:
    """Samples at SAMPLE_RATE covering ``frames`` video frames (exact for 24, 25, 30 fps...)."""
    return round(frames * SAMPLE_RATE / fps)


class MixPlan(StrictModel):
    """The film's audio mix: its length, when people speak, and the music bed level."""

    total_samples: int = Field(gt=0)
    speech_intervals: list[tuple[float, float]] = Field(default_factory=list)
    music_gain_db: float = -8.0
    duck_db: float = Field(default=-14.0, lt=0)


class LoudnessMeasure(StrictModel):
    """An EBU R128 measurement (ffmpeg ``ebur128=peak=true`` summary)."""

    integrated_lufs: float
    threshold_lufs: float
    lra_lu: float
    true_peak_dbtp: float
