"""``nexus admin member`` changes roles, suspends and removes members through the same
commands as the API, on a real SQLite database."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from nexus.core.db import Database
from nexus.core.migrate import migrate
from nexus.gateway.security import Passwords
from nexus.gateway.services import accounts, members
from tests.gateway.conftest import PASSWORD, server_env

CLI = [sys.executable, "-m", "nexus.cli.main", "admin", "member"]


def database(data_dir: Path) -> Database:
    return Database.from_url(f"sqlite+aiosqlite:///{data_dir / 'nexus.db'}")


async def seed(data_dir: Path) -> None:
    db = database(data_dir)
    try:
        await migrate(db.engine)
        for email, role in (("boss@t.example", "admin"), ("ed@t.example", "editor")):
            await accounts.create_user(
                db, Passwords(), email=email, password=PASSWORD, role=role, tenant_slug="t"
            )
    finally:
        await db.dispose()


async def member_rows(data_dir: Path) -> dict[str, tuple[str, int, bool]]:
    db = database(data_dir)
    try:
        async with db.read() as conn:
            tenant_id, _ = await members.find_member(conn, "t", "boss@t.example")
            rows = await members.list_members(conn, tenant_id)
    finally:
        await db.dispose()
    return {r.email: (r.role, r.version, r.suspended_at is not None) for r in rows}


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], env=server_env(data_dir), capture_output=True, text=True, timeout=300
    )


def test_member_command_changes_suspends_and_removes(tmp_path: Path) -> None:
    asyncio.run(seed(tmp_path))
    done = cli(tmp_path, "ed@t.example", "--tenant", "t", "--role", "viewer", "--suspend")
    assert done.returncode == 0, done.stderr
    assert "viewer, suspended (version 2)" in done.stdout
    assert asyncio.run(member_rows(tmp_path))["ed@t.example"] == ("viewer", 2, True)
    last = cli(tmp_path, "boss@t.example", "--tenant", "t", "--remove")
    assert last.returncode == 2 and "error[conflict]" in last.stderr
    gone = cli(tmp_path, "ed@t.example", "--tenant", "t", "--remove")
    assert gone.returncode == 0, gone.stderr
    assert set(asyncio.run(member_rows(tmp_path))) == {"boss@t.example"}
