"""Bypass attempts fail: self-approval, another tenant's approver, an approval replayed for
another job or decided twice, an approval after expiry; and a hold survives a restart."""

from __future__ import annotations

import asyncio

from tests.approvals.conftest import COUNTS, POLICY, World, WorldFactory
from tests.approvals.test_flow import jobs, start, wait_held, wait_status


async def test_the_run_creator_cannot_approve_even_as_admin(world: World) -> None:
    run_id = await start(world, who="admin_a")
    [held] = await wait_held(world, run_id)
    r = await world.call("admin_a", "POST", f"/approvals/{held['approval_id']}/approve", json={})
    assert r.status_code == 403 and r.json()["code"] == "self_approval"


async def test_editors_have_no_approval_scope(world: World) -> None:
    run_id = await start(world)
    [held] = await wait_held(world, run_id)
    r = await world.call("editor2_a", "POST", f"/approvals/{held['approval_id']}/approve", json={})
    assert r.status_code == 403 and r.json()["code"] == "forbidden"


async def test_another_tenants_approver_sees_nothing(world: World) -> None:
    run_id = await start(world)
    [held] = await wait_held(world, run_id)
    assert (await world.call("approver_b", "GET", "/approvals")).json()["items"] == []
    url = f"/approvals/{held['approval_id']}/approve"
    r = await world.call("approver_b", "POST", url, json={})
    assert r.status_code == 404 and r.json()["code"] == "approval_not_found"
    assert (await jobs(world, run_id))["b"]["status"] == "awaiting_approval"


async def test_an_approval_cannot_be_replayed_for_another_job_or_twice(world: World) -> None:
    first, second = await start(world), await start(world)
    [a] = await wait_held(world, first)
    [b] = await wait_held(world, second)
    url = f"/approvals/{a['approval_id']}/approve"
    r = await world.call("approver_a", "POST", url, json={"job_id": b["job_id"]})
    assert r.status_code == 409 and r.json()["code"] == "approval_mismatch"
    assert (await world.call("approver_a", "POST", url, json={"job_id": a["job_id"]})).is_success
    again = await world.call("admin_a", "POST", url, json={})
    assert again.status_code == 409 and again.json()["code"] == "conflict"
    reject = await world.call("admin_a", "POST", f"/approvals/{a['approval_id']}/reject", json={})
    assert reject.status_code == 409
    assert (await wait_status(world, first, "succeeded", "failed"))["status"] == "succeeded"
    assert (await jobs(world, second))["b"]["status"] == "awaiting_approval"  # B still waits


async def test_an_expired_approval_cannot_be_used_and_the_sweep_fails_the_run(
    make_world: WorldFactory,
) -> None:
    world = await make_world()
    policy = POLICY.replace("approval_ttl_s := 3600", "approval_ttl_s := 1")
    assert (await world.call("admin_a", "PUT", "/policies", json={"source": policy})).is_success
    run_id = await start(world)
    [held] = await wait_held(world, run_id)
    await asyncio.sleep(1.1)
    url = f"/approvals/{held['approval_id']}/approve"
    r = await world.call("approver_a", "POST", url, json={})
    assert r.status_code == 409 and r.json()["code"] == "approval_expired"
    run = await wait_status(world, run_id, "failed", "succeeded")
    assert run["status"] == "failed" and run["error_code"] == "approval_expired"
    r = await world.call("approver_a", "GET", f"/approvals/{held['approval_id']}")
    assert r.json()["status"] == "expired"
    assert COUNTS[f"{run_id}:b"] == 0


async def test_a_hold_survives_a_restart_and_resumes_without_re_executing(
    make_world: WorldFactory,
) -> None:
    first = await make_world()
    assert (await first.call("admin_a", "PUT", "/policies", json={"source": POLICY})).is_success
    run_id = await start(first)
    [held] = await wait_held(first, run_id)
    assert COUNTS[f"{run_id}:a"] == 1
    await first.http.aclose()
    await first.platform.close()

    second = await make_world(seed=False)  # a fresh platform over the same database
    assert second.platform.policies.version_of(second.tenants_of("tenant-a")) == 1
    [again] = await wait_held(second, run_id)
    assert again["approval_id"] == held["approval_id"]
    url = f"/approvals/{held['approval_id']}/approve"
    assert (await second.call("approver_a", "POST", url, json={})).is_success
    assert (await wait_status(second, run_id, "succeeded", "failed"))["status"] == "succeeded"
    assert [COUNTS[f"{run_id}:{k}"] for k in "abc"] == [1, 1, 1]
