"""Shared helpers of the router benchmarks: medians, percentiles, machine context."""

from __future__ import annotations

import os
import statistics
import subprocess
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def context() -> str:
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{datetime.now(UTC).isoformat(timespec='seconds')}, commit {commit}, "
        f"nproc {os.cpu_count()}, load average {load} (a shared machine: figures are "
        "side by side in one run, compare ratios, not absolutes across runs)"
    )
