"""Policy engine benchmark (issue 11): decision latency in-process (default, seed and
done-when policies), and W1 (the orchestrator's chain) with the policy gate on vs off,
side by side in one run, on SQLite. Prints figures and writes REPORT.md (medians; the
machine is shared, so ratios of runs made in the same repeat count, never one number).

    uv run python bench/governance/policy.py [--n 300] [--repeats 3] [--decisions 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from nexus.contracts.governance import PolicyInput
from nexus.core.logging import configure_logging
from nexus.core.settings import Settings
from nexus.governance.book import PolicyBook
from nexus.governance.engine import compile_policy
from nexus.platform import Platform

HERE = Path(__file__).parent
POLICIES = HERE.parents[1] / "tests" / "policy"
DISPATCH = {
    "action": "job.dispatch",
    "principal": {"tenant_id": "t1", "via": "system"},
    "resource": {"kind": "skill", "name": "demo.noop", "version": "1"},
    "context": {"run_id": "run_1", "job_id": "job_1", "node_key": "step[1]", "pool": "cpu"},
}
SEED_INPUT = {
    "user": {"role": "user", "id": "a"},
    "tool": {"category": "http"},
    "session": {"budget": {"tokens": 5000}},
}


def timed(fn: Any, n: int) -> dict[str, float]:
    samples: list[float] = []
    for _ in range(n):
        t0 = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - t0) / 1000)
    samples.sort()
    return {"median_us": statistics.median(samples), "p99_us": samples[int(len(samples) * 0.99)]}


def decisions(n: int) -> dict[str, dict[str, float]]:
    book = PolicyBook()
    dispatch = PolicyInput.model_validate(DISPATCH)
    done = compile_policy((POLICIES / "done_when.rego").read_text(), 1)
    book.current["t1"] = done
    seed = compile_policy((POLICIES / "seed.rego").read_text(), 1)
    seed_text = json.dumps(SEED_INPUT)
    default = PolicyBook()
    text = dispatch.model_dump_json()
    return {
        "default policy, JSON text -> engine decision (no memo)": timed(
            lambda: default.default.evaluate_json(text), n
        ),
        "default policy, PolicyInput -> decision (memoised: it reads no context)": timed(
            lambda: default.evaluate(dispatch), n
        ),
        "done-when policy, PolicyInput -> decision (memoised on its one context field)": timed(
            lambda: book.evaluate(dispatch), n
        ),
        "seed policy (Rego v0), JSON text -> decision": timed(
            lambda: seed.evaluate_json(seed_text), n
        ),
    }


class Timed:
    """A gate's ``review`` with the time spent in it added up (ns)."""

    def __init__(self, review: Any) -> None:
        self.review, self.ns = review, 0

    def __call__(self, request: Any) -> Any:
        t0 = time.perf_counter_ns()
        try:
            return self.review(request)
        finally:
            self.ns += time.perf_counter_ns() - t0


GATE_SHARE: dict[str, list[float]] = {}  # arm -> the policy's share of each run's wall time


