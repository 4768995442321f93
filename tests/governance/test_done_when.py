"""Issue 11's done-when, end to end over the HTTP API of a real server (uvicorn, embedded
platform, real sign-in): an admin writes a policy (editors run the built-in pipelines; a run
estimated over 0.50 USD and every user-uploaded skill need approval); an editor uploads a
Python skill that transforms subtitles and starts a studio run with it; the run waits; the
requester cannot approve; an approver does, over the API; the run completes with the skill
sandboxed and its subtitles transformed; a run over the cost threshold is held at creation.
Every step is in the audit log."""

from __future__ import annotations

import asyncio
import json
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
from nexus.sandbox.engine import WasmEngine
from tests.gateway.conftest import free_port, login, server_env, start_server, stop_server
from tests.llm_oracle import OracleOpenAIServer, openai_provider
from tests.sandbox.conftest import CACHE, wasm_engine  # noqa: F401 - compiles CPython once

ROOT = Path(__file__).resolve().parents[2]
SKILL = ROOT / "examples/skills/uppercase-subtitles"
POLICY = (ROOT / "tests/policy/done_when.rego").read_text()
STORY = (
    "# The Keeper\n\nThe old keeper climbed the tower at dusk. The lamp was cold.\n\n"
    '"Light the lamp," said Mara.\n'
)
OFFLINE = dict.fromkeys(("entities", "shots", "images", "speech", "lipsync"), "offline")
USERS = {
    "admin": ("admin@a.example", "admin"),
    "editor": ("editor@a.example", "editor"),
    "approver": ("approver@a.example", "approver"),
}
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


@dataclass
class Server:
    base_url: str
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)

    def client(self, who: str) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        return httpx.Client(base_url=f"{self.base_url}/api/v1", headers=headers, timeout=60)


async def _seed(data_dir: Path) -> None:
    db = Database.from_url(f"sqlite+aiosqlite:///{data_dir / 'nexus.db'}")
    try:
        await migrate(db.engine)
        for email, role in USERS.values():
            await accounts.create_user(
                db, Passwords(), email=email, password="correct horse battery staple",
                role=role, tenant_slug="tenant-a",
            )  # fmt: skip
    finally:
        await db.dispose()


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory,
    wasm_engine: WasmEngine,  # noqa: F811
) -> Iterator[Server]:
    del wasm_engine  # CPython's wasm is compiled into CACHE before the server starts
    data_dir = tmp_path_factory.mktemp("done-when")
    asyncio.run(_seed(data_dir))
    with OracleOpenAIServer() as fake:
        # A priced provider: the run that uses it is estimated well over the threshold.
        priced = json.dumps([openai_provider("fakeai", fake.url, per_image=1.0)])
        env = server_env(
            data_dir,
            NEXUS_PROVIDERS=priced,
            NEXUS_SANDBOX__CACHE_DIR=str(CACHE),
            NEXUS_GOVERNANCE__SWEEP_INTERVAL_S="0.2",
            NEXUS_ORCHESTRATOR__SWEEP_INTERVAL_S="0.2",
        )
        port = free_port()
        proc = start_server(data_dir, port, env)
        try:
            s = Server(base_url=f"http://127.0.0.1:{port}")
            for who, (email, _) in USERS.items():
                s.tokens[who] = login(s.base_url, email)["access_token"]
            with s.client("admin") as c:
                s.ids["project"] = c.post("/projects", json={"name": "gov"}).json()["project_id"]
            yield s
        finally:
            stop_server(proc)


def _start(s: Server, **params: Any) -> str:
    body = {"project_id": s.ids["project"], "pipeline": "studio",
            "params": {"story": STORY, "resolution": "640x360", **params}}  # fmt: skip
    with s.client("editor") as c:
        r = c.post("/runs", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["run_id"])


def _pending(c: httpx.Client, run_id: str) -> list[dict[str, Any]]:
    r = c.get("/approvals", params={"run_id": run_id})
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def _status(c: httpx.Client, run_id: str) -> str:
    return str(c.get(f"/runs/{run_id}").json()["status"])


def _cue_lines(srt: str) -> list[str]:
    return [
        line
        for line in srt.splitlines()
        if line.strip() and not line.strip().isdigit() and "-->" not in line
    ]


