"""``nexus api --workers N`` on the cluster backends (PostgreSQL, Redis): several worker
processes answer, and a membership change made through one reaches every other at once.
Several workers without a shared cache are refused."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from nexus.core.db import Database
from nexus.core.migrate import migrate
from nexus.gateway.security import Passwords
from nexus.gateway.services import accounts
from tests.gateway.conftest import PASSWORD, free_port, server_env, stop_server
from tests.integration.conftest import REDIS_URL, PgDatabase

# Each worker process imports Nexus afresh: on a loaded 2-core machine that takes a while.
pytestmark = [pytest.mark.cluster, pytest.mark.timeout(900)]
START_TIMEOUT_S = 600
CLI = [sys.executable, "-m", "nexus.cli.main"]


def test_several_workers_need_a_shared_cache(tmp_path: Path) -> None:
    done = subprocess.run(
        [*CLI, "api", "--workers", "2", "--port", str(free_port())],
        env=server_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "error[config_invalid]" in done.stderr and "NEXUS_CACHE__URL" in done.stderr


async def seed(url: str) -> None:
    db = Database.from_url(url)
    try:
        await migrate(db.engine)
        for email, role in (("admin@w.example", "admin"), ("member@w.example", "admin")):
            await accounts.create_user(
                db, Passwords(), email=email, password=PASSWORD, role=role, tenant_slug="w"
            )
    finally:
        await db.dispose()


@pytest.fixture
def api_server(pg_database: PgDatabase, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    asyncio.run(seed(pg_database.url))
    port = free_port()
    env = server_env(
        tmp_path,
        NEXUS_DATABASE__URL=pg_database.url,
        NEXUS_CACHE__URL=REDIS_URL,
        NEXUS_CACHE__KEY_PREFIX=f"test-{uuid.uuid4().hex[:8]}:",
    )
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*CLI, "api", "--workers", "2", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=out,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(proc, base, log)
        yield base, log
    finally:
        stop_server(proc)


def wait_ready(proc: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        assert proc.poll() is None, log.read_text()
        try:
            if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.5)


def pids(log: Path, route: str) -> set[int]:
    found = set()
    for raw in log.read_text().splitlines():
        if raw.startswith("{"):
            line = json.loads(raw)
            if line.get("event") == "request" and line.get("route") == route:
                found.add(line["pid"])
    return found


def test_two_workers_answer_and_share_membership_changes(api_server: tuple[str, Path]) -> None:
    base, log = api_server
    admin = httpx.post(
        f"{base}/api/v1/auth/login", json={"email": "admin@w.example", "password": PASSWORD}
    ).json()
    member = httpx.post(
        f"{base}/api/v1/auth/login", json={"email": "member@w.example", "password": PASSWORD}
    ).json()
    old = {"Authorization": f"Bearer {member['access_token']}"}
    # A new connection per request: the kernel spreads them over both workers (a worker
    # still importing Nexus accepts none yet, so keep asking until both have answered).
    deadline = time.monotonic() + START_TIMEOUT_S
    while len(pids(log, "/api/v1/members")) < 2:
        assert time.monotonic() < deadline, log.read_text()[-2000:]
        for _ in range(20):
            assert httpx.get(f"{base}/api/v1/members", headers=old).status_code == 200
        time.sleep(0.2)
    me = httpx.get(f"{base}/api/v1/auth/me", headers=old).json()
    demoted = httpx.patch(
        f"{base}/api/v1/members/{me['user_id']}",
        json={"role": "viewer"},
        headers={"Authorization": f"Bearer {admin['access_token']}"},
    )
    assert demoted.status_code == 200
    codes = {httpx.get(f"{base}/api/v1/members", headers=old).status_code for _ in range(40)}
    assert codes == {401}
