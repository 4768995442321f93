"""The servers under test for bench/api: ``nexus serve`` (embedded, SQLite) of this tree or
of a baseline git ref, and ``nexus api --workers N`` on PostgreSQL + Redis; each seeded with
users, a project and a run, logging JSON request lines to a file as a deployment would."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from nexus.core.db import Database
from nexus.core.migrate import migrate
from nexus.gateway.security import Passwords
from nexus.gateway.services import accounts

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "bench password 1234"
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


@dataclass
class Server:
    name: str
    workers: int
    port: int
    data_dir: Path
    proc: subprocess.Popen[bytes] | None = None
    pg_name: str | None = None
    log_level: str = "INFO"
    tokens: list[str] = field(default_factory=list)
    run_url: str = ""

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.data_dir / "server.log"


def baseline_tree(ref: str) -> Path:
    """The baseline's src/ extracted with git archive (no worktree is created)."""
    out = Path(tempfile.mkdtemp(prefix="nexus-bench-baseline-"))
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", ref, "src"], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(out)], input=archive, check=True)
    return out / "src"


async def seed(url: str, users: int) -> None:
    db = Database.from_url(url)
    try:
        await migrate(db.engine)
        passwords = Passwords()
        for i in range(users):
            await accounts.create_user(
                db,
                passwords,
                email=f"u{i}@bench.example",
                password=PASSWORD,
                role="editor",
                tenant_slug="bench",
            )
    finally:
        await db.dispose()


async def create_pg_database() -> tuple[str, str]:
    name = f"bench_api_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    base = PG_ADMIN.replace("postgresql://", "postgresql+asyncpg://").rsplit("/", 1)[0]
    return name, f"{base}/{name}"


async def drop_pg_database(name: str) -> None:
    admin = await asyncpg.connect(PG_ADMIN)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEXUS_")}
    env.update(
        NEXUS_ENV="test",
        NEXUS_DATA_DIR=str(data_dir),
        NEXUS_GATEWAY__JWT_SECRET="bench-" + "z" * 40,
        NEXUS_GATEWAY__RATE_LIMIT_PER_MINUTE="6000000",
        NEXUS_GATEWAY__LOGIN_ATTEMPTS_PER_MINUTE="1000",
        NEXUS_ORCHESTRATOR__PROCESS_WORKERS="0",
        NEXUS_LOG_FORMAT="json",
        **extra,
    )
    return env


def start(server: Server, *, users: int, src: Path | None = None, cluster: bool) -> None:
    """Seed, start, wait until every worker answers, log in, create a project and a run."""
    server.data_dir.mkdir(parents=True, exist_ok=True)
    extra: dict[str, str] = {}
    if cluster:
        server.pg_name, url = asyncio.run(create_pg_database())
        prefix = f"bench-{uuid.uuid4().hex[:8]}:"
        extra = {"NEXUS_DATABASE__URL": url, "NEXUS_CACHE__URL": REDIS_URL}
        extra["NEXUS_CACHE__KEY_PREFIX"] = prefix
    else:
        url = f"sqlite+aiosqlite:///{server.data_dir / 'nexus.db'}"
    env = _env(server.data_dir, NEXUS_LOG_LEVEL=server.log_level, **extra)
    if src is not None:  # the baseline: its own source (and migrations) first on the path
        env["PYTHONPATH"] = str(src)
    # Seeded by the code under test (its migrations), in a process of its own.
    subprocess.run([sys.executable, __file__, url, str(users)], env=env, check=True)
    if src is not None:
        code = (
            "from nexus.cli.serve import run_server; "
            f"run_server('embedded', '127.0.0.1', {server.port})"
        )
    else:
        mode = "api" if cluster else "embedded"
        code = (
            "from nexus.cli.serve import run_server; "
            f"run_server({mode!r}, '127.0.0.1', {server.port}, {server.workers})"
        )
    with server.log.open("wb") as out:
        server.proc = subprocess.Popen(
            [sys.executable, "-c", code], env=env, stderr=out, stdout=out
        )
    _wait_workers(server)
    _prepare(server, users)


def _pids(server: Server) -> set[int]:
    pids = set()
    for raw in server.log.read_text(errors="replace").splitlines():
        if raw.startswith("{") and '"pid"' in raw:
            pids.add(json.loads(raw)["pid"])
    return pids


def _wait_workers(server: Server, timeout_s: float = 900) -> None:
    """Healthy, and (for several workers) each worker has answered a request."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.proc is not None and server.proc.poll() is not None:
            raise RuntimeError(server.log.read_text())
        try:
            ok = httpx.get(f"{server.base}/healthz", timeout=2).status_code == 200
        except httpx.TransportError:
            ok = False
        if ok and (server.workers == 1 or len(_pids(server)) >= server.workers):
            return
        time.sleep(0.2)
    raise RuntimeError(f"{server.name} did not start: {server.log.read_text()[-3000:]}")


def _prepare(server: Server, users: int) -> None:
    for i in range(users):
        r = httpx.post(
            f"{server.base}/api/v1/auth/login",
            json={"email": f"u{i}@bench.example", "password": PASSWORD},
            timeout=30,
        )
        server.tokens.append(r.json()["access_token"])
    auth = {"Authorization": f"Bearer {server.tokens[0]}"}
    project = httpx.post(
        f"{server.base}/api/v1/projects", json={"name": "bench"}, headers=auth, timeout=30
    ).json()["project_id"]
    body = {"project_id": project, "pipeline": "chain", "params": {"n": 1}}
    run = httpx.post(f"{server.base}/api/v1/runs", json=body, headers=auth, timeout=30).json()
    server.run_url = f"{server.base}/api/v1/runs/{run['run_id']}"
    (server.data_dir / "tokens.txt").write_text("\n".join(server.tokens))


def stop(server: Server) -> None:
    if server.proc is not None:
        server.proc.terminate()
        try:
            server.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()
    if server.pg_name:
        asyncio.run(drop_pg_database(server.pg_name))


if __name__ == "__main__":
    asyncio.run(seed(sys.argv[1], int(sys.argv[2])))
