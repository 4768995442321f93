"""Crash safety: SIGKILL a running ``nexus run`` at random points, restart it, and check that
the run finishes with every node's output committed exactly once (executions may repeat).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from nexus.core.settings import Settings
from nexus.orchestrator import queries, tables
from nexus.platform import Platform
from tests.orchestrator.helpers import read_log

KILLS = int(os.environ.get("NEXUS_CRASH_KILLS", "10"))
# Enough work that the run outlasts several kills however fast the orchestrator gets.
WORK = 12


def wait_for_progress(proc: subprocess.Popen[bytes], log: Path, *, timeout_s: float) -> bool:
    """True once ``log`` grows while ``proc`` runs; False if the process exits first."""
    size = log.stat().st_size if log.exists() else 0
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if log.exists() and log.stat().st_size > size:
            return True
        time.sleep(0.02)
    return False


def start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    argv = [
        sys.executable,
        "-m",
        "nexus.cli.main",
        "run",
        "demo",
        "--key",
        "crash-test",
        "-q",
        "-p",
        f"n={WORK}",
        "-p",
        "sleep_s=0.4",
        "-p",
        "rounds=300000",
        "-p",
        f"log_path={log}",
    ]
    return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


async def inspect(settings: Settings) -> tuple[object, Counter[str], Counter[str]]:
    platform = Platform(settings)
    await platform.open()
    try:
        async with platform.db.read() as conn:
            run = (await queries.list_runs(conn, limit=1))[0]
            events = await queries.list_events(conn, run.run_id, limit=1_000_000)
            from sqlalchemy import select  # noqa: PLC0415 - test-local

            outputs = (await conn.execute(select(tables.NodeOutput.__table__.c.job_id))).all()
        committed = Counter(
            e.payload["node_key"]
            for e in events
            if e.type in ("nexus.job.succeeded", "nexus.job.cache_hit")
        )
        per_job = Counter(r.job_id for r in outputs)
        return run, committed, per_job
    finally:
        await platform.close()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
@pytest.mark.timeout(600)
def test_sigkill_at_random_points_loses_nothing(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    env = {
        **os.environ,
        "NEXUS_DATA_DIR": str(tmp_path / "data"),
        "NEXUS_ENV": "test",
        "NEXUS_ORCHESTRATOR__LEASE_S": "5",
        "NEXUS_ORCHESTRATOR__SWEEP_INTERVAL_S": "0.5",
    }
    db_url = None
    if backend == "postgres":
        db_url = request.getfixturevalue("pg_database").url
        env["NEXUS_DATABASE__URL"] = db_url
    log = tmp_path / "executions.jsonl"
    rng = random.Random(20261122)
    kills = 0
    proc = start(env, log)
    while kills < KILLS:
        # Kill only once this process has made progress, at a random moment after that.
        if not wait_for_progress(proc, log, timeout_s=60):
            break  # the run finished
        time.sleep(rng.uniform(0.0, 0.8))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
        proc = start(env, log)
    _, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err.decode()[-2000:]

    settings = Settings(
        env="test", data_dir=tmp_path / "data", database={"url": db_url} if db_url else {}
    )
    run, committed, per_job = asyncio.run(inspect(settings))
    assert run.status == "succeeded"  # type: ignore[attr-defined]
    expected = {"split", "join", "digest", *(f"work[{i}]" for i in range(WORK))}
    assert set(committed) == expected
    assert all(n == 1 for n in committed.values()), committed  # committed exactly once
    assert all(n == 1 for n in per_job.values()), per_job
    records = read_log(log)
    assert kills >= min(KILLS, 3)
    assert len({r["pid"] for r in records if r["event"] == "start"}) >= 2  # crashed mid-run
    starts = Counter(r["node"] for r in records if r["event"] == "start")
    assert all(starts[f"work[{i}]"] >= 1 for i in range(WORK))  # at least once
    joins = [r for r in read_log(log) if r["event"] == "join"]
    assert joins and all(r["count"] == WORK for r in joins)
