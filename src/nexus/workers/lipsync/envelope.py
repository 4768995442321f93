"""Speech envelope per video frame and its quantisation into mouth openness levels (pure numpy)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nexus.workers.audio.wavio import FloatArray

MOUTH_LEVELS = 4  # 0 closed, 1 slightly open, 2 open, 3 wide
# Openness thresholds as fractions of the clip's loudest frame RMS (-22, -10.5, -4.4 dB).
_THRESHOLDS = (0.08, 0.3, 0.6)


@dataclass(frozen=True)
class PlacedAudio:
    samples: FloatArray
    rate: int
    offset_s: float


def frame_count(duration_s: float, fps: int) -> int:
    return max(1, round(duration_s * fps))


def speech_envelope(placed: list[PlacedAudio], fps: int, frames: int) -> npt.NDArray[np.float64]:
    """RMS of the speech under each video frame (max over overlapping placements)."""
    env = np.zeros(frames, dtype=np.float64)
    for item in placed:
        starts = ((np.arange(frames) / fps - item.offset_s) * item.rate).round().astype(np.int64)
        ends = (
            ((np.arange(1, frames + 1) / fps - item.offset_s) * item.rate).round().astype(np.int64)
        )
        # cumulative energy gives every window's RMS in one pass
        energy = np.concatenate([[0.0], np.cumsum(item.samples.astype(np.float64) ** 2)])
        lo = np.clip(starts, 0, len(item.samples))
        hi = np.clip(ends, 0, len(item.samples))
        width = np.maximum(ends - starts, 1)
        rms = np.sqrt((energy[hi] - energy[lo]) / width)
        env = np.maximum(env, rms)
    return env


def mouth_levels(envelope: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Quantise to MOUTH_LEVELS. While speech goes on the mouth closes at most one level per
    frame (no flicker); in silence it is shut at once."""
    peak = float(envelope.max()) if envelope.size else 0.0
    if peak < 1e-4:
        return np.zeros(envelope.shape, dtype=np.int64)
    raw = np.searchsorted(np.array(_THRESHOLDS) * peak, envelope, side="right").astype(np.int64)
    smooth = raw.copy()
    for i in range(1, len(smooth)):
        smooth[i] = max(raw[i], smooth[i - 1] - 1) if raw[i] > 0 else 0
    return smooth
