"""Benchmark infrastructure: throw-away PostgreSQL databases and the machine facts a report
records (cores, load, engine versions, the exact source revision measured)."""

from __future__ import annotations

import hashlib
import os
import platform
import sqlite3
import subprocess
import uuid
from importlib import metadata
from pathlib import Path
from typing import Any

import asyncpg

# BENCH_PG_DSN: the admin DSN of the bench server (its host part is used for every system).
# BENCH_PG_SOCKET (e.g. /var/run/postgresql): every system reaches the server over its Unix
# socket instead of TCP; the report's facts record the transport ("pg transport").
PG_SOCKET = os.environ.get("BENCH_PG_SOCKET", "")
_ADMIN = os.environ.get("BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_HOST_DSN = _ADMIN.rsplit("/", 1)[0]
PG_ADMIN_DSN = f"{PG_HOST_DSN}/postgres?host={PG_SOCKET}" if PG_SOCKET else _ADMIN
DB_PREFIX = "bench_"
REPO = Path(__file__).resolve().parents[2]


def pg_url(db_name: str, driver: str = "") -> str:
    """URL of ``db_name`` on the bench server; ``driver`` e.g. ``+asyncpg`` for SQLAlchemy."""
    scheme, rest = PG_HOST_DSN.split("://", 1)
    if PG_SOCKET:
        user = rest.split("@", 1)[0]
        return f"{scheme}{driver}://{user}@/{db_name}?host={PG_SOCKET}"
    return f"{scheme}{driver}://{rest}/{db_name}"


def new_db_name(tag: str) -> str:
    return f"{DB_PREFIX}{tag}_{uuid.uuid4().hex[:12]}"


async def create_database(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def drop_database(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def drop_tagged_databases(tag: str) -> list[str]:
    """Drop what a crashed child left behind: every database carrying this invocation's tag."""
    conn = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        rows = await conn.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE $1", f"{DB_PREFIX}{tag}_%"
        )
        for row in rows:
            await conn.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')
        return [row["datname"] for row in rows]
    finally:
        await conn.close()


async def read_pg_facts() -> dict[str, str]:
    try:
        conn = await asyncpg.connect(PG_ADMIN_DSN)
    except (OSError, asyncpg.PostgresError) as exc:
        return {"postgresql": f"unreachable ({exc.__class__.__name__})"}
    try:
        facts = {"postgresql": str(await conn.fetchval("SHOW server_version"))}
        for name in ("synchronous_commit", "fsync", "shared_buffers", "max_connections"):
            facts[f"pg {name}"] = str(await conn.fetchval(f"SHOW {name}"))
        facts["pg transport"] = f"unix socket {PG_SOCKET}" if PG_SOCKET else "tcp"
        return facts
    finally:
        await conn.close()


def read_load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def read_machine_facts() -> dict[str, Any]:
    dirty = _git("status", "--porcelain", "--", "src")
    return {
        "host": platform.node(),
        "os": platform.platform(),
        "nproc": os.cpu_count(),
        "memory": _read_mem_total(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "dbos": _version("dbos"),
        "sqlalchemy": _version("sqlalchemy"),
        "asyncpg": _version("asyncpg"),
        "nexus commit": _git("rev-parse", "--short", "HEAD")
        + (" + uncommitted changes in src/" if dirty else ""),
    }


def fingerprint_src() -> str:
    """Hash of the measured source tree: others edit src/ during a run, and a change between
    the start and the end of a run makes its figures mix two versions."""
    digest = hashlib.sha256()
    for path in sorted((REPO / "src" / "nexus").rglob("*.py")):
        digest.update(path.relative_to(REPO).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _read_mem_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) // 1024} MiB"
    except OSError:
        pass
    return "unknown"
