"""Orchestrator benchmark driver (issue 2 item 8): W1 chain, W2 fan-out + fan-in and W6
regenerate for Nexus, side by side with DBOS on the same database engine in the same run.

Every measurement runs in a fresh child process (peak RSS per system) on a fresh database.
Usage: uv run python bench/orchestrator/run.py [--backend all] [--n 1000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import infra
import report
from measure import RESULT_PREFIX

HERE = Path(__file__).resolve().parent
SYSTEM_WORKLOADS = {
    "nexus": ("w1", "w2", "w6"),
    "nexus-sync": ("w1", "w2"),  # PostgreSQL only: step commits wait for the WAL flush
    "dbos": ("w1", "w2", "w2g"),
}
SYSTEM_BACKENDS = {"nexus-sync": ("postgres",)}
CHILD_TIMEOUT_S = 900


@dataclass(frozen=True)
class Job:
    system: str
    backend: str
    workloads: tuple[str, ...]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=["sqlite", "postgres", "all"], default="all")
    parser.add_argument("--n", type=int, default=1000, help="steps per W1/W2 run")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--systems", default="nexus,nexus-sync,dbos", help="comma-separated adapters"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke mode: n=200, 1 repeat, one child per system and backend",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="report path (default REPORT.md; none in --quick mode)",
    )
    parser.add_argument(
        "--rerender",
        type=Path,
        default=None,
        help="re-render the report from a results.json, measuring nothing",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.n, args.repeats = 200, 1
    elif args.out is None:
        args.out = HERE / "REPORT.md"
    return args


def plan_jobs(args: argparse.Namespace) -> list[Job]:
    """Interleave systems per workload and swap who goes first on odd repeats, so drift in
    the machine's load hits both sides alike. Quick mode batches a system's workloads."""
    backends = ["sqlite", "postgres"] if args.backend == "all" else [args.backend]
    systems = [s for s in args.systems.split(",") if s]
    if args.quick:
        return [
            Job(s, b, tuple(w for w in SYSTEM_WORKLOADS[s] if w != "w2g"))
            for b in backends
            for s in systems
            if b in SYSTEM_BACKENDS.get(s, (b,))
        ]
    jobs: list[Job] = []
    for repeat in range(args.repeats):
        order = systems if repeat % 2 == 0 else systems[::-1]
        for backend in backends:
            for workload in ("w1", "w2", "w2g", "w6"):
                if workload == "w6" and repeat > 0:
                    continue  # a correctness count, not a timing: once per backend
                jobs.extend(
                    Job(s, backend, (workload,))
                    for s in order
                    if workload in SYSTEM_WORKLOADS[s]
                    and backend in SYSTEM_BACKENDS.get(s, (backend,))
                )
    return jobs


def run_child(job: Job, n: int, tag: str, logdir: Path) -> list[dict[str, Any]]:
    cmd = [
        sys.executable,
        str(HERE / "measure.py"),
        "--system",
        job.system,
        "--backend",
        job.backend,
        "--workloads",
        ",".join(job.workloads),
        "--n",
        str(n),
        "--tag",
        tag,
    ]
    log = logdir / f"{job.system}-{job.backend}-{'-'.join(job.workloads)}-{uuid.uuid4().hex[:6]}"
    load = infra.read_load()
    try:
        done = subprocess.run(
            cmd, cwd=HERE, capture_output=True, text=True, timeout=CHILD_TIMEOUT_S, check=False
        )
        stdout, stderr = done.stdout, done.stderr
    except subprocess.TimeoutExpired as exc:
        stdout, stderr = _text(exc.stdout), _text(exc.stderr) + "\nTIMEOUT"
    log.with_suffix(".log").write_text(stderr)
    rows = [
        json.loads(line[len(RESULT_PREFIX) :])
        for line in stdout.splitlines()
        if line.startswith(RESULT_PREFIX)
    ]
    seen = {r["workload"] for r in rows}
    rows += [
        {
            "system": job.system,
            "backend": job.backend,
            "workload": w,
            "n": n,
            "error": f"child gave no result, see {log.with_suffix('.log')}",
        }
        for w in job.workloads
        if w not in seen
    ]
    for row in rows:
        row["load_at_start"] = load
    return rows


def _text(data: bytes | str | None) -> str:
    if isinstance(data, bytes):
        return data.decode(errors="replace")
    return data or ""


def describe(row: dict[str, Any]) -> str:
    head = f"{row['system']:>6} {row['backend']:<8} {row['workload']:<4}"
    if "error" in row:
        return f"{head} ERROR {row['error']}"
    per_step = 1000 * row["wall_s"] / max(row["steps"], 1)
    cpu = 1000 * row.get("cpu_s", 0.0) / max(row["steps"], 1)
    return (
        f"{head} wall {row['wall_s']:7.3f} s  {per_step:8.3f} ms/step  cpu {cpu:7.3f}  "
        f"rss {row['peak_rss_mb']:5.0f} MB  load {row['load_at_start']}"
    )


def execute(args: argparse.Namespace, tag: str) -> list[dict[str, Any]]:
    logdir = Path(tempfile.mkdtemp(prefix="nexus-bench-logs-"))
    rows: list[dict[str, Any]] = []
    jobs = plan_jobs(args)
    try:
        for i, job in enumerate(jobs, 1):
            print(
                f"[{i}/{len(jobs)}] {job.system} {job.backend} {','.join(job.workloads)}",
                flush=True,
            )
            for row in run_child(job, args.n, tag, logdir):
                print("   " + describe(row), flush=True)
                rows.append(row)
                # Kept as they arrive, so a failure after a 30-minute run loses nothing.
                with (logdir / "rows.jsonl").open("a") as sink:
                    sink.write(json.dumps(row, default=str) + "\n")
    finally:
        leftovers = asyncio.run(infra.drop_tagged_databases(tag))
        if leftovers:
            print(f"dropped leftover databases: {leftovers}")
    print(f"child logs: {logdir}")
    return rows


def write_report(path: Path, context: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    lines = report.summarize(rows)
    text = report.render_markdown(context, lines, rows)
    old = path.read_text() if path.exists() else ""
    begin, end = "<!-- cluster.py:begin -->", "<!-- cluster.py:end -->"
    if begin in old and end in old:  # keep cluster.py's section (it writes only its own)
        text = text.rstrip() + "\n\n" + old[old.index(begin) : old.index(end) + len(end)] + "\n"
    path.write_text(text)
    path.with_name("results.json").write_text(
        json.dumps({"context": context, "rows": rows}, indent=1, default=str) + "\n"
    )
    print(f"wrote {path} and {path.with_name('results.json')}")


def rerender(args: argparse.Namespace) -> int:
    data = json.loads(args.rerender.read_text())
    write_report(args.out, data["context"], data["rows"])
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.rerender is not None:
        return rerender(args)
    tag = uuid.uuid4().hex[:8]
    context: dict[str, Any] = {
        "command": "uv run python bench/orchestrator/run.py " + shlex.join(sys.argv[1:]),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_start": infra.read_load(),
        "n": args.n,
        "repeats": args.repeats,
        "src fingerprint start": infra.fingerprint_src(),
        **infra.read_machine_facts(),
        **asyncio.run(infra.read_pg_facts()),
    }
    t0 = time.perf_counter()
    rows = execute(args, tag)
    context["load_end"] = infra.read_load()
    context["src fingerprint end"] = infra.fingerprint_src()
    if context["src fingerprint end"] != context["src fingerprint start"]:
        print("WARNING: src/nexus changed during the run; figures mix versions")
    context["elapsed_s"] = round(time.perf_counter() - t0, 1)
    lines = report.summarize(rows)
    print()
    print(report.render_table(lines))
    print(
        "\n".join(report.check_targets(lines) + report.render_w6(rows) + report.render_errors(rows))
    )
    print(
        f"load {context['load_start']} -> {context['load_end']}; elapsed {context['elapsed_s']} s"
    )
    if args.out is not None:
        write_report(args.out, context, rows)
    return 1 if any("error" in r for r in rows) or not all(r.get("ok", True) for r in rows) else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
