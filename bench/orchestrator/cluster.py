"""Cluster-mode orchestrator benchmark (issue 5 item 8): W1 (chain), W2 (fan-out + fan-in)
and W5 (SIGKILL the worker mid-chain) on Nexus cluster mode (PostgreSQL + RabbitMQ + an
orchestrator process + a worker process), side by side with Celery and DBOS in the same run.

    uv run python bench/orchestrator/cluster.py --n 1000 --repeats 3 --report
    uv run python bench/orchestrator/cluster.py --chaos --chaos-runs 400   # the big chaos run
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx
import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from infra import (  # noqa: E402 - bench modules live next to this script
    REPO,
    create_database,
    drop_database,
    new_db_name,
    pg_url,
    read_load,
    read_machine_facts,
)
from paired import ratio_verdict  # noqa: E402

AMQP = os.environ.get("BENCH_AMQP", "amqp://guest:guest@127.0.0.1:5672")
RABBIT_API = os.environ.get("BENCH_RABBIT_API", "http://127.0.0.1:15672/api")
RESULTS = HERE / "cluster_results.json"
REPORT = HERE / "REPORT.md"
BEGIN, END = "<!-- cluster.py:begin -->", "<!-- cluster.py:end -->"
POLL_S = 0.02


# --- processes --------------------------------------------------------------------------


@dataclass
class Procs:
    """Processes a measurement starts (own sessions); samples their summed RSS and CPU."""

    logs: Path
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    peak_rss: float = 0.0

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        with (self.logs / f"{name}.log").open("ab") as log:
            self.procs[name] = subprocess.Popen(
                argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def kill(self, name: str) -> None:
        proc = self.procs[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def stop_all(self) -> None:
        for proc in self.procs.values():
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                self.kill_pid(proc)

    @staticmethod
    def kill_pid(proc: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    def tree(self) -> list[psutil.Process]:
        out: list[psutil.Process] = []
        for proc in self.procs.values():
            try:
                parent = psutil.Process(proc.pid)
                out += [parent, *parent.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
        return out

    def cpu_s(self) -> float:
        total = 0.0
        for p in self.tree():
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.NoSuchProcess:
                continue
        return total

    def sample_rss(self) -> None:
        rss = 0
        for p in self.tree():
            try:
                rss += p.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        self.peak_rss = max(self.peak_rss, rss / 2**20)

    async def sampler(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.sample_rss()
            await asyncio.sleep(0.1)

    def wait_log(self, name: str, text: str, timeout_s: float = 120, seen: int = 0) -> float:
        """Wait until ``text`` occurs more than ``seen`` times in the process's log."""
        deadline = time.monotonic() + timeout_s
        path = self.logs / f"{name}.log"
        while time.monotonic() < deadline:
            if path.exists() and path.read_text(errors="replace").count(text) > seen:
                return time.monotonic()
            if self.procs[name].poll() is not None:
                break
            time.sleep(0.02)
        raise RuntimeError(f"{name} never logged {text!r}: {path.read_text()[-2000:]}")


async def rabbit_vhost(name: str, *, delete: bool = False) -> str:
    async with httpx.AsyncClient(auth=("guest", "guest"), timeout=30) as client:
        url = f"{RABBIT_API}/vhosts/{name}"
        if delete:
            await client.delete(url)
            return ""
        (await client.put(url)).raise_for_status()
        perms = {"configure": ".*", "write": ".*", "read": ".*"}
        (await client.put(f"{RABBIT_API}/permissions/{name}/guest", json=perms)).raise_for_status()
    return f"{AMQP}/{name}"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- Nexus cluster mode -------------------------------------------------------------------


def nexus_env(db: str, amqp: str, work: Path, args: argparse.Namespace) -> dict[str, str]:
    return {
        **os.environ,
        "NEXUS_ENV": "test",
        "NEXUS_DATA_DIR": str(work / "data"),
        "NEXUS_DATABASE__URL": pg_url(db, "+asyncpg"),
        "NEXUS_BROKER__URL": amqp,
        "NEXUS_CACHE__URL": "memory://",
        "NEXUS_STORAGE__URL": (work / "artifacts").as_uri(),
        "NEXUS_ORCHESTRATOR__LEASE_S": str(args.lease_s),
        "NEXUS_ORCHESTRATOR__SWEEP_INTERVAL_S": "0.5",
        "NEXUS_ORCHESTRATOR__CONCURRENCY": str(args.concurrency),
    }


