"""Music ducking as a gain envelope computed from the speech intervals of the timeline.

The envelope is an ffmpeg expression in ``t``: unity in gaps, ``duck_db`` under speech, with
linear ramps (down before speech starts, up after it ends). Intervals closer than the two
ramps are merged first, so the trapezoids never overlap and may simply be summed.
"""

from __future__ import annotations

from collections.abc import Sequence

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


def build_duck_expression(intervals: Sequence[tuple[float, float]], *, duck_db: float) -> str:
    """A gain expression (linear factor) for ffmpeg's ``volume`` filter with ``eval=frame``."""
    merged = merge_intervals(intervals, min_gap_s=max(MERGE_GAP_S, RAMP_DOWN_S + RAMP_UP_S))
    if not merged:
        return "1"
    depth = 1.0 - 10 ** (duck_db / 20.0)
    down, up = RAMP_DOWN_S, RAMP_UP_S
    terms = [
        f"clip(min((t-{start - down:.3f})/{down},({end + up:.3f}-t)/{up}),0,1)"
        for start, end in merged
    ]
    return f"1-{depth:.4f}*({'+'.join(terms)})"


def duck_gain(t: float, intervals: Sequence[tuple[float, float]], *, duck_db: float) -> float:
    """The same envelope evaluated in Python (tests and reports compare against it)."""
    merged = merge_intervals(intervals, min_gap_s=max(MERGE_GAP_S, RAMP_DOWN_S + RAMP_UP_S))
    depth = 1.0 - 10 ** (duck_db / 20.0)
    total = 0.0
    for start, end in merged:
        rise = (t - (start - RAMP_DOWN_S)) / RAMP_DOWN_S
        fall = (end + RAMP_UP_S - t) / RAMP_UP_S
        total += min(max(min(rise, fall), 0.0), 1.0)
    return 1.0 - depth * total