def test_the_done_when_end_to_end(server: Server) -> None:
    s = server
    with s.client("admin") as c:
        r = c.put("/policies", json={"source": POLICY})
        assert r.status_code == 200, r.text
        assert r.json()["version"] == 1
    files = {
        "manifest": ("manifest.yaml", (SKILL / "manifest.yaml").read_bytes()),
        "source": ("main.py", (SKILL / "main.py").read_bytes()),
    }
    with s.client("editor") as c:
        up = c.post("/skills/user", files=files)
        assert up.status_code == 201, up.text
        ref = f"{up.json()['name']}@{up.json()['version']}"

    run_id = _start(s, engines=OFFLINE, subtitle_transforms=[ref])
    approved: list[str] = []
    deadline = time.monotonic() + 420
    with s.client("approver") as approver, s.client("editor") as editor:
        while (status := _status(approver, run_id)) not in ("succeeded", "failed", "cancelled"):
            assert time.monotonic() < deadline, f"run {run_id} is still {status}"
            for held in _pending(approver, run_id):
                assert held["action"] == "job.dispatch"
                assert held["resource"] == f"skill:{ref.split('@')[0]}"
                assert held["reasons"] == [
                    f"user-uploaded skill {ref.split('@')[0]} needs approval"
                ]
                assert held["requested_by"] == editor.get("/auth/me").json()["user_id"]
                # The requester cannot decide: editors hold no approvals:decide.
                own = editor.post(f"/approvals/{held['approval_id']}/approve", json={})
                assert own.status_code == 403 and own.json()["code"] == "forbidden"
                jobs = editor.get(f"/runs/{run_id}/jobs").json()["items"]
                job = next(j for j in jobs if j["job_id"] == held["job_id"])
                assert job["status"] == "awaiting_approval" and job["attempt"] == 0
                r = approver.post(
                    f"/approvals/{held['approval_id']}/approve", json={"reason": "ok"}
                )
                assert r.status_code == 200, r.text
                assert r.json()["status"] == "approved"
                approved.append(held["approval_id"])
            time.sleep(0.2)
        assert status == "succeeded", approver.get(f"/runs/{run_id}").json()
        jobs = approver.get(f"/runs/{run_id}/jobs").json()["items"]
        transforms = [j for j in jobs if j["skill"] == "studio.subtitle_transform"]
        assert transforms and len(approved) == len(transforms)  # one approval per dispatch
        assert all(j["status"] == "succeeded" for j in transforms)

        media = approver.get(f"/runs/{run_id}/media").json()["items"]
        for suffix in (".srt", ".vtt"):
            item = next(m for m in media if m["name"].endswith(suffix))
            url = item["url"] if item["url"].startswith("http") else s.base_url + item["url"]
            text = httpx.get(url).text
            cues = _cue_lines(text)[1:] if suffix == ".vtt" else _cue_lines(text)  # WEBVTT
            assert cues and all(line == line.upper() for line in cues), text
            assert "THE OLD KEEPER" in text and "keeper" not in text

        # A run estimated over the threshold (the priced provider) waits at its creation.
        costly = _start(s)
        [held] = _pending(approver, costly)
        assert held["action"] == "run.create" and held["job_id"] is None
        assert "over the 0.50 USD threshold" in held["reasons"][0]
        jobs = approver.get(f"/runs/{costly}/jobs").json()["items"]
        assert jobs and {j["status"] for j in jobs if j["status"] != "pending"} == {
            "awaiting_approval"
        }
        r = approver.post(f"/approvals/{held['approval_id']}/reject", json={"reason": "too dear"})
        assert r.status_code == 200 and r.json()["status"] == "rejected"
        deadline = time.monotonic() + 60
        while _status(approver, costly) != "failed":
            assert time.monotonic() < deadline
            time.sleep(0.2)

    with s.client("admin") as c:
        audit = c.get("/audit", params={"limit": 500}).json()["items"]
    actions = [(e["action"], e["target_id"]) for e in audit]
    assert any(a == "policy.set" and str(t).endswith(":1") for a, t in actions)
    assert ("skill.upload", ref) in actions
    assert ("run.create", run_id) in actions
    holds = [
        e for e in audit
        if e["action"] == "policy.decision" and e["detail"]["verdict"] == "needs_approval"
    ]  # fmt: skip
    held_jobs = {e["target_id"] for e in holds}
    assert {j["job_id"] for j in transforms} <= held_jobs
    assert all(e["detail"]["input"]["resource"]["origin"] == "user" for e in holds)
    decided = {e["target_id"] for e in audit if e["action"] == "approval.approve"}
    assert set(approved) <= decided
    assert not any(
        e["action"] == "policy.decision" and e["detail"]["verdict"] == "allow" for e in audit
    )  # allows are counted, not audited
    finished = {e["target_id"]: e for e in audit if e["action"] == "run.finish"}
    assert finished[run_id]["detail"]["status"] == "succeeded"
    assert finished[costly]["detail"]["status"] == "failed"
    assert ("approval.reject", held["approval_id"]) in actions
    create = next(e for e in audit if e["action"] == "run.create" and e["target_id"] == costly)
    assert create["detail"]["policy"]["verdict"] == "needs_approval"