NEXUS_PIPELINE = {"w1": "chain", "w2": "fanout", "w5": "chain"}


async def nexus_measure(workload: str, n: int, args: argparse.Namespace) -> dict[str, Any]:
    from nexus.core.settings import load_settings
    from nexus.platform import Platform

    db, vhost = new_db_name("cluster"), f"bench-{uuid.uuid4().hex[:10]}"
    work = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
    await create_database(db)
    env = nexus_env(db, await rabbit_vhost(vhost), work, args)
    procs = Procs(work)
    platform = None
    try:
        cli = [sys.executable, "-m", "nexus.cli.main"]
        await asyncio.to_thread(
            subprocess.run, [*cli, "migrate"], env=env, check=True, capture_output=True
        )
        procs.start("orchestrator", [*cli, "orchestrator"], env)
        procs.start("worker", [*cli, "worker", "--pool", "cpu"], env)
        procs.wait_log("orchestrator", "orchestrator running")
        procs.wait_log("worker", "worker consuming")
        settings = load_settings(
            env="test",
            database={"url": env["NEXUS_DATABASE__URL"], "auto_migrate": False},
            broker={"url": env["NEXUS_BROKER__URL"]},
            storage={"url": env["NEXUS_STORAGE__URL"]},
        )
        platform = Platform(settings)
        await platform.open()
        return await nexus_timed(platform, procs, workload, n, cli, env)
    finally:
        if platform is not None:
            await platform.close()
        procs.stop_all()
        await drop_database(db)
        await rabbit_vhost(vhost, delete=True)
        shutil.rmtree(work, ignore_errors=True)


async def nexus_timed(
    platform: Any, procs: Procs, workload: str, n: int, cli: list[str], env: dict[str, str]
) -> dict[str, Any]:
    stop = asyncio.Event()
    sampler = asyncio.create_task(procs.sampler(stop))
    killer = None
    cpu0, t0 = procs.cpu_s(), time.perf_counter()
    run_id, _ = await platform.create_run(NEXUS_PIPELINE[workload], {"n": n})
    if workload == "w5":
        killer = asyncio.create_task(nexus_kill_midway(platform, procs, run_id, n, cli, env))
    run = await platform.wait_for_run(run_id, poll_s=POLL_S, timeout_s=600)
    wall = time.perf_counter() - t0
    cpu = procs.cpu_s() - cpu0
    stop.set()
    await sampler
    row: dict[str, Any] = {"wall_s": wall, "cpu_s": cpu, "steps": n, "status": run.status}
    row["peak_rss_mb"] = procs.peak_rss
    row.update(await nexus_ledger(platform, run_id))
    if killer is not None:
        row.update(await killer)
    return row


async def nexus_kill_midway(
    platform: Any, procs: Procs, run_id: str, n: int, cli: list[str], env: dict[str, str]
) -> dict[str, Any]:
    """SIGKILL the worker once ~n/2 steps committed, restart it; recovery = kill to the
    first commit after it (includes the new process's start-up)."""
    from nexus.orchestrator import queries

    while True:
        async with platform.db.read() as conn:
            done = (await queries.count_jobs_by_status(conn, run_id)).get("succeeded", 0)
        if done >= n // 2:
            break
        await asyncio.sleep(0.005)
    killed_at = time.time()
    procs.kill("worker")
    restart_t0 = time.monotonic()
    procs.start("worker", [*cli, "worker", "--pool", "cpu"], env)
    ready = await asyncio.to_thread(procs.wait_log, "worker", "worker consuming", 120, 1)
    return {"killed_at_step": done, "killed_at": killed_at, "restart_s": ready - restart_t0}


async def nexus_ledger(platform: Any, run_id: str) -> dict[str, Any]:
    from nexus.orchestrator import queries

    async with platform.db.read() as conn:
        jobs = await queries.list_jobs(conn, run_id)
        events = await queries.list_events(conn, run_id, limit=10_000_000)
    committed = Counter(e.job_id for e in events if e.type == "nexus.job.succeeded")
    started = Counter(e.job_id for e in events if e.type == "nexus.job.started")
    commits = sorted(e.occurred_at.timestamp() for e in events if e.type == "nexus.job.succeeded")
    return {
        "jobs": len(jobs),
        "lost": sum(1 for j in jobs if j.status != "succeeded"),
        "duplicates": sum(c - 1 for c in committed.values() if c > 1),
        "reexecuted": sum(c - 1 for c in started.values() if c > 1),
        "commit_times": commits,
    }


