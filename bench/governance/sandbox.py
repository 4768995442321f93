"""Sandbox start-up: cold (first compile of the pinned wasm, into an empty cache), load from the
disk cache (a new process), and warm (a fresh store re-instantiated from the in-memory module,
the per-call path) for Python and JavaScript, hello and the subtitle transform; plus the
native tier (bubblewrap). Medians; writes SANDBOX_REPORT.md beside this file.

    uv run python -m bench.governance.sandbox [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import wasmtime

from nexus.sandbox.engine import WasmEngine
from nexus.sandbox.limits import Limits
from nexus.sandbox.native import bwrap_available, run_native
from nexus.sandbox.runtimes import WasmLanguage
from nexus.sandbox.wasipoll import define_poll
from nexus.sandbox.wasm import run_wasm

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
LIMITS = Limits(wall_s=10, memory_bytes=256 << 20, output_bytes=1 << 20)
CUES = {
    "cues": [{"start_s": i, "end_s": i + 0.9, "text": f"line {i} of the story"} for i in range(40)]
}
SOURCES: dict[WasmLanguage, dict[str, str]] = {
    "python": {
        "hello": "def main(data):\n    return {'hello': 'world'}\n",
        "subtitles": (ROOT / "examples/skills/uppercase-subtitles/main.py").read_text(),
    },
    "javascript": {
        "hello": "export function main(data) { return { hello: 'world' }; }",
        "subtitles": (ROOT / "examples/skills/shout-js/main.js").read_text(),
    },
}


def instantiate_only(engine: WasmEngine, language: WasmLanguage) -> None:
    """The per-call host work without the guest: a store with its limits, a linker with WASI
    and the poll shadow, the instantiation (copy-on-write memory image), then teardown."""
    store = wasmtime.Store(engine.engine)
    store.set_limits(memory_size=LIMITS.memory_bytes, instances=1, tables=10, memories=1)
    store.set_wasi(wasmtime.WasiConfig())
    linker = wasmtime.Linker(engine.engine)
    linker.define_wasi()
    define_poll(linker, time.monotonic() + LIMITS.wall_s)
    store.set_epoch_deadline(engine.ticks_for(LIMITS.wall_s))
    linker.instantiate(store, engine.module(language))


NOTE = (
    "Targets: warm Python <= 100 ms, warm JavaScript <= 5 ms. The warm path is a fresh store "
    "per call from the cached module (no state shared between calls or tenants: "
    "tests/sandbox/test_escape_wasm.py checks module globals, builtins, sys.modules and "
    "globalThis). The 'store + instantiate, no guest code' row is the host's share of a call "
    "(under a millisecond: the module's memory is a copy-on-write image); the rest of the "
    "warm figure is the guest interpreter starting (CPython: its runtime, the frozen and "
    "wasi-vfs packed stdlib imports, our runner) and finalising. Getting Python under 100 ms "
    "therefore needs a "
    "pre-initialised interpreter snapshot (wizer); the pinned python.wasm exports only "
    "`_start` (and wasi-vfs's `wasi_vfs_pack_fs`), and its main finalises the interpreter "
    "before returning, so there is no point to snapshot at without another CPython build "
    "(ADR 0225). Compare the host CPython reference row for the machine's load."
)
E2B_CLAIM = (
    "E2B (Firecracker microVMs) is described as starting a sandbox in about 150 ms (under "
    "200 ms from the API call to ready); Firecracker itself is quoted at ~125 ms per microVM "
    "boot. These are claims as published and repeated by third parties (e.g. "
    'https://juejin.cn/post/7598103558886883374: "约 150ms 启动时间"; '
    'https://usetransactional.com/docs/sandboxes/overview: "sub-200ms cold start"), '
    "not figures we measured or found on e2b.dev itself. E2B's figure is a cold start of a "
    "whole VM reached over the network (add a round trip per call, and its interpreter's "
    "own start for a fresh Python); ours are a local call: compare E2B's ~150 ms with our "
    "warm rows (a fresh interpreter per call) and with the native tier's row."
)


def median_ms(fn: Callable[[], object], runs: int) -> float:
    times: list[float] = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def bench(runs: int) -> list[tuple[str, str, str, float]]:
    rows: list[tuple[str, str, str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        cold = WasmEngine(Path(tmp))
        for lang in ("python", "javascript"):
            t = time.perf_counter()
            cold.module(lang)  # type: ignore[arg-type]
            rows.append((lang, "hello", "cold: compile + cache", (time.perf_counter() - t) * 1000))
        cold.close()
        fresh = WasmEngine(Path(tmp))  # another process: the disk cache
        for lang in ("python", "javascript"):
            t = time.perf_counter()
            fresh.module(lang)  # type: ignore[arg-type]
            rows.append(
                (lang, "hello", "new process: load cached module", (time.perf_counter() - t) * 1000)
            )
        for lang in ("python", "javascript"):
            ms = median_ms(lambda: instantiate_only(fresh, lang), runs)  # type: ignore[arg-type]  # noqa: B023
            rows.append((lang, "-", "per call: store + instantiate, no guest code", ms))
        for lang, cases in SOURCES.items():
            for name, src in cases.items():
                payload = CUES if name == "subtitles" else {}
                run_wasm(fresh, lang, src, payload, LIMITS)  # warm the caches
                ms = median_ms(lambda: run_wasm(fresh, lang, src, payload, LIMITS), runs)  # noqa: B023
                rows.append((lang, name, "warm: instantiate + run", ms))
        fresh.close()
    # The machine's load, measured in the same run: the floor of the same work outside wasm.
    host = median_ms(lambda: subprocess.run([sys.executable, "-S", "-c", "pass"], check=True), runs)
    rows.append(("host CPython (reference)", "-S -c pass", "a native process start", host))
    if bwrap_available():
        script = b'#!/bin/sh\nread line\necho \'{"output": {"hello": "world"}}\'\n'
        ms = median_ms(lambda: run_native(script, {}, LIMITS), runs)
        rows.append(("native (sh)", "hello", "bubblewrap + prlimit", ms))
    return rows


def write_report(rows: list[tuple[str, str, str, float]], runs: int) -> str:
    load = os.getloadavg()
    lines = [
        "# Sandbox start-up (bench/governance/sandbox.py)",
        "",
        f"Medians of {runs} runs; 2-core machine shared with other engineers' builds and tests "
        f"(load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} during the run): "
        "read the figures as upper bounds.",
        "",
        "| language | skill | what | ms |",
        "|---|---|---|---|",
        *(f"| {lang} | {name} | {what} | {ms:.1f} |" for lang, name, what, ms in rows),
        "",
        NOTE,
        "",
        "## Beside E2B",
        "",
        E2B_CLAIM,
        "",
    ]
    text = "\n".join(lines)
    (HERE / "SANDBOX_REPORT.md").write_text(text, encoding="utf-8")
    return text


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print(write_report(bench(args.runs), args.runs))


if __name__ == "__main__":
    main()
