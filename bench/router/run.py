"""All router benchmarks in one invocation, written to the "router" section of
bench/router/REPORT.md (the budget benchmarks keep their own sections):
decision overhead, W1 with the router's gate vs PassThroughGate, failover.

    uv run python bench/router/run.py [--calls 50000] [--n 1000] [--repeats 5] [--jobs 40]
"""

from __future__ import annotations

import argparse
import asyncio
import shlex
import sys
from pathlib import Path

import decision
import failover
import w1_gate
from common import context
from report_section import write_section

HERE = Path(__file__).resolve().parent
TARGETS = """Targets (issue 10): decision overhead <= 0.2 ms per job (p99 <= 1 ms); W1 unchanged
within noise with the router in the path; with the primary answering 5xx a run completes on
the secondary, no job failed, extra latency <= 1 s per job."""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--jobs", type=int, default=40)
    parser.add_argument("--failover-repeats", type=int, default=3)
    args = parser.parse_args()
    started = context()
    parts = [
        "## Routing: decision, W1 with the gate, failover",
        "",
        f"Command: `uv run python {' '.join(map(shlex.quote, sys.argv))}`",
        "",
        f"Started: {started}",
        "",
        TARGETS,
        "",
        "### Decision overhead",
        "",
        decision.render(decision.measure(args.calls), args.calls),
        "",
        "### W1 with the router's gate",
        "",
        w1_gate.render(w1_gate.measure(args.n, args.repeats), args.n, args.repeats),
        "",
        "### Failover",
        "",
        failover.render(
            asyncio.run(failover.measure(args.jobs, args.failover_repeats)),
            args.jobs,
            args.failover_repeats,
        ),
        "",
        f"Finished: {context()}",
        "",
    ]
    findings = HERE / "findings.md"
    if findings.exists():
        parts += [findings.read_text(encoding="utf-8")]
    write_section("router", "\n".join(parts))
    print("\n".join(parts))


if __name__ == "__main__":
    main()