def w5_recovery(row: dict[str, Any]) -> None:
    after = [t for t in row.pop("commit_times", []) if t > row.get("killed_at", float("inf"))]
    if "killed_at" in row:
        row["recovery_s"] = (after[0] - row["killed_at"]) if after else None


# --- Celery (RabbitMQ broker, acks_late, Redis result backend) -------------------------


def celery_app(broker: str, backend: str) -> Any:
    from celery import Celery

    app = Celery("nexus_bench", broker=broker, backend=backend)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        result_expires=3600,
    )

    @app.task(name="bench.noop")
    def noop(i: int, log_path: str | None = None) -> int:
        if log_path:
            with Path(log_path).open("a") as fh:
                fh.write(f"{i}\n")
        return i

    @app.task(name="bench.join")
    def join(results: list[int]) -> int:
        return len(results)

    return app


def celery_worker_main(broker: str, backend: str, concurrency: int) -> None:
    app = celery_app(broker, backend)
    argv = ["worker", "-P", "prefork", "-c", str(concurrency), "--loglevel", "WARNING"]
    app.worker_main([*argv, "--without-gossip", "--without-mingle", "--without-heartbeat"])


def celery_timed(app: Any, workload: str, n: int, log_path: str | None) -> tuple[float, int]:
    from celery import chain, chord

    noop, join = app.tasks["bench.noop"], app.tasks["bench.join"]
    t0 = time.perf_counter()
    if workload == "w2":
        result = chord([noop.si(i) for i in range(n)], join.s()).apply_async().get(timeout=600)
    else:
        sig = chain(noop.si(i, log_path) for i in range(n))
        result = sig.apply_async().get(timeout=600)
    return time.perf_counter() - t0, int(result)


