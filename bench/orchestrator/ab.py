"""A/B of two checkouts of Nexus on W1 (chain), SQLite and PostgreSQL, in one run (issue 17).

"before" is another checkout (e.g. ``git worktree add --detach /work/wt/orch-baseline
<commit>``), "after" is this one. Each measurement is a fresh child process of that
checkout's own ``measure.py`` with ``PYTHONPATH`` on its ``src`` (the same locked
environment), on a fresh database. Before, after and DBOS (the peer of REPORT.md) alternate
per repeat, the order swapped on odd repeats, so the machine's drift hits all alike.
Prints the figures and writes AB_REPORT.md: medians per step, after/before as a ratio of
medians and as the median of the paired per-repeat ratios, and DBOS/Nexus for both.

Usage: uv run python bench/orchestrator/ab.py --before /work/wt/orch-baseline [--repeats 7]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import infra
from measure import RESULT_PREFIX

HERE = Path(__file__).resolve().parent
AFTER = HERE.parents[1]
SIDES = ("before", "after", "dbos")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--before", type=Path, required=True, help="the baseline checkout")
    parser.add_argument("--n", type=int, default=1000, help="W1 steps per run")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--out", type=Path, default=HERE / "AB_REPORT.md")
    return parser.parse_args(argv)


def run_child(side: str, backend: str, args: argparse.Namespace, tag: str) -> dict[str, Any]:
    root = args.before.resolve() if side == "before" else AFTER
    system = "dbos" if side == "dbos" else "nexus"
    bench = root / "bench" / "orchestrator"
    cmd = [sys.executable, str(bench / "measure.py"), "--system", system]
    cmd += ["--backend", backend, "--workloads", "w1", "--n", str(args.n), "--tag", tag]
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    done = subprocess.run(
        cmd, cwd=bench, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    rows = [
        json.loads(line[len(RESULT_PREFIX) :])
        for line in done.stdout.splitlines()
        if line.startswith(RESULT_PREFIX)
    ]
    if not rows or "error" in rows[0]:
        return {"side": side, "backend": backend, "error": done.stderr[-2000:]}
    row = rows[0]
    return {
        "side": side,
        "backend": backend,
        "ms_per_step": 1000 * row["wall_s"] / max(row["steps"], 1),
        # the client process's own CPU per step: far less sensitive to a loaded machine
        "cpu_ms_per_step": 1000 * row.get("cpu_s", 0.0) / max(row["steps"], 1),
        "load": infra.read_load(),
    }


def execute(args: argparse.Namespace) -> list[dict[str, Any]]:
    tag = f"ab{uuid.uuid4().hex[:6]}"
    rows: list[dict[str, Any]] = []
    try:
        for repeat in range(args.repeats):
            order = SIDES if repeat % 2 == 0 else SIDES[::-1]
            for backend in args.backends.split(","):
                for side in order:
                    row = {**run_child(side, backend, args, tag), "repeat": repeat}
                    rows.append(row)
                    figure = row.get("ms_per_step")
                    text = (
                        f"{figure:8.3f} ms/step  cpu {row['cpu_ms_per_step']:6.3f}"
                        if figure
                        else f"ERROR {row['error']}"
                    )
                    print(f"[{repeat}] {backend:<8} {side:<6} {text}", flush=True)
    finally:
        asyncio.run(infra.drop_tagged_databases(tag))
    return rows


def _series(
    rows: list[dict[str, Any]], side: str, backend: str, key: str = "ms_per_step"
) -> dict[int, float]:
    return {
        r["repeat"]: r[key]
        for r in rows
        if r["side"] == side and r["backend"] == backend and key in r
    }


def _ratio(num: dict[int, float], den: dict[int, float]) -> tuple[float, float]:
    """(ratio of medians, median of the per-repeat ratios) of num/den."""
    of_medians = statistics.median(num.values()) / statistics.median(den.values())
    pairs = [num[k] / den[k] for k in num if k in den]
    return of_medians, statistics.median(pairs)


def summarize_cpu(rows: list[dict[str, Any]], backends: list[str]) -> list[str]:
    """Nexus's client CPU per step, before and after (the orchestrator's own work)."""
    lines = [
        "| backend | before CPU ms/step (median) | after CPU ms/step (median) | after/before "
        "(of medians; paired) |",
        "|---|---|---|---|",
    ]
    for backend in backends:
        before = _series(rows, "before", backend, "cpu_ms_per_step")
        after = _series(rows, "after", backend, "cpu_ms_per_step")
        if before and after:
            ab, ab_paired = _ratio(after, before)
            lines.append(
                f"| {backend} | {statistics.median(before.values()):.3f} "
                f"| {statistics.median(after.values()):.3f} | {ab:.3f}; {ab_paired:.3f} |"
            )
    return lines


def summarize(rows: list[dict[str, Any]], backends: list[str]) -> list[str]:
    lines = [
        "| backend | before ms/step (median) | after ms/step (median) | after/before "
        "(of medians; paired) | DBOS ms/step | DBOS/before | DBOS/after |",
        "|---|---|---|---|---|---|---|",
    ]
    for backend in backends:
        before, after = _series(rows, "before", backend), _series(rows, "after", backend)
        dbos = _series(rows, "dbos", backend)
        if not before or not after or not dbos:
            lines.append(f"| {backend} | missing measurements | | | | | |")
            continue
        ab, ab_paired = _ratio(after, before)
        db, _ = _ratio(dbos, before)
        da, _ = _ratio(dbos, after)
        lines.append(
            f"| {backend} | {statistics.median(before.values()):.3f} "
            f"| {statistics.median(after.values()):.3f} | {ab:.3f}; {ab_paired:.3f} "
            f"| {statistics.median(dbos.values()):.3f} | {db:.2f}x | {da:.2f}x |"
        )
    return lines


def write_report(args: argparse.Namespace, rows: list[dict[str, Any]], table: list[str]) -> None:
    before = subprocess.run(
        ["git", "-C", str(args.before), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    text = [
        "# W1 A/B: before and after issue 17, side by side",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `bench/orchestrator/ab.py`: W1 chain of"
        f" {args.n} steps, {args.repeats} repeats per side and backend, interleaved (order"
        f" swapped on odd repeats); before = `{before}` (checkout {args.before}), after = this"
        " checkout; DBOS measured in the same run as the peer. A fresh child process and a"
        " fresh database per measurement. A ratio after/before near 1.0 is no change; the"
        " spread of the paired ratios is the noise of this shared 2-core machine.",
        "",
        *table,
        "",
        "Raw rows (ms per step):",
        "",
        "```",
        *(json.dumps(r) for r in rows),
        "```",
    ]
    args.out.write_text("\n".join(text) + "\n")
    print(f"wrote {args.out}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    rows = execute(args)
    backends = args.backends.split(",")
    table = [*summarize(rows, backends), "", *summarize_cpu(rows, backends)]
    print("\n".join(table))
    print(f"took {time.monotonic() - started:.0f} s")
    write_report(args, rows, table)
    return 0 if all("error" not in r for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
