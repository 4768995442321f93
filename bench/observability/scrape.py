"""/metrics scrape latency with 10,000 runs in PostgreSQL (issue 14 target: <= 50 ms).

Fills a fresh database with ``--runs`` runs of ``--jobs`` jobs each (95% finished, the rest
running, ready or pending, like a busy deployment's history), then times the API's
exposition of the state gauges: ``StateGauges.refresh`` (the grouped queries, cache off)
plus rendering the api share of the catalogue, ``--repeats`` times; p50 and p99.

    uv run python bench/observability/scrape.py --runs 10000 --jobs 5
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "orchestrator"))
from infra import create_database, drop_database, new_db_name, pg_url, read_load  # noqa: E402

from nexus.budgets.gauges import utilisation  # noqa: E402
from nexus.core.ids import new_id, utcnow  # noqa: E402
from nexus.core.migrate import migrate  # noqa: E402
from nexus.core.settings import load_settings  # noqa: E402
from nexus.gateway.middleware import Metrics  # noqa: E402
from nexus.observer import exposition  # noqa: E402
from nexus.orchestrator import gauges, tables  # noqa: E402
from nexus.platform import Platform  # noqa: E402

PIPELINES = ["studio", "demo", "chain", "fanout"]
SKILLS = ["studio.plan", "studio.tts", "studio.render", "studio.compose", "demo.work"]
ACTIVE = ["running", "ready", "pending"]


def rows_for(runs: int, jobs: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    rng = random.Random(14)
    now = utcnow()
    run_rows, job_rows = [], []
    common = {"tenant_id": "t", "project_id": "p", "created_at": now, "updated_at": now}
    for i in range(runs):
        run_id = new_id("run")
        live = rng.random() < 0.05
        status = "running" if live else rng.choice(["succeeded"] * 8 + ["failed", "cancelled"])
        run_rows.append(
            {
                "run_id": run_id,
                "pipeline": PIPELINES[i % 4],
                "params": {},
                "status": status,
                "trace_id": run_id[-32:],
                **common,
            }
        )
        for k in range(jobs):
            state = rng.choice(ACTIVE) if live else "succeeded"
            job_rows.append(
                {
                    "job_id": new_id("job"),
                    "run_id": run_id,
                    "node_key": f"n{k}",
                    "skill": SKILLS[k % len(SKILLS)],
                    "skill_version": "1",
                    "params": {},
                    "status": state,
                    "pool": "cpu" if k % 2 else "gpu",
                    **common,
                }
            )
    return run_rows, job_rows


async def main(args: argparse.Namespace) -> None:
    db = new_db_name("scrape")
    await create_database(db)
    try:
        settings = load_settings(env="test", database={"url": pg_url(db, "+asyncpg")})
        platform = Platform(settings)
        await migrate(platform.db.engine)
        run_rows, job_rows = rows_for(args.runs, args.jobs)
        async with platform.db.transaction() as conn:
            for i in range(0, len(run_rows), 2000):
                await conn.execute(tables.RUNS.insert(), run_rows[i : i + 2000])
            for i in range(0, len(job_rows), 2000):
                await conn.execute(tables.JOBS.insert(), job_rows[i : i + 2000])
        async with platform.db.read() as conn:
            await conn.execute(tables.RUNS.select().limit(1))  # warm the pool
        platform.gauges.ttl_s = 0.0
        http = Metrics()
        times, sizes = [], 0
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            await platform.gauges.refresh()
            body = exposition.render("api", http.registry, platform.gauges)
            times.append((time.perf_counter() - t0) * 1000)
            sizes = len(body)
        parts: dict[str, list[float]] = {"runs": [], "active jobs": [], "budgets": []}
        for _ in range(max(10, args.repeats // 4)):
            async with platform.db.read() as conn:
                for name, stmt in (
                    ("runs", gauges.RUNS_BY_STATE),
                    ("active jobs", gauges.ACTIVE_JOBS),
                ):
                    t0 = time.perf_counter()
                    (await conn.execute(stmt)).all()
                    parts[name].append((time.perf_counter() - t0) * 1000)
                t0 = time.perf_counter()
                await utilisation(conn)
                parts["budgets"].append((time.perf_counter() - t0) * 1000)
        await platform.close()
    finally:
        await drop_database(db)
    times.sort()
    p50 = statistics.median(times)
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    lines = [
        f"scrape with {args.runs} runs x {args.jobs} jobs ({len(job_rows)} jobs) in PostgreSQL,",
        f"{args.repeats} scrapes, cache off: p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
        f"max {times[-1]:.1f} ms; exposition {sizes} bytes (target p99 <= 50 ms)",
        "median per query: "
        + ", ".join(f"{k} {statistics.median(v):.1f} ms" for k, v in parts.items()),
        f"load average at the end: {read_load()} (2 cores, shared with other helpers)",
    ]
    print("\n".join(lines))
    (HERE / "scrape_result.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=100)
    asyncio.run(main(parser.parse_args()))
