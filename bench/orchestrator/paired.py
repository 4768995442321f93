"""Peer/Nexus ratios two ways: the ratio of the medians, and the median of the ratios of the
runs made side by side in the same repeat (paired). On a shared, noisy machine the two can
differ by 10-20 %; a ratio target counts as met only if both reach it."""

from __future__ import annotations

import statistics


def paired(peer: list[float], ours: list[float]) -> list[float]:
    """peer[i] / ours[i] for the repeats both sides completed (rows are in repeat order)."""
    return [p / o for p, o in zip(peer, ours, strict=False) if o > 0]


def ratio_verdict(peer: list[float], ours: list[float], target: float) -> tuple[str, bool]:
    """A report fragment for per-step times of the peer and of Nexus, and whether it meets
    ``target`` (peer at least ``target`` times slower) by both measures."""
    of_medians = statistics.median(peer) / statistics.median(ours)
    pairs = paired(peer, ours)
    met = of_medians >= target and bool(pairs) and statistics.median(pairs) >= target
    text = f"{of_medians:.2f}x (ratio of medians)"
    if pairs:
        text += (
            f"; paired per repeat {min(pairs):.2f}-{max(pairs):.2f}x,"
            f" median {statistics.median(pairs):.2f}x"
        )
    return text, met
