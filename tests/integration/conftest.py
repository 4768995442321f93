"""Fixtures for tests on the real cluster services: one PostgreSQL database, RabbitMQ vhost,
Redis key prefix and S3 bucket per test, so tests never see each other's state.

Services are started by scripts/services.sh when a port is closed. Override the defaults
with NEXUS_TEST_PG_DSN, NEXUS_TEST_AMQP, NEXUS_TEST_RABBIT_API, NEXUS_TEST_REDIS_URL.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import asyncpg
import httpx
import pytest
import redis.asyncio as aioredis

from nexus.core.redis_cache import RedisCache
from nexus.core.settings import Settings, load_settings

REPO = Path(__file__).resolve().parents[2]
PG_ADMIN_DSN = os.environ.get("NEXUS_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_BASE = os.environ.get("NEXUS_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672")
RABBIT_API = os.environ.get("NEXUS_TEST_RABBIT_API", "http://127.0.0.1:15672/api")
RABBIT_AUTH = ("guest", "guest")
REDIS_URL = os.environ.get("NEXUS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
S3_ACCESS_KEY = "nexus-test"
S3_SECRET_KEY = "nexus-test-secret"


def unique_name(kind: str) -> str:
    return f"nexus-test-{kind}-{uuid.uuid4().hex[:12]}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def wait_port(port: int, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not port_open(port):
        if time.monotonic() > deadline:
            raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout_s} s")
        time.sleep(0.05)


async def wait_until(
    predicate: Callable[[], Awaitable[bool]], timeout_s: float = 20.0, poll_s: float = 0.02
) -> None:
    """Poll until ``predicate`` holds. The deadline only turns a hang into a failure."""
    async with asyncio.timeout(timeout_s):
        while True:
            if await predicate():
                return
            await asyncio.sleep(poll_s)


# --- services -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def cluster_services() -> None:
    """Start PostgreSQL, Redis, RabbitMQ (+management) and pgvector if any is down."""
    ports = [5432, 6379, 5672, 15672]
    if all(port_open(p) for p in ports):
        return
    subprocess.run([str(REPO / "scripts" / "services.sh")], check=True, timeout=600)


# --- PostgreSQL -------------------------------------------------------------------------


@dataclass(frozen=True)
class PgDatabase:
    name: str
    dsn: str  # plain libpq/asyncpg form
    url: str  # SQLAlchemy async form for Settings.database.url


@pytest.fixture
async def pg_database(cluster_services: None) -> AsyncIterator[PgDatabase]:
    """A fresh, empty PostgreSQL database for one test (dropped afterwards, even if in use)."""
    name = unique_name("db").replace("-", "_")
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = urlsplit(PG_ADMIN_DSN)
    dsn = base._replace(path=f"/{name}").geturl()
    yield PgDatabase(name, dsn, dsn.replace("postgresql://", "postgresql+asyncpg://", 1))
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


# --- RabbitMQ ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RabbitVhost:
    """A private vhost; ``close_connections`` force-closes only this vhost's connections."""

    name: str
    amqp_url: str
    use_api: bool

    async def connection_names(self) -> list[str]:
        async with httpx.AsyncClient(auth=RABBIT_AUTH) as client:
            resp = await client.get(f"{RABBIT_API}/vhosts/{quote(self.name, safe='')}/connections")
            resp.raise_for_status()
            return [c["name"] for c in resp.json()]

    async def close_connections(self, *, expect_at_least: int = 1, timeout_s: float = 15) -> int:
        """Close this vhost's client connections from the server side; returns how many."""
        if not self.use_api:
            await run_command("rabbitmqctl", "close_all_connections", "-p", self.name, "nexus test")
            return -1
        deadline = time.monotonic() + timeout_s
        # The management plugin lists a connection only after its first stats emission.
        while len(names := await self.connection_names()) < expect_at_least:
            if time.monotonic() > deadline:
                raise RuntimeError(f"vhost {self.name} has {len(names)} connections")
            await asyncio.sleep(0.2)
        async with httpx.AsyncClient(auth=RABBIT_AUTH) as client:
            for conn_name in names:
                resp = await client.delete(
                    f"{RABBIT_API}/connections/{quote(conn_name, safe='')}",
                    headers={"X-Reason": "nexus test"},
                )
                if resp.status_code not in (204, 404):
                    resp.raise_for_status()
        return len(names)

    async def queue_info(self, queue: str) -> dict[str, object]:
        async with httpx.AsyncClient(auth=RABBIT_AUTH) as client:
            url = f"{RABBIT_API}/queues/{quote(self.name, safe='')}/{quote(queue, safe='')}"
            resp = await client.get(url)
            resp.raise_for_status()
            return dict(resp.json())


