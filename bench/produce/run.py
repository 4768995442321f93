"""Production benchmark: `nexus produce` on the English sample (wall, peak RSS, realtime
factor), then a one-shot revision, side by side in the same run. Writes REPORT.md.

    uv run python bench/produce/run.py [--resolution 1280x720] [--repeats 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STORY = ROOT / "examples/en/the-lighthouse-keeper.md"


def nexus(env: dict[str, str], *args: str) -> tuple[float, float]:
    """Run one nexus command; returns (wall seconds, peak RSS MiB of the child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "nexus.cli.main", *args],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before) / 1024


def measure(resolution: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "NEXUS_DATA_DIR": f"{tmp}/data", "NEXUS_ENV": "test"}
        out = Path(tmp) / "out"
        wall, rss = nexus(
            env, "produce", str(STORY), "-o", str(out), "--resolution", resolution, "-q"
        )
        summary = json.loads((out / "summary.json").read_text())
        rwall, _ = nexus(
            env,
            "revise",
            str(out),
            "--shot",
            "3",
            "--text",
            "He climbed the iron stairs slowly, one hand on the cold rail.",
            "-q",
        )
        rsum = json.loads((out / "summary.json").read_text())
        return {
            "wall_s": wall,
            "peak_rss_mib": rss,
            "video_s": summary["video_seconds"],
            "rtf": wall / summary["video_seconds"],
            "revise_wall_s": rwall,
            "revise_ratio": rwall / wall,
            "revise_executed": rsum["executed"],
            "revise_cache_hits": rsum["cache_hits"],
        }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--resolution", default="1280x720")
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args()
    load0 = os.getloadavg()
    rows = [measure(args.resolution) for _ in range(args.repeats)]
    load1 = os.getloadavg()
    med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
    lines = [
        "# Production benchmark",
        "",
        f"Command: `uv run python bench/produce/run.py --resolution {args.resolution} "
        f"--repeats {args.repeats}`",
        "",
        f"Machine: {os.cpu_count()} cores, {platform.platform()}, load average "
        f"{load0[0]:.1f} at start and {load1[0]:.1f} at end (shared, noisy machine).",
        "",
        "| figure | median | target |",
        "|---|---|---|",
        f"| full production wall (s) | {med['wall_s']:.1f} | |",
        f"| video length (s) | {med['video_s']:.1f} | |",
        f"| realtime factor (wall / video s) | {med['rtf']:.3f} | <= 0.5 |",
        f"| peak RSS of the run (MiB) | {med['peak_rss_mib']:.0f} | |",
        f"| one-shot revision wall (s) | {med['revise_wall_s']:.1f} | |",
        f"| revision / full | {med['revise_ratio']:.1%} | <= 20% |",
        f"| revision: executed / cache hits | {med['revise_executed']:.0f} / "
        f"{med['revise_cache_hits']:.0f} | |",
        "",
        "Composer alone vs MoviePy on the same timeline: see REPORT-compose.md.",
        "",
    ]
    (Path(__file__).parent / "REPORT.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
