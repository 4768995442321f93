"""Router decision overhead: ``ModelClient.route`` and ``RouterGate.review`` per job, side
by side with ``PassThroughGate.review``, on a registry of 3 providers / 8 models with
preferences. Per-call times from ``perf_counter_ns`` around each call; no I/O anywhere.

    uv run python bench/router/decision.py [--calls 50000]
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import time
from collections.abc import Callable
from typing import Any

from common import median, pct

from nexus.core.settings import load_settings
from nexus.model_router import build_client
from nexus.orchestrator.gate import GateRequest, PassThroughGate
from nexus.orchestrator.router_gate import RouterGate
from nexus.platform import build_registry


def settings() -> Any:
    def openai(name: str, port: int) -> dict[str, Any]:
        return {
            "name": name,
            "kind": "openai",
            "base_url": f"http://127.0.0.1:{port}/v1",
            "models": [
                {
                    "name": "big",
                    "capabilities": ["chat", "json"],
                    "prices": {"input_per_mtok": 2.5, "output_per_mtok": 10},
                },
                {"name": "small", "capabilities": ["chat"], "prices": {"input_per_mtok": 0.1}},
                {"name": "embed", "capabilities": ["embeddings"]},
            ],
        }

    comfy = {
        "name": "comfy",
        "kind": "comfyui",
        "base_url": "http://127.0.0.1:8188",
        "models": [
            {"name": "sdxl", "capabilities": ["image"], "pool": "gpu"},
            {"name": "wan", "capabilities": ["video"], "pool": "gpu"},
        ],
    }
    return load_settings(
        env="test",
        providers=[openai("primary", 9), openai("secondary", 10), comfy],
        router={"preferences": {"chat": ["secondary/small", "primary"], "image": ["comfy"]}},
    )


def per_call_us(fn: Callable[[], object], calls: int) -> list[float]:
    for _ in range(2000):  # warm-up
        fn()
    gc.collect()
    gc.disable()
    try:
        out = []
        for _ in range(calls):
            t0 = time.perf_counter_ns()
            fn()
            out.append((time.perf_counter_ns() - t0) / 1000)
        return out
    finally:
        gc.enable()


def measure(calls: int) -> dict[str, dict[str, float]]:
    registry = build_registry()
    registry.skills["demo.noop"] = dataclasses.replace(
        registry.skills["demo.noop"], capability="chat"
    )
    client = build_client(settings(), None, None, None)
    router_gate, passthrough = RouterGate(registry, client), PassThroughGate()
    routed = GateRequest("r", "j", "n", "demo.noop", "1", "cpu", "cpu", "t", "p")
    plain = GateRequest("r", "j", "n", "demo.split", "1", "cpu", "cpu", "t", "p")
    cases = {
        "PassThroughGate.review": lambda: passthrough.review(routed),
        "RouterGate.review (skill without capability)": lambda: router_gate.review(plain),
        "RouterGate.review (routed: chat)": lambda: router_gate.review(routed),
        "ModelClient.route('chat')": lambda: client.route("chat"),
        "ModelClient.route('image')": lambda: client.route("image"),
    }
    results = {}
    for name, fn in cases.items():
        times = per_call_us(fn, calls)
        results[name] = {
            "median_us": median(times),
            "p99_us": pct(times, 0.99),
            "max_us": max(times),
        }
    return results


def render(results: dict[str, dict[str, float]], calls: int) -> str:
    lines = [
        f"Per call, {calls} calls each, one process, GC off during the timed loop.",
        "",
        "| call | median µs | p99 µs | max µs |",
        "|---|---:|---:|---:|",
    ]
    for name, r in results.items():
        lines.append(f"| {name} | {r['median_us']:.1f} | {r['p99_us']:.1f} | {r['max_us']:.0f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=50_000)
    args = parser.parse_args()
    print(render(measure(args.calls), args.calls))
