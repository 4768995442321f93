"""The done-when flow over the API: a user skill's job waits for approval, a second user
approves, the run completes without re-executing what was done; every step audited."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.approvals.conftest import COUNTS, World


async def wait_status(w: World, run_id: str, *statuses: str, timeout_s: float = 20) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        run = (await w.call("admin_a", "GET", f"/runs/{run_id}")).json()
        if run["status"] in statuses:
            return run
        assert asyncio.get_running_loop().time() < deadline, run
        await asyncio.sleep(0.05)


async def wait_held(w: World, run_id: str, timeout_s: float = 20) -> list[dict[str, Any]]:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        r = await w.call("approver_a", "GET", "/approvals", params={"run_id": run_id})
        assert r.status_code == 200, r.text
        if r.json()["items"]:
            return r.json()["items"]
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.05)


async def start(w: World, pipeline: str = "gov", who: str = "editor_a") -> str:
    r = await w.call(
        who, "POST", "/runs", json={"project_id": w.project_id, "pipeline": pipeline, "params": {}}
    )
    assert r.status_code == 201, r.text
    return r.json()["run_id"]


async def jobs(w: World, run_id: str) -> dict[str, dict[str, Any]]:
    items = (await w.call("admin_a", "GET", f"/runs/{run_id}/jobs")).json()["items"]
    return {j["node_key"]: j for j in items}


async def test_a_user_skill_waits_then_a_second_user_approves(world: World) -> None:
    run_id = await start(world)
    [held] = await wait_held(world, run_id)
    assert held["action"] == "job.dispatch" and held["resource"] == "skill:gov.user"
    assert held["requested_by"] == world.users["editor_a"]
    assert any("user-uploaded skill gov.user" in r for r in held["reasons"])
    assert held["policy_version"] == 1
    state = await jobs(world, run_id)
    assert state["a"]["status"] == "succeeded" and state["b"]["status"] == "awaiting_approval"
    assert COUNTS[f"{run_id}:a"] == 1 and COUNTS[f"{run_id}:b"] == 0

    r = await world.call(
        "approver_a", "POST", f"/approvals/{held['approval_id']}/approve", json={"reason": "ok"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "approved"
    assert r.json()["decided_by"] == world.users["approver_a"]
    run = await wait_status(world, run_id, "succeeded", "failed")
    assert run["status"] == "succeeded"
    assert [COUNTS[f"{run_id}:{k}"] for k in "abc"] == [1, 1, 1]  # a was not re-executed

    await world.platform.policy_upkeep.flush_audits()
    audit = (await world.call("admin_a", "GET", "/audit", params={"limit": 200})).json()["items"]
    actions = [e["action"] for e in audit]
    assert "run.create" in actions and "approval.approve" in actions
    decisions = [e for e in audit if e["action"] == "policy.decision"]
    verdicts = {(e["target_id"], e["detail"]["verdict"]) for e in decisions}
    ids = {k: j["job_id"] for k, j in (await jobs(world, run_id)).items()}
    assert (ids["b"], "needs_approval") in verdicts
    assert not any(v == "allow" for _, v in verdicts)  # allows are counted, not audited
    gate = world.platform.policy_gate
    assert gate is not None and gate.counted["allow"] >= 2 and gate.counted["needs_approval"] >= 1
    create = next(e for e in audit if e["action"] == "run.create" and e["target_id"] == run_id)
    assert create["detail"]["policy"]["verdict"] == "allow"


async def test_a_rejection_fails_the_run(world: World) -> None:
    run_id = await start(world)
    [held] = await wait_held(world, run_id)
    r = await world.call(
        "admin_a", "POST", f"/approvals/{held['approval_id']}/reject", json={"reason": "no"}
    )
    assert r.status_code == 200, r.text
    run = await wait_status(world, run_id, "failed", "succeeded")
    assert run["status"] == "failed"
    assert COUNTS[f"{run_id}:b"] == 0 and COUNTS[f"{run_id}:c"] == 0


async def test_a_held_creation_waits_for_its_approval(world: World) -> None:
    run_id = await start(world, "gov_hold")
    [held] = await wait_held(world, run_id)
    assert held["action"] == "run.create" and held["job_id"] is None
    assert held["reasons"] == ["the gov_hold pipeline is held at creation"]
    assert (await jobs(world, run_id))["a"]["status"] == "awaiting_approval"
    assert COUNTS[f"{run_id}:a"] == 0
    r = await world.call("approver_a", "POST", f"/approvals/{held['approval_id']}/approve", json={})
    assert r.status_code == 200, r.text
    assert (await wait_status(world, run_id, "succeeded", "failed"))["status"] == "succeeded"
    assert [COUNTS[f"{run_id}:{k}"] for k in "ac"] == [1, 1]


async def test_a_denied_creation_is_403_and_audited(world: World) -> None:
    r = await world.call(
        "approver_a",
        "POST",
        "/runs",
        json={"project_id": world.project_id, "pipeline": "gov", "params": {}},
    )
    assert r.status_code == 403  # approvers have no runs:write: the route refuses first
    policy = 'package nexus.policy\nimport rego.v1\ndeny contains "closed today" if true\n'
    policy += "allow if true\n"
    assert (await world.call("admin_a", "PUT", "/policies", json={"source": policy})).is_success
    r = await world.call(
        "editor_a", "POST", "/runs", json={"project_id": world.project_id, "pipeline": "gov"}
    )
    assert r.status_code == 403, r.text
    assert r.json()["code"] == "policy_denied" and "closed today" in r.json()["detail"]
    audit = (await world.call("admin_a", "GET", "/audit")).json()["items"]
    denied = next(e for e in audit if e["action"] == "policy.decision")
    assert denied["outcome"] == "failure" and denied["detail"]["reasons"] == ["closed today"]
    assert denied["detail"]["input"]["principal"]["user_id"] == world.users["editor_a"]
