"""Turns raw measurement rows into the summary table (median, min, max per system, backend
and workload; DBOS/Nexus ratios side by side) and renders ``REPORT.md``."""

from __future__ import annotations

import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

from paired import ratio_verdict
from systems import WORKLOAD_TITLES

TARGETS_MS = {"sqlite": 1.0, "postgres": 2.0}
TARGET_RATIO = 3.0
PEER = "dbos"
OURS = "nexus"


def summarize(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One line per (backend, workload, system) from the successful timed rows."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if "error" not in row and row["workload"] != "w6":
            groups[(row["backend"], row["workload"], row["system"])].append(row)
    lines = []
    # Nexus first within each (backend, workload), peers after it.
    order = sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] != OURS, kv[0][2]))
    for (backend, workload, system), got in order:
        per_step = [1000 * r["wall_s"] / r["steps"] for r in got]
        lines.append(
            {
                "backend": backend,
                "workload": workload,
                "system": system,
                "repeats": len(got),
                "n": got[0]["steps"],
                "per_step": per_step,
                "median_ms": statistics.median(per_step),
                "min_ms": min(per_step),
                "max_ms": max(per_step),
                "cpu_ms": statistics.median(1000 * r.get("cpu_s", 0.0) / r["steps"] for r in got),
                "tasks_s": statistics.median(r["steps"] / r["wall_s"] for r in got),
                "rss_mb": max(r["peak_rss_mb"] for r in got),
                "setup_s": statistics.median(r["setup_s"] for r in got)
                if all("setup_s" in r for r in got)
                else None,
            }
        )
    return attach_ratios(lines)


