"""W1 (a chain of n no-op steps, embedded SQLite) with the router's gate in the dispatch
path, side by side with PassThroughGate in the same invocation, alternating the order per
repeat, each measurement a fresh child process on a fresh database. Variants:

- ``passthrough``: PassThroughGate (the orchestrator benchmark's configuration before);
- ``router``: RouterGate, the Platform default (demo.noop has no capability: pass-through);
- ``router-routed``: RouterGate with demo.noop declaring ``chat``, so every step's dispatch
  runs the full routing decision against a configured provider (never called).

    uv run python bench/router/w1_gate.py [--n 1000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

VARIANTS = ("passthrough", "router", "router-routed")
PREFIX = "W1GATE "


async def child(variant: str, n: int, workdir: Path) -> dict[str, Any]:
    from nexus.core.logging import configure_logging
    from nexus.core.settings import Settings
    from nexus.orchestrator.gate import PassThroughGate
    from nexus.platform import Platform, build_registry

    configure_logging(level="WARNING")
    registry = build_registry()
    providers: list[dict[str, Any]] = []
    if variant == "router-routed":
        noop = registry.skills["demo.noop"]
        registry.skills["demo.noop"] = dataclasses.replace(noop, capability="chat")
        providers = [
            {
                "name": "llm",
                "kind": "openai",
                "base_url": "http://127.0.0.1:9/v1",
                "models": [{"name": "m", "capabilities": ["chat"]}],
            }
        ]
    settings = Settings(data_dir=workdir, providers=providers)
    gate = PassThroughGate() if variant == "passthrough" else None
    platform = await Platform(settings, registry=registry, gate=gate).start_embedded()
    try:
        t0 = time.perf_counter()
        run_id, _ = await platform.create_run("chain", {"n": n})
        run = await platform.wait_for_run(run_id, poll_s=1.0)
        wall = time.perf_counter() - t0
    finally:
        await platform.close()
    assert run.status == "succeeded", run.status
    return {"variant": variant, "wall_s": wall, "ms_per_step": wall * 1000 / n}


def run_child(variant: str, n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [sys.executable, __file__, "--child", variant, "--n", str(n), "--workdir", tmp],
            capture_output=True,
            text=True,
            check=True,
            timeout=900,
        ).stdout
    line = next(x for x in out.splitlines() if x.startswith(PREFIX))
    return json.loads(line[len(PREFIX) :])


def measure(n: int, repeats: int) -> dict[str, list[float]]:
    rows: dict[str, list[float]] = {v: [] for v in VARIANTS}
    for r in range(repeats):
        order = VARIANTS[r % 3 :] + VARIANTS[: r % 3]  # rotate who goes first
        for variant in order:
            rows[variant].append(run_child(variant, n)["ms_per_step"])
    return rows


def render(rows: dict[str, list[float]], n: int, repeats: int) -> str:
    import statistics

    base = statistics.median(rows["passthrough"])
    lines = [
        f"W1 chain, n={n} steps, embedded SQLite, {repeats} repeats per variant (fresh child "
        "process and database each, order rotated per repeat).",
        "",
        "| variant | median ms/step | min | max | ratio to passthrough (medians) | "
        "paired ratio (median of per-repeat ratios) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for variant, values in rows.items():
        med = statistics.median(values)
        paired = statistics.median(v / p for v, p in zip(values, rows["passthrough"], strict=True))
        lines.append(
            f"| {variant} | {med:.3f} | {min(values):.3f} | {max(values):.3f} | "
            f"{med / base:.3f} | {paired:.3f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--child", choices=VARIANTS)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args()
    if args.child:
        print(PREFIX + json.dumps(asyncio.run(child(args.child, args.n, args.workdir))))
    else:
        print(render(measure(args.n, args.repeats), args.n, args.repeats))