async def celery_measure(workload: str, n: int, args: argparse.Namespace) -> dict[str, Any]:
    vhost = f"bench-{uuid.uuid4().hex[:10]}"
    work = Path(tempfile.mkdtemp(prefix="bench-celery-"))
    broker = await rabbit_vhost(vhost)
    redis_port = free_port()
    procs = Procs(work)
    try:
        procs.start(
            "redis",
            [
                "redis-server",
                "--port",
                str(redis_port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(work),
            ],
            dict(os.environ),
        )
        backend = f"redis://127.0.0.1:{redis_port}/0"
        worker_argv = [
            sys.executable,
            str(Path(__file__)),
            "--celery-worker",
            broker,
            backend,
            str(args.celery_concurrency),
        ]
        procs.start("worker", worker_argv, dict(os.environ))
        app = celery_app(broker, backend)
        await asyncio.to_thread(lambda: app.tasks["bench.noop"].delay(0).get(timeout=120))
        log_path = str(work / "executions.log") if workload == "w5" else None
        stop = asyncio.Event()
        sampler = asyncio.create_task(procs.sampler(stop))
        killer = None
        if workload == "w5":
            killer = asyncio.create_task(
                asyncio.to_thread(celery_kill_midway, procs, worker_argv, Path(log_path or ""), n)
            )
        cpu0 = procs.cpu_s()
        wall, result = await asyncio.to_thread(celery_timed, app, workload, n, log_path)
        row: dict[str, Any] = {"wall_s": wall, "cpu_s": procs.cpu_s() - cpu0, "steps": n}
        stop.set()
        await sampler
        row["peak_rss_mb"] = procs.peak_rss
        row["status"] = "succeeded" if result in (n, n - 1) else f"result {result}"
        if killer is not None:
            row.update(await killer)
            runs = Counter(read_steps(Path(log_path or "")))
            row["lost"] = sum(1 for i in range(n) if runs[str(i)] == 0)
            row["duplicates"] = sum(c - 1 for c in runs.values() if c > 1)
        app.close()
        return row
    finally:
        procs.stop_all()
        await rabbit_vhost(vhost, delete=True)
        shutil.rmtree(work, ignore_errors=True)


def read_steps(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []


def celery_kill_midway(procs: Procs, argv: list[str], log: Path, n: int) -> dict[str, Any]:
    """Runs in a thread: kill the worker once n/2 steps ran, restart it, time to next step."""
    while len(read_steps(log)) < n // 2:
        time.sleep(0.005)
    done = len(read_steps(log))
    killed_at = time.monotonic()
    procs.kill("worker")
    procs.start("worker", argv, dict(os.environ))
    while len(read_steps(log)) <= done:
        time.sleep(0.005)
    return {"killed_at_step": done, "recovery_s": time.monotonic() - killed_at}


# --- DBOS (PostgreSQL), through the embedded benchmark's own child --------------------


def dbos_measure_all(workloads: list[str], n: int) -> list[dict[str, Any]]:
    wanted = [w for w in workloads if w in ("w1", "w2")]
    if not wanted:
        return []
    cmd = [
        sys.executable,
        str(HERE / "measure.py"),
        "--system",
        "dbos",
        "--backend",
        "postgres",
        "--workloads",
        ",".join(wanted),
        "--n",
        str(n),
        "--tag",
        "cluster",
    ]
    out = subprocess.run(cmd, cwd=HERE, capture_output=True, text=True, timeout=1800, check=False)
    rows = [
        json.loads(line.split(" ", 1)[1])
        for line in out.stdout.splitlines()
        if line.startswith("BENCH_RESULT ")
    ]
    if not rows:
        raise RuntimeError(out.stderr[-2000:])
    return rows


# --- driver -------------------------------------------------------------------------------


async def measure_round(args: argparse.Namespace, rows: list[dict[str, Any]]) -> None:
    """One repeat: every system, every workload, interleaved so load drifts hit all alike."""
    for workload in args.workloads:
        for system, fn in (("nexus-cluster", nexus_measure), ("celery", celery_measure)):
            if system.split("-")[0] not in args.systems:
                continue
            row = {"system": system, "workload": workload, "n": args.n}
            try:
                row.update(await fn(workload, args.n, args))
                w5_recovery(row)
            except Exception as exc:
                row["error"] = f"{type(exc).__name__}: {exc}"[:500]
            row.pop("commit_times", None)
            print(json.dumps(row, default=str), flush=True)
            rows.append(row)
    if "dbos" in args.systems:
        for row in await asyncio.to_thread(dbos_measure_all, args.workloads, args.n):
            row["system"] = "dbos"
            print(json.dumps(row, default=str), flush=True)
            rows.append(row)


def summarise(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Median per (system, workload) over the repeats that did not fail."""
    out: list[dict[str, Any]] = []
    keys = sorted({(r["system"], r["workload"]) for r in rows})
    for system, workload in keys:
        ok = [
            r
            for r in rows
            if (r["system"], r["workload"]) == (system, workload) and "error" not in r
        ]
        errors = [
            r["error"]
            for r in rows
            if (r["system"], r["workload"]) == (system, workload) and "error" in r
        ]
        s: dict[str, Any] = {
            "system": system,
            "workload": workload,
            "ok": len(ok),
            "errors": errors[:2],
        }
        if ok:
            walls = [r["wall_s"] for r in ok]
            n = ok[0]["steps"]
            s |= {
                "n": n,
                "per_step_ms": [1000 * w / n for w in walls],
                "ms_per_step": 1000 * statistics.median(walls) / n,
                "min_ms": 1000 * min(walls) / n,
                "max_ms": 1000 * max(walls) / n,
                "tasks_per_s": n / statistics.median(walls),
                "cpu_ms_per_step": 1000 * statistics.median(r.get("cpu_s", 0) for r in ok) / n,
                "peak_rss_mb": max(r.get("peak_rss_mb", 0) for r in ok),
            }
            for k in (
                "recovery_s",
                "restart_s",
                "lost",
                "duplicates",
                "reexecuted",
                "killed_at_step",
            ):
                vals = [r[k] for r in ok if r.get(k) is not None]
                if vals:
                    s[k] = statistics.median(vals) if k.endswith("_s") else max(vals)
        out.append(s)
    return out


def fmt(v: Any, digits: int = 3) -> str:
    if v is None:
        return "n/a"
    return f"{v:.{digits}f}" if isinstance(v, float) else str(v)


def render(summary: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    lines = [
        BEGIN,
        "",
        "## Cluster mode (issue 5 item 8; written by `cluster.py`)",
        "",
        "Command:",
        "",
        "```",
        meta["command"],
        "```",
        "",
        f"Started {meta['started']}; load at start {meta['load_start']}, at end "
        f"{meta['load_end']}; {meta['nproc']} cores; lease {meta['lease_s']} s; Nexus: 1 "
        f"orchestrator + 1 cpu worker process (concurrency {meta['concurrency']}) over "
        f"RabbitMQ and PostgreSQL; Celery {meta['celery']}: RabbitMQ broker, acks_late, "
        f"prefork -c {meta['celery_concurrency']}, Redis result backend; DBOS "
        f"{meta['dbos']} on the same PostgreSQL server. Raw rows: `cluster_results.json`.",
        "",
        "| system | workload | n | ok | per-step ms median | min | max | tasks/s | "
        "CPU ms/step (started processes) | peak RSS MB (sum) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in summary:
        if s["workload"] == "w5":
            continue
        lines.append(
            f"| {s['system']} | {s['workload']} | {s.get('n', 'n/a')} | {s['ok']} | "
            f"{fmt(s.get('ms_per_step'))} | {fmt(s.get('min_ms'))} | {fmt(s.get('max_ms'))} | "
            f"{fmt(s.get('tasks_per_s'), 0)} | {fmt(s.get('cpu_ms_per_step'))} | "
            f"{fmt(s.get('peak_rss_mb'), 0)} |"
        )
    lines += [
        "",
        "W5 (SIGKILL the worker at step ~n/2 of W1, restart it at once):",
        "",
        "| system | ok | killed at step | recovery s (kill to next commit) | worker "
        "restart s | lost steps | duplicate commits | re-executions |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in (s for s in summary if s["workload"] == "w5"):
        lines.append(
            f"| {s['system']} | {s['ok']} | {fmt(s.get('killed_at_step'))} | "
            f"{fmt(s.get('recovery_s'))} | {fmt(s.get('restart_s'))} | {fmt(s.get('lost'))} | "
            f"{fmt(s.get('duplicates'))} | {fmt(s.get('reexecuted'))} |"
        )
    lines += ["", *targets(summary, float(meta["lease_s"])), "", *NOTES, "", END, ""]
    return "\n".join(lines)


NOTES = [
    "Notes:",
    "",
    "- W5 lost / duplicate columns are the maximum over the repeats; recovery and restart are",
    "  medians. Nexus recovery includes starting the new worker process (its import time on",
    "  this loaded machine); its one re-execution is the step in flight at the kill, committed",
    "  once (the commit is fenced by attempt). Celery duplicates are re-executed steps: with",
    "  `acks_late` a step that already published its successor is redelivered and publishes it",
    "  again, so the chain forks and every later step runs twice (~n/2 duplicates), or only",
    "  the in-flight step repeats (1); which one happens depends on the kill's timing.",
    "- W1 Nexus: each step is one statement in the worker process, in autocommit: the commit,",
    "  the output, the eager claim of the successor predicted when the step was claimed, the",
    "  events and the next prediction (ADR 0016; the chain's first step, and any step whose",
    "  prediction fails, is the step transaction of ADRs 0014-0015), with the default",
    "  `database.step_commit = async`. Wall above CPU is waiting for PostgreSQL on this",
    "  shared 2-core machine. DBOS W5 is not measured (ADR 0063).",
]


def targets(summary: list[dict[str, Any]], lease_s: float) -> list[str]:
    by = {(s["system"], s["workload"]): s for s in summary}
    nexus = by.get(("nexus-cluster", "w1"), {}).get("ms_per_step")
    out = ["Targets (issue 5):", ""]
    if nexus is not None:
        out.append(
            f"- W1 Nexus cluster {nexus:.3f} ms/step (target <= 3 ms): "
            f"{'met' if nexus <= 3 else 'NOT met'}"
        )
        ours = by[("nexus-cluster", "w1")]["per_step_ms"]
        for peer, factor in (("celery", 3.0), ("dbos", 2.0)):
            other = by.get((peer, "w1"), {}).get("per_step_ms")
            if other:
                text, met = ratio_verdict(other, ours, factor)
                out.append(
                    f"- W1 {peer}/Nexus = {text} (target >= {factor}x, by both): "
                    f"{'met' if met else 'NOT met'}"
                )
    w5 = by.get(("nexus-cluster", "w5"))
    if w5 and w5.get("recovery_s") is not None:
        rec, lost, dup = w5["recovery_s"], w5.get("lost"), w5.get("duplicates")
        ok = rec <= 2 * lease_s and lost == 0 and dup == 0
        out.append(
            f"- W5 Nexus recovery {rec:.2f} s (target <= 2 x lease = {2 * lease_s:.0f} s), "
            f"lost {lost}, duplicate commits {dup}: {'met' if ok else 'NOT met'}"
        )
    return out


def write_report(section: str) -> None:
    """Replace this script's own section of REPORT.md (between its markers) or append it;
    the rest of the report belongs to run.py and its owner."""
    text = REPORT.read_text() if REPORT.exists() else ""
    if BEGIN in text and END in text:
        head, _, rest = text.partition(BEGIN)
        _, _, tail = rest.partition(END)
        text = head + section.rstrip("\n") + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section
    REPORT.write_text(text)


def run_chaos(runs: int, events: int) -> int:
    """The chaos suite at bench size (it owns its services, processes and assertions)."""
    env = {**os.environ, "NEXUS_CHAOS_RUNS": str(runs), "NEXUS_CHAOS_EVENTS": str(events)}
    cmd = [
        "uv",
        "run",
        "pytest",
        "tests/integration/test_chaos.py",
        "-q",
        "-s",
        "-o",
        "timeout=3600",
        "-p",
        "no:cacheprovider",
    ]
    return subprocess.run(cmd, cwd=REPO, env=env, check=False).returncode


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--workloads", default="w1,w2,w5")
    p.add_argument("--systems", default="nexus,celery,dbos")
    p.add_argument("--lease-s", type=float, default=5.0)
    p.add_argument("--concurrency", type=int, default=8, help="Nexus worker slots")
    p.add_argument("--celery-concurrency", type=int, default=2, help="Celery prefork children")
    p.add_argument("--report", action="store_true", help="write the section of REPORT.md")
    p.add_argument("--rerender", action="store_true", help="rewrite the section from the JSON")
    p.add_argument("--chaos", action="store_true", help="run the chaos suite at bench size")
    p.add_argument("--chaos-runs", type=int, default=400)
    p.add_argument("--chaos-events", type=int, default=40)
    p.add_argument(
        "--celery-worker", nargs=3, metavar=("BROKER", "BACKEND", "C"), help=argparse.SUPPRESS
    )
    args = p.parse_args(argv)
    args.workloads = args.workloads.split(",")
    args.systems = args.systems.split(",")
    return args


async def main(args: argparse.Namespace) -> int:
    facts = read_machine_facts()
    meta = {
        "command": "uv run python bench/orchestrator/cluster.py " + " ".join(sys.argv[1:]),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "load_start": read_load(),
        "nproc": facts.get("nproc"),
        "lease_s": args.lease_s,
        "concurrency": args.concurrency,
        "celery_concurrency": args.celery_concurrency,
        "celery": metadata.version("celery"),
        "dbos": metadata.version("dbos"),
    }
    rows: list[dict[str, Any]] = []
    for _ in range(args.repeats):
        await measure_round(args, rows)
    meta["load_end"] = read_load()
    summary = summarise(rows)
    RESULTS.write_text(
        json.dumps({"meta": meta, "rows": rows, "summary": summary}, indent=1, default=str)
    )
    section = render(summary, meta)
    print(section)
    if args.report:
        write_report(section)
    return 0


if __name__ == "__main__":
    ARGS = parse_args()
    if ARGS.celery_worker:
        broker_url, backend_url, conc = ARGS.celery_worker
        celery_worker_main(broker_url, backend_url, int(conc))
    elif ARGS.rerender:
        saved = json.loads(RESULTS.read_text())
        write_report(render(summarise(saved["rows"]), saved["meta"]))
    elif ARGS.chaos:
        sys.exit(run_chaos(ARGS.chaos_runs, ARGS.chaos_events))
    else:
        sys.exit(asyncio.run(main(ARGS)))