async def run_command(*argv: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{argv} failed: {out.decode(errors='replace')}")
    return out.decode(errors="replace")


async def rabbit_api_available() -> bool:
    try:
        async with httpx.AsyncClient(auth=RABBIT_AUTH, timeout=2) as client:
            return (await client.get(f"{RABBIT_API}/overview")).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
async def rabbit_vhost(cluster_services: None) -> AsyncIterator[RabbitVhost]:
    """A fresh vhost (guest has full rights), deleted with its queues afterwards."""
    name = unique_name("vhost")
    use_api = await rabbit_api_available()
    user = RABBIT_AUTH[0]
    if use_api:
        async with httpx.AsyncClient(auth=RABBIT_AUTH) as client:
            vhost_url = f"{RABBIT_API}/vhosts/{quote(name, safe='')}"
            (await client.put(vhost_url)).raise_for_status()
            perms = {"configure": ".*", "write": ".*", "read": ".*"}
            url = f"{RABBIT_API}/permissions/{quote(name, safe='')}/{user}"
            (await client.put(url, json=perms)).raise_for_status()
    else:
        await run_command("rabbitmqctl", "add_vhost", name)
        await run_command("rabbitmqctl", "set_permissions", "-p", name, user, ".*", ".*", ".*")
    yield RabbitVhost(name, f"{AMQP_BASE}/{quote(name, safe='')}", use_api)
    if use_api:
        async with httpx.AsyncClient(auth=RABBIT_AUTH) as client:
            await client.delete(f"{RABBIT_API}/vhosts/{quote(name, safe='')}")
    else:
        await run_command("rabbitmqctl", "delete_vhost", name)


# --- Redis ------------------------------------------------------------------------------


@pytest.fixture
async def redis_prefix(cluster_services: None) -> AsyncIterator[str]:
    """A key prefix owned by one test; its keys are deleted afterwards."""
    prefix = unique_name("redis") + ":"
    yield prefix
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        keys = [k async for k in client.scan_iter(match=f"{prefix}*", count=500)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture
async def redis_cache(redis_prefix: str) -> AsyncIterator[RedisCache]:
    cache = RedisCache(REDIS_URL, key_prefix=redis_prefix)
    yield cache
    await cache.close()


@dataclass
class PrivateRedis:
    """A redis-server of the test's own, so a test can stop and restart it."""

    port: int
    workdir: Path
    proc: subprocess.Popen[bytes] | None = field(default=None)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_port(self.port)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed")
    server = PrivateRedis(free_port(), tmp_path)
    server.start()
    yield server
    server.stop()


# --- S3 (localbucket) -------------------------------------------------------------------


@dataclass(frozen=True)
class LocalBucketServer:
    """localbucket serving ``root`` on loopback; bucket ``b`` lives in ``root / b``."""

    endpoint_url: str
    root: Path
    log_path: Path

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBucketServer]:
    root = tmp_path_factory.mktemp("localbucket")
    data = root / "data"
    log_path = root / "server.log"
    port = free_port()
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "localbucket",
                str(data),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_port(port)
        yield LocalBucketServer(f"http://127.0.0.1:{port}", data, log_path)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def s3_bucket(s3_server: LocalBucketServer) -> str:
    """A bucket name no other test uses (the store creates it on first use)."""
    return unique_name("bucket")


# --- everything at once -----------------------------------------------------------------


@pytest.fixture
def cluster_settings(
    pg_database: PgDatabase,
    rabbit_vhost: RabbitVhost,
    redis_prefix: str,
    s3_server: LocalBucketServer,
    s3_bucket: str,
) -> Settings:
    """Settings selecting every cluster adapter, isolated to this test."""
    return load_settings(
        env="test",
        database={"url": pg_database.url, "auto_migrate": True},
        broker={"url": rabbit_vhost.amqp_url},
        cache={"url": REDIS_URL, "key_prefix": redis_prefix},
        storage={
            "url": f"s3://{s3_bucket}/artifacts",
            "s3_endpoint_url": s3_server.endpoint_url,
            "s3_access_key": S3_ACCESS_KEY,
            "s3_secret_key": S3_SECRET_KEY,
        },
    )
