"""Cluster processes for cross-process tests: `nexus api`, orchestrators and worker pools as
separate OS processes (each its own session, so a SIGKILL takes its process pool with it),
plus the API client set-up (a real user, login, a project) and database read-backs.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from nexus.core.ids import utcnow
from nexus.core.settings import Settings
from nexus.orchestrator import tables
from nexus.platform import Platform
from tests.integration.conftest import free_port, wait_port

JWT_SECRET = "cluster-test-secret-" + "x" * 32
PASSWORD = "a long cluster test passphrase"
COMMITTED_EVENTS = ("nexus.job.succeeded", "nexus.job.cache_hit")
JOBS = tables.Job.__table__
EVENTS = tables.Event.__table__
OUTPUTS = tables.NodeOutput.__table__
RUNS = tables.Run.__table__


def cluster_env(settings: Settings, data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of every cluster process: the test's settings as NEXUS_* variables."""
    s = settings.storage
    env = {
        **os.environ,
        "NEXUS_ENV": "test",
        "NEXUS_DATA_DIR": str(data_dir),
        "NEXUS_DATABASE__URL": settings.database_url,
        "NEXUS_BROKER__URL": settings.broker.url,
        "NEXUS_CACHE__URL": settings.cache.url,
        "NEXUS_CACHE__KEY_PREFIX": settings.cache.key_prefix,
        "NEXUS_STORAGE__URL": settings.storage_url,
        "NEXUS_STORAGE__S3_ENDPOINT_URL": s.s3_endpoint_url or "",
        "NEXUS_STORAGE__S3_ACCESS_KEY": s.s3_access_key.get_secret_value()
        if s.s3_access_key
        else "",
        "NEXUS_STORAGE__S3_SECRET_KEY": s.s3_secret_key.get_secret_value()
        if s.s3_secret_key
        else "",
        "NEXUS_GATEWAY__JWT_SECRET": JWT_SECRET,
        "NEXUS_GATEWAY__RATE_LIMIT_PER_MINUTE": "100000",
        "NEXUS_ORCHESTRATOR__LEASE_S": "3",
        "NEXUS_ORCHESTRATOR__SWEEP_INTERVAL_S": "0.5",
        "NEXUS_ORCHESTRATOR__PROCESS_WORKERS": "1",
        "NEXUS_LOG_FORMAT": "json",
        # no fixed /metrics port (9100 by default): two tests' processes would race for it
        # (a test that scrapes passes its own free port)
        "NEXUS_METRICS_PORT": "0",
    }
    env.update(extra)
    return env


def nexus_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "nexus.cli.main", *args]


@dataclass
class Proc:
    """One named cluster process; its output goes to ``<logs>/<name>.log`` (appended)."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts + 1} at {time.time():.3f}\n".encode())
            log.flush()
            self.popen = subprocess.Popen(
                self.argv,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group (the process and its skill process pool)."""
        if self.popen is None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self, timeout_s: float = 10.0) -> None:
        if not self.alive:
            return
        assert self.popen is not None
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""


@dataclass
class Cluster:
    """The api, orchestrators and workers of one test, all on the test's own services."""

    env: dict[str, str]
    logs: Path
    procs: dict[str, Proc] = field(default_factory=dict)
    api_port: int = 0

    def add(self, name: str, *args: str) -> Proc:
        self.logs.mkdir(parents=True, exist_ok=True)
        proc = Proc(name, nexus_argv(*args), self.env, self.logs / f"{name}.log")
        self.procs[name] = proc
        proc.start()
        return proc

    def migrate(self) -> None:
        out = subprocess.run(
            nexus_argv("migrate"), env=self.env, capture_output=True, timeout=120, check=False
        )
        assert out.returncode == 0, out.stderr.decode()[-2000:]

    def start_api(self) -> str:
        self.api_port = free_port()
        self.add("api", "api", "--host", "127.0.0.1", "--port", str(self.api_port))
        wait_port(self.api_port, timeout_s=60)
        return self.base_url

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def start_topology(self, *, orchestrators: int = 2, cpu_workers: int = 2) -> None:
        """``orchestrators`` replicas, ``cpu_workers`` cpu-pool workers and one gpu worker."""
        for i in range(orchestrators):
            self.add(f"orchestrator-{i}", "orchestrator")
        for i in range(cpu_workers):
            self.add(f"worker-cpu-{i}", "worker", "--pool", "cpu")
        self.add("worker-gpu-0", "worker", "--pool", "gpu")

    def unexpected_exits(self) -> dict[str, int | None]:
        return {n: p.popen.returncode for n, p in self.procs.items() if p.popen and not p.alive}

    def stop_all(self) -> None:
        for proc in self.procs.values():
            proc.stop()

    def logs_tail(self, chars: int = 1500) -> str:
        return "\n".join(f"== {n}\n{p.tail(chars)}" for n, p in self.procs.items())


