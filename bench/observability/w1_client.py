"""One variant's client for ``w1_tracing.py``, run with that variant's code on PYTHONPATH
(the base commit's skill specs and schema differ from this checkout's, so each variant's runs
are created by its own code).

Reads a step count per line on stdin, runs W1 (a chain of that many no-op steps) against the
cluster the environment names (``NEXUS_*``), and answers ``W1 <ms/step>`` on stdout; tracing
is not configured here (the client is the same in every variant).

Before each run (untimed) it empties the node memo (``node_outputs``) of its throwaway
database: the chain's steps are the same every run, so otherwise every run after the first is
a chain of cache hits, with no worker claim, execution, commit, or their spans, to measure.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

from sqlalchemy import text

from nexus.core.settings import load_settings
from nexus.platform import Platform


async def main() -> None:
    settings = load_settings(
        env="test",
        database={"url": os.environ["NEXUS_DATABASE__URL"], "auto_migrate": False},
        broker={"url": os.environ["NEXUS_BROKER__URL"]},
        storage={"url": os.environ["NEXUS_STORAGE__URL"]},
    )
    platform = Platform(settings)
    await platform.open()
    try:
        print("W1 ready", flush=True)
        while line := await asyncio.to_thread(sys.stdin.readline):
            n = int(line)
            async with platform.db.transaction() as conn:
                await conn.execute(text("DELETE FROM node_outputs"))
            t0 = time.perf_counter()
            run_id, _ = await platform.create_run("chain", {"n": n}, idempotency_key=None)
            run = await platform.wait_for_run(run_id, poll_s=0.02, timeout_s=600)
            if run.status != "succeeded":
                raise SystemExit(f"W1 run {run_id} ended {run.status}")
            print(f"W1 {(time.perf_counter() - t0) * 1000 / n:.4f}", flush=True)
    finally:
        await platform.close()


if __name__ == "__main__":
    asyncio.run(main())
