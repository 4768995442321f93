"""A real `nexus serve` server (uvicorn, embedded platform) on a free loopback port, with two
tenants seeded: A (admin, editor, viewer) and B (admin), and objects of tenant A."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from nexus.core.db import Database
from nexus.core.migrate import migrate
from nexus.gateway.security import Passwords
from nexus.gateway.services import accounts

JWT_SECRET = "test-secret-" + "x" * 40
PASSWORD = "correct horse battery staple"
LOGIN_LIMIT = 8
STORY_LIMIT = 4096
BODY_LIMIT = 64 * 1024
USERS = {
    "admin_a": ("admin@a.example", "tenant-a", "admin"),
    "editor_a": ("editor@a.example", "tenant-a", "editor"),
    "viewer_a": ("viewer@a.example", "tenant-a", "viewer"),
    "admin_b": ("admin@b.example", "tenant-b", "admin"),
    # the schemathesis run fuzzes as this tenant's admin, so it cannot disturb A or B
    "admin_s": ("admin@s.example", "tenant-s", "admin"),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class World:
    base_url: str
    data_dir: Path
    tokens: dict[str, str] = field(default_factory=dict)
    refresh: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    def client(self, who: str | None = None, **kw: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30, **kw)

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def server_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEXUS_")}
    env.update(
        NEXUS_ENV="test",
        NEXUS_DATA_DIR=str(data_dir),
        NEXUS_GATEWAY__JWT_SECRET=JWT_SECRET,
        NEXUS_GATEWAY__LOGIN_ATTEMPTS_PER_MINUTE=str(LOGIN_LIMIT),
        NEXUS_GATEWAY__RATE_LIMIT_PER_MINUTE="60000",
        NEXUS_GATEWAY__MAX_STORY_BYTES=str(STORY_LIMIT),
        NEXUS_GATEWAY__MAX_BODY_BYTES=str(BODY_LIMIT),
        NEXUS_ORCHESTRATOR__PROCESS_WORKERS="0",
        NEXUS_LOG_FORMAT="json",
        # the session's world logs in once; its tokens must outlive a loaded run (the
        # default 15 min expired mid-suite: 401s in the files that ran last)
        NEXUS_GATEWAY__ACCESS_TOKEN_TTL_S="86400",
        **extra,
    )
    return env


def start_server(data_dir: Path, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    code = f"from nexus.cli.serve import run_server; run_server('embedded', '127.0.0.1', {port})"
    log = (data_dir / "server.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError((data_dir / "server.log").read_text())
        try:
            # a generous per-request timeout: on a loaded machine the first answers take
            # seconds, and a 1 s timeout kept failing until the deadline (the deadline only
            # turns a hang into a failure)
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=15).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start: " + (data_dir / "server.log").read_text())


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


async def seed_users(data_dir: Path) -> None:
    db = Database.from_url(f"sqlite+aiosqlite:///{data_dir / 'nexus.db'}")
    try:
        await migrate(db.engine)
        passwords = Passwords()
        for email, tenant, role in USERS.values():
            await accounts.create_user(
                db, passwords, email=email, password=PASSWORD, role=role, tenant_slug=tenant
            )
    finally:
        await db.dispose()


def login(base_url: str, email: str, password: str = PASSWORD) -> dict[str, Any]:
    r = httpx.post(f"{base_url}/api/v1/auth/login", json={"email": email, "password": password})
    assert r.status_code == 200, r.text
    return r.json()


def wait_for_run(client: httpx.Client, run_id: str, timeout_s: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        run = client.get(f"/api/v1/runs/{run_id}").json()
        if run["status"] in ("succeeded", "failed", "cancelled"):
            return run
        time.sleep(0.1)
    raise AssertionError(f"run {run_id} did not finish")


def seed_objects(world: World) -> None:
    with world.client("admin_a") as c:
        project = c.post("/api/v1/projects", json={"name": "A's project"}).json()
        world.ids["project_id"] = project["project_id"]
        story = c.post(
            f"/api/v1/projects/{project['project_id']}/stories",
            json={"title": "A story", "text": "Once upon a time.", "format": "txt"},
        ).json()
        world.ids["story_id"] = story["story_id"]
        run = c.post(
            "/api/v1/runs",
            json={
                "project_id": project["project_id"],
                "pipeline": "demo",
                "params": {"n": 1, "sleep_s": 0, "rounds": 10},
            },
        ).json()
        world.ids["run_id"] = run["run_id"]
        assert wait_for_run(c, run["run_id"])["status"] == "succeeded"
        jobs = c.get(f"/api/v1/runs/{run['run_id']}/jobs").json()["items"]
        world.ids["job_id"] = jobs[0]["job_id"]
        arts = c.get(f"/api/v1/runs/{run['run_id']}/artifacts").json()["items"]
        world.ids["artifact_id"] = arts[0]["artifact_id"]
        world.ids["sha256"] = arts[0]["sha256"]
        key = c.post("/api/v1/api-keys", json={"name": "ci", "scopes": ["runs:read"]}).json()
        world.ids["key_id"] = key["key_id"]
        world.ids["key"] = key["key"]
        members = c.get("/api/v1/members").json()["items"]
        world.ids["user_id"] = next(m["user_id"] for m in members if m["role"] == "viewer")
        budget = {"scope": "project", "scope_id": project["project_id"], "usd": 5}
        assert c.put("/api/v1/budgets", json=budget).status_code == 200
        seed_session(c, world)


def sse_events(response: httpx.Response) -> list[tuple[str, str | None, dict[str, Any]]]:
    """(event, id, data) of each SSE message of a whole streamed response."""
    out: list[tuple[str, str | None, dict[str, Any]]] = []
    event, sid, data = "message", None, ""
    for line in response.iter_lines():
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("id:"):
            sid = line[3:].strip()
        elif line.startswith("data:"):
            data += line[5:].strip()
        elif not line and data:
            out.append((event, sid, json.loads(data)))
            event, sid, data = "message", None, ""
    return out


def seed_session(c: httpx.Client, world: World) -> None:
    """An agent session of tenant A with one answered message (the offline engine)."""
    body = {"project_id": world.ids["project_id"], "title": "A's chat"}
    session = c.post("/api/v1/sessions", json=body)
    assert session.status_code == 201, session.text
    world.ids["session_id"] = session.json()["session_id"]
    url = f"/api/v1/sessions/{world.ids['session_id']}/messages"
    with c.stream("POST", url, json={"content": "estimate the cost"}, timeout=120) as r:
        assert r.status_code == 200, r.read()
        events = sse_events(r)
    assert events[-1][0] == "run_finished", events
    world.ids["agent_run_id"] = events[-1][2]["agent_run_id"]


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data_dir = tmp_path_factory.mktemp("gateway")
    asyncio.run(seed_users(data_dir))
    port = free_port()
    proc = start_server(data_dir, port, server_env(data_dir))
    try:
        w = World(base_url=f"http://127.0.0.1:{port}", data_dir=data_dir)
        for who, (email, _, _) in USERS.items():
            pair = login(w.base_url, email)
            w.tokens[who] = pair["access_token"]
            w.refresh[who] = pair["refresh_token"]
        seed_objects(w)
        yield w
    finally:
        stop_server(proc)
