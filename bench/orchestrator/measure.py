"""One benchmark child process: runs one system's workloads, each on a fresh database, and
prints one result line per workload. A separate process per system keeps peak RSS honest."""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

from infra import create_database, drop_database, new_db_name
from systems import Target, load_adapter

RESULT_PREFIX = "BENCH_RESULT "


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--system", required=True)
    parser.add_argument("--backend", required=True, choices=["sqlite", "postgres"])
    parser.add_argument("--workloads", required=True, help="comma-separated, e.g. w1,w2")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--tag", default="adhoc", help="database name tag of this invocation")
    return parser.parse_args(argv)


async def measure_one(adapter: Any, workload: str, args: argparse.Namespace) -> dict[str, Any]:
    """A fresh database per measurement, so no run ever sees another run's cache or rows."""
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{args.system}-"))
    pg_db = new_db_name(args.tag) if args.backend == "postgres" else None
    if pg_db is not None:
        await create_database(pg_db)
    try:
        target = Target(backend=args.backend, workdir=workdir, pg_db=pg_db)
        return await adapter.measure(workload, args.n, target)
    finally:
        if pg_db is not None:
            await drop_database(pg_db)
        shutil.rmtree(workdir, ignore_errors=True)


async def main(args: argparse.Namespace) -> int:
    adapter = load_adapter(args.system)
    failed = 0
    for workload in args.workloads.split(","):
        row: dict[str, Any] = {
            "system": args.system,
            "backend": args.backend,
            "workload": workload,
            "n": args.n,
            "started": time.time(),
        }
        try:
            row.update(await measure_one(adapter, workload, args))
        except Exception as exc:
            failed += 1
            row["error"] = f"{exc.__class__.__name__}: {exc}"
            traceback.print_exc(file=sys.stderr)
        # ru_maxrss is KiB on Linux: the peak of this whole process so far.
        row["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(RESULT_PREFIX + json.dumps(row, default=str), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))
