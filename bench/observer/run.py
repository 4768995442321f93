"""Observer benchmark: SLA evaluation over many finished runs and `explain_run` on a large run,
each beside the plain reads it builds on (medians of repeated timings; writes REPORT.md).

    uv run python bench/observer/run.py [--runs 100000] [--jobs 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from nexus.core.ids import utcnow
from nexus.core.settings import Settings, SlaSettings
from nexus.gateway.services.observe import explain_run
from nexus.observer.sla import RunSample, evaluate_slas
from nexus.orchestrator import queries
from nexus.platform import Platform

REPORT = Path(__file__).with_name("REPORT.md")
REPEAT = 7


def median_ms(fn: Callable[[], Any], repeat: int = REPEAT) -> float:
    times: list[float] = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


async def amedian_ms(fn: Callable[[], Awaitable[Any]], repeat: int = REPEAT) -> float:
    times: list[float] = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        await fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def sla_rows(runs: int) -> list[str]:
    now = utcnow()
    samples = [
        RunSample(
            "studio" if i % 2 else "demo",
            "failed" if i % 13 == 0 else "succeeded",
            now - timedelta(seconds=i + 30 + i % 97),
            now - timedelta(seconds=i),
        )
        for i in range(runs)
    ]
    slas = [
        SlaSettings(name="s", pipeline="studio", duration_s=60, max_failure_rate=0.1),
        SlaSettings(name="d", pipeline="demo", duration_s=60, max_failure_rate=0.1),
    ]
    evaluate = median_ms(lambda: evaluate_slas(slas, samples, now, window_s=10 * runs))
    baseline = median_ms(lambda: sorted(s.duration_s or 0.0 for s in samples))
    return [
        f"| SLA evaluation, 2 SLAs, {runs:,} runs | {evaluate:.1f} ms "
        f"| sort of the durations: {baseline:.1f} ms | {evaluate / baseline:.1f}x |"
    ]


async def explain_rows(jobs: int) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(env="test", data_dir=Path(tmp), orchestrator={"process_workers": 0})
        platform = await Platform(settings).start_embedded()
        try:
            run_id, _ = await platform.create_run("fanout", {"n": jobs})
            await platform.wait_for_run(run_id, timeout_s=600)

            async def reads() -> None:
                async with platform.db.read() as conn:
                    await queries.read_run(conn, run_id)
                    await queries.list_jobs(conn, run_id)
                    await queries.list_job_deps(conn, run_id)
                    await queries.list_events(conn, run_id, limit=1_000_000)

            raw = await amedian_ms(reads)
            explained = await amedian_ms(lambda: explain_run(platform, run_id, tenant_id=None))
        finally:
            await platform.close()
    return [
        f"| explain_run, fan-out of {jobs:,} jobs (SQLite) | {explained:.1f} ms "
        f"| the same four reads alone: {raw:.1f} ms | {explained / raw:.2f}x |"
    ]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=1000)
    args = parser.parse_args()
    rows = sla_rows(args.runs) + await explain_rows(args.jobs)
    text = "\n".join(
        [
            "# Observer benchmark",
            "",
            f"Medians of {REPEAT} timings, `uv run python bench/observer/run.py`. The machine "
            "(2 cores) is shared with other engineers' work while this runs: absolute figures "
            "are loaded figures, the ratios are taken side by side in the same run.",
            "",
            "| what | median | beside | ratio |",
            "|---|---|---|---|",
            *rows,
            "",
        ]
    )
    REPORT.write_text(text)
    print(text)


if __name__ == "__main__":
    asyncio.run(main())