async def w1(n: int, enabled: bool, policy: str | None = None) -> float:
    """ms per step of one W1 run (chain of n no-op steps), embedded on SQLite; ``policy``:
    the run's tenant's policy source (else the default). With the gate on, the time spent in
    the policy's part of the gate (its review minus the router gate it wraps) is recorded as
    a share of the run's wall time."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), governance={"enabled": enabled})
        platform = await Platform(settings).start_embedded()
        if policy is not None:
            platform.policies.install("local", 1, policy)
        gate = platform.policy_gate
        outer = inner = None
        if gate is not None:
            inner = Timed(gate.inner.review)
            gate.inner.review = inner  # type: ignore[method-assign]
            outer = Timed(gate.review)
            gate.review = outer  # type: ignore[method-assign]
        try:
            t0 = time.perf_counter()
            run_id, _ = await platform.create_run("chain", {"n": n})
            run = await platform.wait_for_run(run_id, poll_s=1.0)
            wall = time.perf_counter() - t0
            assert run.status == "succeeded", run.error_message
            if outer is not None and inner is not None:
                arm = "done-when" if policy is not None else "default"
                share = (outer.ns - inner.ns) / 1e9 / wall
                GATE_SHARE.setdefault(arm, []).append(share)
            if enabled:
                assert platform.policy_gate is not None
                assert platform.policy_gate.counted["allow"] >= n
                await platform.policy_upkeep.flush_audits()
        finally:
            await platform.close()
    return wall / n * 1000


async def main(args: argparse.Namespace) -> None:
    configure_logging(level="WARNING")
    lat = decisions(args.decisions)
    on: list[float] = []
    off: list[float] = []
    ctx: list[float] = []
    done_when = (POLICIES / "done_when.rego").read_text()
    arms = [
        (off, False, None),
        (on, True, None),
        (ctx, True, done_when),
    ]
    for i in range(args.repeats):  # the order rotates, so load drifts hit every arm alike
        for out, enabled, policy in arms[i % 3 :] + arms[: i % 3]:
            out.append(await w1(args.n, enabled, policy))
    pairs = [a / b for a, b in zip(on, off, strict=True)]
    ctx_pairs = [a / b for a, b in zip(ctx, off, strict=True)]
    lines = [
        "# Policy engine benchmark",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `bench/governance/policy.py` on a shared"
        " 2-core machine with other engineers' work running: figures are noisy; medians.",
        "",
        f"## Decision latency (in-process, {args.decisions} decisions each; target median"
        " <= 100 us)",
        "",
        "| policy | median us | p99 us |",
        "| --- | --- | --- |",
        *(f"| {k} | {v['median_us']:.1f} | {v['p99_us']:.1f} |" for k, v in lat.items()),
        "",
        f"## W1 (chain of {args.n} steps, embedded SQLite), policy gate on vs off, "
        f"{args.repeats} repeats, the arms' order rotating (target: on within 10 % of off)",
        "",
        "| | ms/step per repeat | median |",
        "| --- | --- | --- |",
        f"| off | {', '.join(f'{x:.3f}' for x in off)} | {statistics.median(off):.3f} |",
        f"| on, default policy | {', '.join(f'{x:.3f}' for x in on)} |"
        f" {statistics.median(on):.3f} |",
        "| on, done-when policy (memo keyed on estimated_cost_usd) |"
        f" {', '.join(f'{x:.3f}' for x in ctx)}"
        f" | {statistics.median(ctx):.3f} |",
        "",
        "on/off (default policy): ratio of medians "
        f"{statistics.median(on) / statistics.median(off):.3f}; "
        f"paired per repeat {', '.join(f'{p:.3f}' for p in pairs)} "
        f"(median {statistics.median(pairs):.3f}).",
        "",
        f"on/off (done-when policy): ratio of medians "
        f"{statistics.median(ctx) / statistics.median(off):.3f}; "
        f"paired per repeat {', '.join(f'{p:.3f}' for p in ctx_pairs)} "
        f"(median {statistics.median(ctx_pairs):.3f}).",
        "",
        "The policy's own share of each run's wall time (time inside the policy gate's review"
        " minus the router gate it wraps, measured in the same runs; load noise between runs"
        " does not enter it): "
        + "; ".join(
            f"{arm} policy median {statistics.median(v) * 100:.2f} % (max {max(v) * 100:.2f} %)"
            for arm, v in GATE_SHARE.items()
        )
        + ".",
        "",
        "With the gate on, every dispatch assembles a PolicyInput from cached parts (principal"
        " per tenant, resource per skill version), evaluates the policy (memoised on action,"
        " principal, resource and the context fields it names when the policy provably reads"
        " nothing else, ADR 0207) and counts"
        " the verdict (`nexus_policy_decisions_total`); only deny and needs_approval decisions"
        " are buffered and written to the audit log by the upkeep (ADR 0206). Allows are"
        " counted, not audited. Before that change (every decision buffered and audited, the"
        " input built and evaluated each time; this benchmark's run of 2026-12-03 15:18 UTC):"
        " on/off ratio of medians 1.209, paired median 1.306.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    (HERE / "REPORT.md").write_text(text)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--decisions", type=int, default=20000)
    asyncio.run(main(parser.parse_args()))
