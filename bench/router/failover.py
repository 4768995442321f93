"""Failover: the ``models`` pipeline (n independent chat jobs) on embedded SQLite against
two OpenAI protocol fakes, side by side in one invocation: ``baseline`` (the primary
answers) and ``failover`` (the primary answers 500 to every chat request). Per-job latency
from the job rows (started -> finished). Checks: the run succeeds, no job failed or was
retried, every failover job was served by the secondary.

    uv run python bench/router/failover.py [--n 40] [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from common import ROOT, pct

sys.path.insert(0, str(ROOT))

from tests.fakes.openai_server import OpenAIServer

from nexus.core.logging import configure_logging
from nexus.core.settings import Settings
from nexus.orchestrator import queries
from nexus.platform import Platform


def provider(name: str, url: str) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "openai",
        "base_url": f"{url}/v1",
        "api_key": "sk-bench",
        "models": [
            {
                "name": "chat",
                "capabilities": ["chat"],
                "prices": {"input_per_mtok": 1.0, "output_per_mtok": 2.0},
            }
        ],
    }


async def one(scenario: str, n: int, workdir: Path) -> dict[str, Any]:
    with OpenAIServer(api_key="sk-bench") as primary, OpenAIServer(api_key="sk-bench") as second:
        if scenario == "failover":
            primary.fail("/v1/chat", "500")
        settings = Settings(
            data_dir=workdir,
            providers=[provider("primary", primary.url), provider("secondary", second.url)],
            router={"preferences": {"chat": ["primary", "secondary"]}},
            orchestrator={"process_workers": 0},
        )
        platform = await Platform(settings).start_embedded()
        try:
            run_id, _ = await platform.create_run("models", {"n": n})
            run = await platform.wait_for_run(run_id, timeout_s=600)
            async with platform.db.read() as conn:
                jobs = await queries.list_jobs(conn, run_id)
                outs = [await queries.read_job_output(conn, j) or {} for j in jobs]
                events = await queries.list_events(conn, run_id, limit=100_000)
        finally:
            await platform.close()
        latencies = [(j.finished_at - j.started_at).total_seconds() * 1000 for j in jobs]
        return {
            "scenario": scenario,
            "status": run.status,
            "providers": sorted({o.get("provider", "?") for o in outs}),
            "failed_or_retried": sum(1 for j in jobs if j.status != "succeeded" or j.attempt > 1),
            "failovers": sum(1 for e in events if e.type == "nexus.dispatch.failed_over"),
            "primary_requests": primary.submissions("/v1/chat/completions"),
            "latencies_ms": latencies,
        }


async def measure(n: int, repeats: int) -> list[dict[str, Any]]:
    configure_logging(level="ERROR")
    rows = []
    for r in range(repeats):
        for scenario in ("baseline", "failover") if r % 2 == 0 else ("failover", "baseline"):
            with tempfile.TemporaryDirectory() as tmp:
                rows.append(await one(scenario, n, Path(tmp)))
    return rows


def render(rows: list[dict[str, Any]], n: int, repeats: int) -> str:
    lines = [
        f"`models` pipeline, n={n} chat jobs per run, {repeats} runs per scenario (order "
        "alternated), embedded SQLite, two OpenAI protocol fakes on loopback.",
        "",
        "| scenario | run | served by | failed/retried jobs | failover events | primary "
        "requests | job median ms | job p95 ms | job max ms |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lat = r["latencies_ms"]
        lines.append(
            f"| {r['scenario']} | {r['status']} | {','.join(r['providers'])} | "
            f"{r['failed_or_retried']} | {r['failovers']} | {r['primary_requests']} | "
            f"{statistics.median(lat):.1f} | {pct(lat, 0.95):.1f} | {max(lat):.1f} |"
        )
    base = [x for r in rows if r["scenario"] == "baseline" for x in r["latencies_ms"]]
    fail = [x for r in rows if r["scenario"] == "failover" for x in r["latencies_ms"]]
    lines += [
        "",
        f"Extra latency per job, failover vs baseline: median "
        f"{statistics.median(fail) - statistics.median(base):+.1f} ms, p95 "
        f"{pct(fail, 0.95) - pct(base, 0.95):+.1f} ms, worst job {max(fail):.1f} ms "
        f"(baseline worst {max(base):.1f} ms).",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(render(asyncio.run(measure(args.n, args.repeats)), args.n, args.repeats))