def create_user(env: dict[str, str], email: str, tenant: str = "cluster") -> None:
    out = subprocess.run(
        nexus_argv(
            "admin",
            "create-user",
            "--email",
            email,
            "--tenant",
            tenant,
            "--role",
            "admin",
            "--password-stdin",
        ),
        env=env,
        input=(PASSWORD + "\n").encode(),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, (out.stdout + out.stderr).decode()[-2000:]


@asynccontextmanager
async def api_client(base_url: str, email: str) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """A client logged in as ``email`` and the id of a fresh project of theirs."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        login = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        login.raise_for_status()
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        project = await client.post("/api/v1/projects", json={"name": "cluster test"})
        project.raise_for_status()
        yield client, str(project.json()["project_id"])


# --- read-backs -----------------------------------------------------------------------


@dataclass(frozen=True)
class Ledger:
    """What the database says after the fact, for the exactly-once assertions."""

    runs: dict[str, str]  # run_id -> status
    jobs: list[Any]
    committed: Counter[str]  # job_id -> succeeded/cache-hit events
    outputs: Counter[str]  # job_id -> node_outputs rows

    def problems(self) -> list[str]:
        out = [f"run {r} is {s}" for r, s in self.runs.items() if s != "succeeded"]
        out += [
            f"job {j.job_id} ({j.node_key}) is {j.status}"
            for j in self.jobs
            if j.status != "succeeded"
        ]
        out += [f"job {j} committed {n} times" for j, n in self.committed.items() if n != 1]
        out += [
            f"job {j.job_id} never committed"
            for j in self.jobs
            if j.status == "succeeded" and self.committed[j.job_id] == 0
        ]
        out += [f"job {j} has {n} node_outputs rows" for j, n in self.outputs.items() if n > 1]
        return out


async def read_ledger(platform: Platform, run_ids: list[str]) -> Ledger:
    async with platform.db.read() as conn:
        runs = dict(
            (
                await conn.execute(
                    select(RUNS.c.run_id, RUNS.c.status).where(RUNS.c.run_id.in_(run_ids))
                )
            ).all()
        )
        jobs = (
            await conn.execute(
                select(JOBS).where(JOBS.c.run_id.in_(run_ids), JOBS.c.deleted_at.is_(None))
            )
        ).all()
        events = (
            await conn.execute(
                select(EVENTS.c.job_id).where(
                    EVENTS.c.run_id.in_(run_ids), EVENTS.c.type.in_(COMMITTED_EVENTS)
                )
            )
        ).all()
        outputs = (await conn.execute(select(OUTPUTS.c.job_id))).all()
    return Ledger(
        runs={str(k): str(v) for k, v in runs.items()},
        jobs=list(jobs),
        committed=Counter(str(e.job_id) for e in events),
        outputs=Counter(str(o.job_id) for o in outputs),
    )


async def overdue_running_jobs(platform: Platform, grace_s: float) -> list[str]:
    """Jobs still ``running`` more than ``grace_s`` after their lease expired."""
    async with platform.db.read() as conn:
        rows = (
            await conn.execute(
                select(JOBS.c.job_id, JOBS.c.lease_expires_at).where(JOBS.c.status == "running")
            )
        ).all()
    now = utcnow()
    return [
        str(r.job_id)
        for r in rows
        if r.lease_expires_at is not None and (now - r.lease_expires_at).total_seconds() > grace_s
    ]


async def wait_runs_terminal(platform: Platform, run_ids: list[str], timeout_s: float) -> None:
    """Poll until no run of ``run_ids`` is pending or running (the deadline only turns a
    hang into a failure)."""
    async with asyncio.timeout(timeout_s):
        while True:
            async with platform.db.read() as conn:
                busy = (
                    await conn.execute(
                        select(RUNS.c.run_id).where(
                            RUNS.c.run_id.in_(run_ids),
                            RUNS.c.status.notin_(["succeeded", "failed", "cancelled"]),
                        )
                    )
                ).all()
            if not busy:
                return
            await asyncio.sleep(0.25)
