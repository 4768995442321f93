"""Where a Nexus step's time goes: SQL statements, transactions and time inside the driver per
step of W1/W2, plus a cProfile of the run (top functions by cumulative time). A diagnostic for
the orchestrator's owner, not part of the report. Usage:
uv run python bench/orchestrator/profile_step.py --backend sqlite --workload w1 --n 300
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from infra import create_database, drop_database, new_db_name
from sqlalchemy import event
from systems import Target
from systems.nexus_embedded import PIPELINES, build_settings

from nexus.core.logging import configure_logging
from nexus.platform import Platform


class SqlMeter:
    """Counts statements (by leading verb and table), commits and time spent in the driver."""

    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()
        self.commits = 0
        self.sql_s = 0.0
        self._t0 = 0.0

    def attach(self, sync_engine: Any) -> None:
        event.listen(sync_engine, "before_cursor_execute", self._before)
        event.listen(sync_engine, "after_cursor_execute", self._after)
        event.listen(sync_engine, "commit", self._commit)

    def _before(self, *_: Any) -> None:
        self._t0 = time.perf_counter()

    def _after(self, _conn: Any, _cur: Any, statement: str, *_: Any) -> None:
        self.sql_s += time.perf_counter() - self._t0
        words = statement.split()
        table = next((w for w in words[1:6] if w.islower() or w.startswith('"')), "")
        self.kinds[f"{words[0]} {table}".strip()] += 1

    def _commit(self, *_: Any) -> None:
        self.commits += 1

    def attach_prepared(self) -> None:
        """Count prepared statements too: they run on the raw driver, past SQLAlchemy's events."""
        import nexus.core.db as db

        def wrap(fn: Any, is_async: bool) -> Any:
            def record(prepared: Any, dialect: Any, params: Any) -> None:
                words = prepared.plan_for(dialect, _first(params)).sql.split()
                table = next((w for w in words[1:6] if w.islower() or w.startswith('"')), "")
                self.kinds[f"{words[0]} {table}".strip()] += 1

            async def run_async(driver: Any, prepared: Any, dialect: Any, params: Any) -> Any:
                t0 = time.perf_counter()
                try:
                    return await fn(driver, prepared, dialect, params)
                finally:
                    self.sql_s += time.perf_counter() - t0
                    record(prepared, dialect, params)

            def run_sync(driver: Any, prepared: Any, dialect: Any, params: Any) -> Any:
                t0 = time.perf_counter()
                try:
                    return fn(driver, prepared, dialect, params)
                finally:
                    self.sql_s += time.perf_counter() - t0
                    record(prepared, dialect, params)

            return run_async if is_async else run_sync

        db.run_sqlite = wrap(db.run_sqlite, False)
        db.run_asyncpg = wrap(db.run_asyncpg, True)


def _first(params: Any) -> Any:
    return (params[0] if params else {}) if isinstance(params, list) else (params or {})


async def profile(backend: str, workload: str, n: int, top: int, sort: str = "cumulative") -> None:
    """``top`` > 0 runs under cProfile (which roughly doubles CPU time) and prints it."""
    configure_logging(level="WARNING")
    workdir = Path(tempfile.mkdtemp(prefix="bench-prof-"))
    pg_db = new_db_name("prof") if backend == "postgres" else None
    if pg_db:
        await create_database(pg_db)
    try:
        platform = await Platform(build_settings(Target(backend, workdir, pg_db))).start_embedded()
        meter = SqlMeter()
        sync = platform.db._sync or platform.db.engine.sync_engine
        meter.attach(sync)
        meter.attach_prepared()
        prof = cProfile.Profile()
        t0, cpu0 = time.perf_counter(), time.process_time()
        if top:
            prof.enable()
        run_id, _ = await platform.create_run(PIPELINES[workload], {"n": n})
        await platform.wait_for_run(run_id, poll_s=1.0)
        prof.disable()
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        await platform.close()
    finally:
        if pg_db:
            await drop_database(pg_db)
        shutil.rmtree(workdir, ignore_errors=True)
    print_summary(meter, wall, cpu, n)
    if top:
        pstats.Stats(prof).sort_stats(sort).print_stats(top)


def print_summary(meter: SqlMeter, wall: float, cpu: float, n: int) -> None:
    total = sum(meter.kinds.values())
    print(
        f"wall {wall:.3f} s = {1000 * wall / n:.3f} ms/step; process CPU {1000 * cpu / n:.3f}"
        f" ms/step; time in SQL driver {1000 * meter.sql_s / n:.3f} ms/step"
    )
    print(
        f"statements {total / n:.1f}/step, commits {meter.commits / n:.2f}/step "
        "(wait_for_run polls included)"
    )
    for kind, count in meter.kinds.most_common(25):
        print(f"  {count / n:6.2f}/step  {kind}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--workload", choices=["w1", "w2"], default="w1")
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--top", type=int, default=0, help="cProfile lines (0: no profiler)")
    parser.add_argument("--sort", default="cumulative", help="pstats key, e.g. tottime")
    args = parser.parse_args()
    asyncio.run(profile(args.backend, args.workload, args.n, args.top, args.sort))


if __name__ == "__main__":
    main()
