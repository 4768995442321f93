"""Chaos: during 100+ concurrent runs across OS processes, SIGKILL random workers and
orchestrators (and restart them), restart RabbitMQ, this test's private Redis and PostgreSQL
at random moments; then every run must succeed with every node committed exactly once.

Sizes: NEXUS_CHAOS_RUNS (default 100), NEXUS_CHAOS_EVENTS (default 14), NEXUS_CHAOS_SEED.
The shared PostgreSQL server is restarted at most NEXUS_CHAOS_PG_RESTARTS times (default 1)
and is always back up before the test ends.
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from nexus.core.settings import Settings
from nexus.platform import Platform
from tests.integration.cluster_procs import (
    Cluster,
    api_client,
    cluster_env,
    create_user,
    overdue_running_jobs,
    read_ledger,
    wait_runs_terminal,
)
from tests.integration.conftest import PrivateRedis, port_open, wait_port

# exclusive: it restarts the shared PostgreSQL server and RabbitMQ, which would fail whatever
# another xdist worker runs meanwhile (scripts/pytest.sh runs it alone, after the rest)
pytestmark = [
    pytest.mark.cluster,
    pytest.mark.slow,
    pytest.mark.exclusive,
    pytest.mark.timeout(420),
]
RUNS = int(os.environ.get("NEXUS_CHAOS_RUNS", "100"))
EVENTS = int(os.environ.get("NEXUS_CHAOS_EVENTS", "14"))
PG_RESTARTS = int(os.environ.get("NEXUS_CHAOS_PG_RESTARTS", "1"))
SEED = int(os.environ.get("NEXUS_CHAOS_SEED", str(int(time.time()))))
EMAIL = "chaos@cluster.test"
LEASE_S = 3.0
OVERDUE_LIMIT_S = 20.0
"""A running job past its lease by this much means nobody reclaims it (sweeps every 0.5 s)."""


def command(*argv: str, timeout_s: float = 120) -> None:
    out = subprocess.run(argv, capture_output=True, timeout=timeout_s, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{argv}: {(out.stdout + out.stderr).decode()[-1000:]}")


def restart_postgres() -> None:
    command("pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart")
    wait_port(5432, timeout_s=60)


def ensure_postgres_up() -> None:
    if not port_open(5432):
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "start"],
            check=False,
            timeout=120,
        )
        wait_port(5432, timeout_s=60)


def restart_rabbitmq() -> None:
    command("rabbitmqctl", "stop_app")
    time.sleep(0.5)
    command("rabbitmqctl", "start_app")


@dataclass
class Chaos:
    """The random disruptions of one test, logged so a failure can be replayed by seed."""

    cluster: Cluster
    redis: PrivateRedis
    rng: random.Random
    log: list[str] = field(default_factory=list)
    pg_restarts: int = 0
    rabbit_restarts: int = 0

    def actions(self) -> dict[str, Callable[[], None]]:
        return {
            "kill_worker": lambda: self.kill_random("worker-"),
            "kill_orchestrator": lambda: self.kill_random("orchestrator-"),
            "restart_rabbitmq": self.restart_rabbitmq,
            "restart_redis": self.restart_redis,
            "restart_postgres": self.restart_postgres,
        }

    def kill_random(self, prefix: str) -> None:
        name = self.rng.choice(sorted(n for n in self.cluster.procs if n.startswith(prefix)))
        proc = self.cluster.procs[name]
        proc.kill()
        time.sleep(self.rng.uniform(0.1, 1.5))
        proc.start()
        self.log.append(f"SIGKILL {name}")

    def restart_rabbitmq(self) -> None:
        restart_rabbitmq()
        self.rabbit_restarts += 1
        self.log.append("rabbitmq stop_app/start_app")

    def restart_redis(self) -> None:
        self.redis.stop()
        time.sleep(self.rng.uniform(0.2, 1.0))
        self.redis.start()
        self.log.append("private redis restarted")

    def restart_postgres(self) -> None:
        if self.pg_restarts >= PG_RESTARTS:
            return self.kill_random("worker-")
        restart_postgres()
        self.pg_restarts += 1
        self.log.append("postgresql restarted")
        return None

    def plan(self, events: int) -> list[str]:
        """Every kind at least once (PostgreSQL as allowed), the rest process kills."""
        kinds = ["restart_rabbitmq", "restart_redis"] + ["restart_postgres"] * PG_RESTARTS
        kills = ["kill_worker", "kill_orchestrator"]
        rest = [self.rng.choice(kills) for _ in range(max(0, events - len(kinds)))]
        plan = kinds + rest
        self.rng.shuffle(plan)
        return plan

    async def run(self, events: int) -> None:
        actions = self.actions()
        for kind in self.plan(events):
            await asyncio.sleep(self.rng.uniform(0.5, 3.0))
            await asyncio.to_thread(actions[kind])
            self.supervise()

    def supervise(self) -> None:
        """Like a container runtime: restart any process that died on its own (and say so)."""
        for name, proc in self.cluster.procs.items():
            if not proc.alive:
                self.log.append(f"{name} exited by itself ({proc.popen and proc.popen.returncode})")
                proc.start()


async def create_runs(
    client: httpx.AsyncClient, project_id: str, logs: Path, count: int
) -> list[str]:
    """Create ``count`` runs concurrently; a failed POST is retried with its Idempotency-Key,
    as a client would, so a run is never created twice."""
    slots = asyncio.Semaphore(8)

    async def one(i: int) -> str:
        body = {
            "project_id": project_id,
            "pipeline": "demo",
            "params": {
                "n": 2 + i % 3,
                "sleep_s": 0.02,
                "rounds": 500,
                "log_path": str(logs / f"run{i}.jsonl"),
            },
        }
        async with slots:
            for _ in range(300):
                try:
                    resp = await client.post(
                        "/api/v1/runs", json=body, headers={"Idempotency-Key": f"chaos-{i}"}
                    )
                    if resp.status_code in (200, 201):
                        return str(resp.json()["run_id"])
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.5)
            raise AssertionError(f"run {i} could not be created")

    return list(await asyncio.gather(*(one(i) for i in range(count))))


async def max_overdue(platform: Platform, stop: asyncio.Event, seen: list[float]) -> None:
    """Sample how long any job stays running past its lease (reads may fail mid-restart)."""
    while not stop.is_set():
        try:
            overdue = await overdue_running_jobs(platform, grace_s=OVERDUE_LIMIT_S)
            seen.append(float(len(overdue)))
        except Exception:
            pass
        await asyncio.sleep(1.0)


@pytest.fixture
async def platform(cluster_settings: Settings) -> AsyncIterator[Platform]:
    plat = Platform(cluster_settings)
    await plat.open()
    yield plat
    await plat.close()


async def test_chaos_every_run_succeeds_exactly_once(
    cluster_settings: Settings,
    private_redis: PrivateRedis,
    platform: Platform,
    tmp_path: Path,
) -> None:
    env = cluster_env(cluster_settings, tmp_path / "data", NEXUS_CACHE__URL=private_redis.url)
    cluster = Cluster(env, tmp_path / "logs")
    cluster.migrate()
    create_user(env, EMAIL)
    chaos = Chaos(cluster, private_redis, random.Random(SEED))
    run_logs = tmp_path / "runs"
    run_logs.mkdir()
    stop_sampling = asyncio.Event()
    overdue: list[float] = []
    try:
        cluster.start_api()
        cluster.start_topology(orchestrators=2, cpu_workers=2)
        sampler = asyncio.create_task(max_overdue(platform, stop_sampling, overdue))
        async with api_client(cluster.base_url, EMAIL) as (client, project_id):
            disruptions = asyncio.create_task(chaos.run(EVENTS))
            run_ids = await create_runs(client, project_id, run_logs, RUNS)
            await disruptions
        await wait_runs_terminal(platform, run_ids, timeout_s=200)
        stop_sampling.set()
        await sampler
        ledger = await read_ledger(platform, run_ids)
    finally:
        stop_sampling.set()
        cluster.stop_all()
        await asyncio.to_thread(ensure_postgres_up)
    context = f"seed={SEED} chaos={chaos.log}"
    print(f"chaos: runs={RUNS} jobs={len(ledger.jobs)} {context}")
    assert len(set(run_ids)) == RUNS, context
    assert ledger.problems() == [], context
    assert len(ledger.jobs) == sum(3 + 2 + i % 3 for i in range(RUNS)), context  # none lost
    assert max(overdue, default=0) == 0, f"jobs running {OVERDUE_LIMIT_S}s past lease; {context}"
    assert chaos.rabbit_restarts >= 1 and chaos.pg_restarts == PG_RESTARTS, context
    assert sum(1 for e in chaos.log if e.startswith("SIGKILL")) >= 3, context
