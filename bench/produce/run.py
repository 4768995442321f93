"""Production benchmark: `nexus produce` on the English sample (wall, CPU, peak RSS, realtime
factor), then a one-shot revision, side by side in the same run. Writes REPORT.md.

    uv run python bench/produce/run.py [--resolution 1280x720] [--repeats 1]
        [--bytecode precompiled|source|both] [--revisions 3]

Bytecode: the shipped image compiles it at install (Dockerfile: UV_COMPILE_BYTECODE=1) and runs
with PYTHONDONTWRITEBYTECODE=1. ``precompiled`` measures that: children use a private bytecode
cache (PYTHONPYCACHEPREFIX in a temporary folder) filled by an untimed warm-up produce and
revise (run in both modes; it also fills the piper model cache). ``source`` runs the children
with the caller's environment as it is; where that sets PYTHONDONTWRITEBYTECODE=1 without any
compiled bytecode (this sandbox), every process compiles its ~1,100 modules again (~4 CPU-s).
``both`` (the default) reports the two side by side.
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


REVISIONS = [
    "He climbed the iron stairs slowly, one hand on the cold rail.",
    "He climbed the narrow stairs slowly, one careful step at a time.",
    "He climbed the stairs of the tower slowly, one hand on the iron rail.",
]
"""New texts for shot 3: each revision re-executes the same nodes (its cache keys are new)."""


def nexus(env: dict[str, str], *args: str) -> tuple[float, float, float]:
    """Run one nexus command; returns (wall s, CPU s of it and its children, peak RSS MiB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "nexus.cli.main", *args],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return wall, cpu, max(after.ru_maxrss, before.ru_maxrss) / 1024


def produce_and_revise(
    env: dict[str, str], tmp: str, resolution: str, revisions: int
) -> dict[str, float]:
    """One production, then ``revisions`` one-shot revisions of it (medians of those)."""
    env = {**env, "NEXUS_DATA_DIR": f"{tmp}/data", "NEXUS_ENV": "test"}
    out = Path(tmp) / "out"
    wall, cpu, rss = nexus(
        env, "produce", str(STORY), "-o", str(out), "--resolution", resolution, "-q"
    )
    summary = json.loads((out / "summary.json").read_text())
    runs = [
        nexus(env, "revise", str(out), "--shot", "3", "--text", text, "-q")
        for text in REVISIONS[:revisions]
    ]
    rsum = json.loads((out / "summary.json").read_text())
    rwall = statistics.median(r[0] for r in runs)
    rcpu = statistics.median(r[1] for r in runs)
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_rss_mib": rss,
        "video_s": summary["video_seconds"],
        "rtf": wall / summary["video_seconds"],
        "revise_wall_s": rwall,
        "revise_cpu_s": rcpu,
        "revise_ratio": rwall / wall,
        "revise_cpu_ratio": rcpu / cpu,
        "revise_executed": rsum["executed"],
        "revise_cache_hits": rsum["cache_hits"],
    }


def child_env(bytecode: str, cache: str) -> dict[str, str]:
    if bytecode == "source":
        return dict(os.environ)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": cache}


def measure(bytecode: str, resolution: str, repeats: int, revisions: int) -> list[dict[str, float]]:
    with tempfile.TemporaryDirectory(prefix="bench-produce-") as root:
        env = child_env(bytecode, f"{root}/pycache")
        # Untimed warm-up: fills the bytecode cache (precompiled mode, as an install would),
        # the piper model cache (~/.cache/nexus/models, built once per machine) and the page
        # cache, so the first timed production pays no one-off cost the revision would not.
        with tempfile.TemporaryDirectory(dir=root) as tmp:
            produce_and_revise(env, tmp, "640x360", 1)
        rows = []
        for _ in range(repeats):
            with tempfile.TemporaryDirectory(dir=root) as tmp:
                rows.append(produce_and_revise(env, tmp, resolution, revisions))
                print(bytecode, {k: round(v, 3) for k, v in rows[-1].items()}, flush=True)
        return rows


def table(bytecode: str, rows: list[dict[str, float]]) -> list[str]:
    med = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
    walls = ", ".join(f"{r['wall_s']:.1f}" for r in rows)
    rwalls = ", ".join(f"{r['revise_wall_s']:.1f}" for r in rows)
    return [
        f"### Bytecode: {bytecode}",
        "",
        "| figure | median | target |",
        "|---|---|---|",
        f"| full production wall (s) | {med['wall_s']:.1f} (runs: {walls}) | |",
        f"| full production CPU (s, with children) | {med['cpu_s']:.1f} | |",
        f"| video length (s) | {med['video_s']:.1f} | |",
        f"| realtime factor (wall / video s) | {med['rtf']:.3f} | <= 0.5 |",
        f"| peak RSS of the run (MiB) | {med['peak_rss_mib']:.0f} | |",
        f"| one-shot revision wall (s) | {med['revise_wall_s']:.1f} (runs: {rwalls}) | |",
        f"| one-shot revision CPU (s) | {med['revise_cpu_s']:.1f} | |",
        f"| revision / full, wall | {med['revise_ratio']:.1%} | <= 20% |",
        f"| revision / full, CPU | {med['revise_cpu_ratio']:.1%} | |",
        f"| revision: executed / cache hits | {med['revise_executed']:.0f} / "
        f"{med['revise_cache_hits']:.0f} | |",
        "",
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--resolution", default="1280x720")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--bytecode", choices=["precompiled", "source", "both"], default="both")
    ap.add_argument(
        "--revisions", type=int, default=3, choices=range(1, len(REVISIONS) + 1),
        help="one-shot revisions after each production; their median is the revision figure",
    )  # fmt: skip
    args = ap.parse_args()
    modes = ["precompiled", "source"] if args.bytecode == "both" else [args.bytecode]
    load0 = os.getloadavg()
    results = {mode: measure(mode, args.resolution, args.repeats, args.revisions) for mode in modes}
    load1 = os.getloadavg()
    lines = [
        "# Production benchmark",
        "",
        f"Command: `uv run python bench/produce/run.py --resolution {args.resolution} "
        f"--repeats {args.repeats} --bytecode {args.bytecode} --revisions {args.revisions}`",
        "",
        f"Machine: {os.cpu_count()} cores, {platform.platform()}, load average "
        f"{load0[0]:.1f} at start and {load1[0]:.1f} at end (shared, noisy machine).",
        "",
        "Each repeat: `nexus produce` of examples/en/the-lighthouse-keeper.md into a fresh data "
        "folder, then `nexus revise --shot 3 --text ...` on it (--revisions times, each with a new "
        "text, their median counts); wall and CPU are of the whole command (process start-up and "
        "export included). Ratios are per repeat (same load period), then the median over repeats; "
        "CPU seconds (process and children) are the figure least moved by other work on the "
        "machine.",
        "",
    ]
    for mode, rows in results.items():
        lines += table(mode, rows)
    lines += ["Composer alone vs MoviePy on the same timeline: see REPORT-compose.md.", ""]
    (Path(__file__).parent / "REPORT.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
