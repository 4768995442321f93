"""GET run against four servers measured side by side in one run, as two pairs measured
back to back in each repeat (who goes first alternates), so ratios compare like with like on
a shared machine; besides req/s and latency, the servers' own CPU time per answered request
(psutil, all worker processes), the steadier figure when other jobs load the machine:

- ``baseline``: ``nexus serve`` (embedded, SQLite, 1 worker) of the git ref before the
  gateway hardening (``--baseline``, default the branch point);
- ``serve-1``: ``nexus serve`` of this tree, 1 worker (membership check, request log on);
- ``serve-1-quiet``: the same with ``NEXUS_LOG_LEVEL=WARNING`` (no request lines);
- ``api-1`` / ``api-2``: ``nexus api --workers 1|2`` on PostgreSQL + Redis.

    uv run python bench/api/run_bench.py [--seconds 10] [--repeats 3] [--connections 8]

Prints a Markdown table and writes bench/api/results.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
from servers import REPO, Server, baseline_tree, start, stop

HERE = Path(__file__).resolve().parent
BASELINE_REF = "d3f4b25"


def server_cpu_s(server: Server) -> float:
    assert server.proc is not None
    root = psutil.Process(server.proc.pid)
    total = 0.0
    for proc in [root, *root.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def load(server: Server, *, seconds: float, connections: int) -> dict[str, Any]:
    """The load runs in its own process (loadgen.py), one user per connection."""
    before = server_cpu_s(server)
    result = _loadgen(server, seconds=seconds, connections=connections)
    spent = server_cpu_s(server) - before
    result["server_cpu_us_per_req"] = round(spent / max(1, result["answered"]) * 1e6, 1)
    return result


def _loadgen(server: Server, *, seconds: float, connections: int) -> dict[str, Any]:
    cmd = [
        sys.executable,
        str(HERE / "loadgen.py"),
        "--url",
        server.run_url,
        "--tokens",
        str(server.data_dir / "tokens.txt"),
        "--connections",
        str(connections),
        "--seconds",
        str(seconds),
    ]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted((REPO / "src" / "nexus").rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def med(key: str) -> float:
        return round(statistics.median(r[key] for r in rows), 2)

    return {
        "rps_median": med("rps"),
        "rps_min": min(r["rps"] for r in rows),
        "rps_max": max(r["rps"] for r in rows),
        "p50_ms_median": med("p50_ms"),
        "p99_ms_median": med("p99_ms"),
        "cpu_us_per_req_median": med("server_cpu_us_per_req"),
        "statuses": sum_statuses(rows),
    }


def ratio_set(raw: dict[str, list[dict[str, Any]]], a: str, b: str) -> dict[str, float]:
    """Ratio of medians, and the median of the per-repeat (paired) ratios."""

    def of(key: str) -> dict[str, float]:
        medians = statistics.median(r[key] for r in raw[a]) / statistics.median(
            r[key] for r in raw[b]
        )
        paired = statistics.median(x[key] / y[key] for x, y in zip(raw[a], raw[b], strict=True))
        return {f"{key} ratio of medians": round(medians, 3), f"{key} paired": round(paired, 3)}

    return {**of("rps"), **of("server_cpu_us_per_req")}


def sum_statuses(rows: list[dict[str, Any]]) -> dict[str, int]:
    total: dict[str, int] = {}
    for r in rows:
        for code, n in r["statuses"].items():
            total[str(code)] = total.get(str(code), 0) + n
    return total


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--baseline", default=BASELINE_REF)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="nexus-bench-api-"))
    port = 18000 + os.getpid() % 900
    servers = [
        Server("baseline", 1, port, root / "baseline"),
        Server("serve-1", 1, port + 1, root / "serve-1"),
        Server("serve-1-quiet", 1, port + 4, root / "serve-1-quiet", log_level="WARNING"),
        Server("api-1", 1, port + 2, root / "api-1"),
        Server("api-2", 2, port + 3, root / "api-2"),
    ]
    env: dict[str, Any] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_avg_1m_start": os.getloadavg()[0],
        "commit": subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
        ).stdout.strip(),
        "src_fingerprint_start": fingerprint(),
        "baseline": args.baseline,
        "seconds": args.seconds,
        "repeats": args.repeats,
        "connections": args.connections,
        "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    }
    raw: dict[str, list[dict[str, Any]]] = {s.name: [] for s in servers}
    try:
        src = baseline_tree(args.baseline)
        for s in servers:
            start(
                s,
                users=args.connections,
                src=src if s.name == "baseline" else None,
                cluster=s.name.startswith("api"),
            )
            print(f"started {s.name}", flush=True)
        for r in range(args.repeats):
            order = servers[r % len(servers) :] + servers[: r % len(servers)]
            for s in order:
                result = load(s, seconds=args.seconds, connections=args.connections)
                raw[s.name].append(result)
                print(
                    f"repeat {r + 1} {s.name}: {result['rps']} req/s, p99 {result['p99_ms']} ms",
                    flush=True,
                )
    finally:
        for s in servers:
            stop(s)
    env["load_avg_1m_end"] = os.getloadavg()[0]
    env["src_fingerprint_end"] = fingerprint()
    summary = {name: summarise(rows) for name, rows in raw.items()}
    ratios = {
        "serve-1 / baseline": ratio_set(raw, "serve-1", "baseline"),
        "serve-1-quiet / baseline": ratio_set(raw, "serve-1-quiet", "baseline"),
        "api-2 / api-1": ratio_set(raw, "api-2", "api-1"),
    }
    out = {"env": env, "summary": summary, "ratios": ratios, "raw": raw}
    (HERE / "results.json").write_text(json.dumps(out, indent=2) + "\n")
    print(f"env: {env}")
    print("| server | workers | req/s median (min-max) | p50 ms | p99 ms | CPU us/req | statuses |")
    print("|---|---|---|---|---|---|---|")
    for s in servers:
        m = summary[s.name]
        print(
            f"| {s.name} | {s.workers} | {m['rps_median']} ({m['rps_min']}-{m['rps_max']}) | "
            f"{m['p50_ms_median']} | {m['p99_ms_median']} | {m['cpu_us_per_req_median']} | "
            f"{m['statuses']} |"
        )
    print(f"ratios: {ratios}")


if __name__ == "__main__":
    main()
