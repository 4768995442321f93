"""Music ducking as a gain envelope computed from the speech intervals of the timeline.

Unity in gaps, ``duck_db`` under speech, with linear ramps (down before speech starts, up
after it ends). Intervals closer than the two ramps are merged first, so the trapezoids never
overlap and may simply be summed. ``duck_gains`` is the per-sample envelope the mix applies;
``duck_gain`` evaluates it at one instant (tests compare the two).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

RAMP_DOWN_S = 0.25
RAMP_UP_S = 0.5
MERGE_GAP_S = 0.8
"""Pauses shorter than this keep the music down instead of pumping between sentences."""


def merge_intervals(
    intervals: Sequence[tuple[float, float]], *, min_gap_s: float = MERGE_GAP_S
) -> list[tuple[float, float]]:
    """Sort and merge intervals whose gap is shorter than ``min_gap_s``."""
    merged: list[tuple[float, float]] = []
    for start, end in sorted((a, b) for a, b in intervals if b > a):
        if merged and start - merged[-1][1] < min_gap_s:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _merged(intervals: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    return merge_intervals(intervals, min_gap_s=max(MERGE_GAP_S, RAMP_DOWN_S + RAMP_UP_S))


def duck_gains(
    samples: int, rate: int, intervals: Sequence[tuple[float, float]], *, duck_db: float
) -> npt.NDArray[np.float32]:
    """The envelope at every sample (linear factors), touching only the samples near speech."""
    gains = np.ones(samples, dtype=np.float32)
    depth = 1.0 - 10 ** (duck_db / 20.0)
    for start, end in _merged(intervals):
        first = max(0, int((start - RAMP_DOWN_S) * rate))
        last = min(samples, int((end + RAMP_UP_S) * rate) + 2)
        if first >= last:
            continue
        t = np.arange(first, last, dtype=np.float64) / rate
        rise = (t - (start - RAMP_DOWN_S)) / RAMP_DOWN_S
        fall = (end + RAMP_UP_S - t) / RAMP_UP_S
        gains[first:last] -= depth * np.clip(np.minimum(rise, fall), 0.0, 1.0)
    return gains


def duck_gain(t: float, intervals: Sequence[tuple[float, float]], *, duck_db: float) -> float:
    """The envelope at one instant ``t`` (seconds)."""
    merged = _merged(intervals)
    depth = 1.0 - 10 ** (duck_db / 20.0)
    total = 0.0
    for start, end in merged:
        rise = (t - (start - RAMP_DOWN_S)) / RAMP_DOWN_S
        fall = (end + RAMP_UP_S - t) / RAMP_UP_S
        total += min(max(min(rise, fall), 0.0), 1.0)
    return 1.0 - depth * total