def attach_ratios(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Peer median / our median on the same backend (W2g is compared with our W2)."""
    ours = {(ln["backend"], ln["workload"]): ln for ln in lines if ln["system"] == OURS}
    for ln in lines:
        base = ours.get((ln["backend"], "w2" if ln["workload"] == "w2g" else ln["workload"]))
        mine = base is not None and ln["system"] != OURS
        ln["ratio"] = ln["median_ms"] / base["median_ms"] if mine else None
        ln["cpu_ratio"] = ln["cpu_ms"] / base["cpu_ms"] if mine and base["cpu_ms"] else None
    return lines


def render_table(lines: list[dict[str, Any]]) -> str:
    head = (
        "| backend | workload | system | n | repeats | per-step ms median | min | max "
        "| client CPU ms/step | tasks/s | peak RSS MB | setup s "
        "| peer/Nexus wall | peer/Nexus CPU |"
    )
    out = [head, "|" + "---|" * 14]
    for ln in lines:
        ratio = f"{ln['ratio']:.2f}x" if ln["ratio"] is not None else ""
        cpu_ratio = f"{ln['cpu_ratio']:.2f}x" if ln.get("cpu_ratio") is not None else ""
        out.append(
            f"| {ln['backend']} | {WORKLOAD_TITLES.get(ln['workload'], ln['workload'])} "
            f"| {ln['system']} | {ln['n']} | {ln['repeats']} | {ln['median_ms']:.3f} "
            f"| {ln['min_ms']:.3f} | {ln['max_ms']:.3f} | {ln['cpu_ms']:.3f} | {ln['tasks_s']:.0f} "
            f"| {ln['rss_mb']:.0f} | {_fmt(ln['setup_s'])} | {ratio} | {cpu_ratio} |"
        )
    return "\n".join(out)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def check_targets(lines: list[dict[str, Any]]) -> list[str]:
    """Issue 2 targets on W1, as report lines (figures, never a test assertion). The default
    (async step commits on PostgreSQL) and, where measured, ``step_commit = sync``."""
    out = []
    for backend, limit in TARGETS_MS.items():
        peer = _w1(lines, backend, PEER)
        for system in (OURS, "nexus-sync"):
            ours = _w1(lines, backend, system)
            if ours is None:
                continue
            label = "Nexus" if system == OURS else "Nexus (step_commit=sync)"
            median = ours["median_ms"]
            verdict = "met" if median <= limit else "NOT met"
            out.append(
                f"- W1 {backend}: {label} {median:.3f} ms/step (target <= {limit} ms): {verdict}"
                f" (client CPU {ours['cpu_ms']:.3f} ms/step)"
            )
            if peer is not None:
                text, met = ratio_verdict(peer["per_step"], ours["per_step"], TARGET_RATIO)
                out.append(
                    f"- W1 {backend}: DBOS/{label} = {text} (target >= {TARGET_RATIO}x,"
                    f" by both): {'met' if met else 'NOT met'}"
                )
    return out


def _w1(lines: list[dict[str, Any]], backend: str, system: str) -> dict[str, Any] | None:
    found = [
        ln
        for ln in lines
        if ln["backend"] == backend and ln["workload"] == "w1" and ln["system"] == system
    ]
    return found[0] if found else None


def render_w6(rows: list[dict[str, Any]]) -> list[str]:
    out = []
    for row in rows:
        if row["workload"] != "w6":
            continue
        if "error" in row:
            out.append(f"- W6 {row['backend']}: ERROR {row['error']}")
            continue
        expected = len(row["expected_descendants"]) + 1
        verdict = "exact" if row["ok"] else "MISMATCH"
        out.append(
            f"- W6 {row['backend']}: re-executed {len(row['re_executed'])} nodes "
            f"({row['started_events']} start events, {row['cache_hits_after']} cache hits), "
            f"expected {expected} = {expected - 1} descendants + the node: {verdict}; "
            f"regenerate-to-done {1000 * row['wall_s']:.0f} ms"
        )
    return out


def render_errors(rows: list[dict[str, Any]]) -> list[str]:
    return [
        f"- {r['system']} {r['backend']} {r['workload']}: {r['error']}"
        for r in rows
        if "error" in r
    ]


METHOD = """\
## Method

- Each measurement is a fresh child process (`measure.py`) on a fresh database: a new SQLite
  directory, or `CREATE DATABASE bench_<tag>_<uuid>` on the local PostgreSQL server, dropped
  afterwards. No run can hit another run's cache. `--quick` batches a system's workloads into
  one child per backend (peak RSS is then the maximum over them).
- Timed span: submit to result (`create_run` .. run succeeded: the run's terminal commit
  wakes the waiter in-process, a 1 s poll is only the fallback; DBOS
  `start_workflow_async` .. `get_result`). Start-up and migrations are reported apart (setup s).
- Per-step overhead = wall / n no-op steps; median of the repeats, with min and max.
  tasks/s = n / wall (median). Peak RSS = `ru_maxrss` of the child (the database server's
  memory is not included). Client CPU ms/step = CPU time of the child process (all its
  threads) over the timed span / n: less sensitive to the shared machine's load than wall
  time, and it excludes the PostgreSQL server's own CPU. Both systems log at WARNING.
- Systems alternate who goes first on every repeat, so load drift hits both alike.
- **W1** Nexus: pipeline `chain` (n no-op nodes, each depending on the previous). DBOS: one
  workflow awaiting n no-op `@DBOS.step`s in sequence.
- **W2** Nexus: pipeline `fanout` (a split node expands into n no-op leaves, then a fan-in
  node). DBOS: a parent workflow enqueues n child workflows (one no-op step each) on a DBOS
  queue (queue and handle polling 10 ms instead of the 1 s defaults), joins them with
  `get_result`, then one join step:
  every leaf is a separately dispatched durable unit on both sides.
- **W2g** DBOS only, for reference: `asyncio.gather` of n steps inside one workflow (cheaper:
  no per-leaf workflow). Its ratio is against Nexus W2.
- **W6** Nexus only: 5 x 10 layered DAG (`dag`), regenerate `n1.3` (depth 2) and count the
  distinct nodes with a `nexus.job.started` event after the regenerate; the expected set is
  computed from the pipeline's node list (`build_dag`), not from the orchestrator.
- Defaults on both sides (Nexus: 4 async worker slots; DBOS: unbounded queue concurrency).
- The machine is shared with other agents and noisy: treat differences under ~20 % as noise,
  compare ratios within one run rather than absolute figures across runs.
"""


def render_markdown(
    context: dict[str, Any], lines: list[dict[str, Any]], rows: list[dict[str, Any]]
) -> str:
    facts = "\n".join(f"| {k} | {v} |" for k, v in context.items() if k != "command")
    parts = [
        "# Orchestrator benchmark (issue 2 item 8)",
        "",
        "Generated by `bench/orchestrator/run.py`; do not edit by hand (hand-written findings "
        "live in `findings.md` and are appended below).",
        "",
        "Command:",
        "",
        "```",
        context["command"],
        "```",
        "",
        "## Machine and versions",
        "",
        "| fact | value |",
        "|---|---|",
        facts,
        "",
        "The machine is shared with other agents running builds and tests at the same time: "
        "absolute figures are noisy; the load average at start and end is recorded above.",
        "",
        "## Results",
        "",
        render_table(lines),
        "",
        "## Targets (issue 2)",
        "",
        *check_targets(lines),
        "",
        "## W6: regenerate re-executes exactly the descendants",
        "",
        *render_w6(rows),
        "",
    ]
    errors = render_errors(rows)
    if errors:
        parts += ["## Errors", "", *errors, ""]
    parts.append(METHOD)
    findings = Path(__file__).with_name("findings.md")
    if findings.exists():
        parts += ["", findings.read_text()]
    return "\n".join(parts)
