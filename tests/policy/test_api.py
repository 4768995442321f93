"""The policy routes: admins only, validated before they take effect (``policy_invalid``
with the engine's message; the tenant's own test cases), versioned, audited, dry-run."""

from __future__ import annotations

from pathlib import Path

from nexus.contracts.governance import PolicyDecision
from nexus.core.redaction import redact_value
from nexus.gateway.services.policy_check import audit_detail, run_create_input
from tests.approvals.conftest import World

HERE = Path(__file__).parent
SEED = (HERE / "seed.rego").read_text()
DONE = (HERE / "done_when.rego").read_text()
USER_SKILL = {
    "action": "job.dispatch",
    "principal": {"tenant_id": "ignored", "via": "system"},
    "resource": {"kind": "skill", "name": "mine", "origin": "user", "tenant_id": "ignored"},
}


async def test_only_admins_read_and_write_policies(world: World) -> None:
    for who in ("editor_a", "approver_a"):
        assert (await world.call(who, "GET", "/policies")).status_code == 403
        r = await world.call(who, "PUT", "/policies", json={"source": DONE})
        assert r.status_code == 403


async def test_invalid_policies_never_take_effect(world: World) -> None:
    r = await world.call("admin_a", "PUT", "/policies", json={"source": "package x\nallow if {"})
    assert r.status_code == 422 and r.json()["code"] == "policy_invalid"
    assert "expecting expression" in r.json()["detail"]
    failing = {
        "source": DONE,
        "tests": [{"name": "user skills go", "input": USER_SKILL, "expect": "allow"}],
    }
    r = await world.call("admin_a", "PUT", "/policies", json=failing)
    assert (
        r.status_code == 422
        and "user skills go: expected allow, got needs_approval" in (r.json()["detail"])
    )
    current = (await world.call("admin_a", "GET", "/policies")).json()
    assert current["version"] == 1  # the fixture's; neither attempt made a version


async def test_versions_history_and_the_seed_as_written(world: World) -> None:
    passing = {
        "source": SEED,
        "tests": [{"input": USER_SKILL, "expect": "deny"}],
        "comment": "the seed's example",
    }
    r = await world.call("admin_a", "PUT", "/policies", json=passing)
    assert r.status_code == 200, r.text
    assert (r.json()["version"], r.json()["syntax"]) == (2, "v0")
    history = (await world.call("admin_a", "GET", "/policies/history")).json()["items"]
    assert [h["version"] for h in history] == [2, 1]
    other = (await world.call("approver_b", "GET", "/approvals")).json()
    assert other["items"] == []
    audit = (await world.call("admin_a", "GET", "/audit")).json()["items"]
    assert any(e["action"] == "policy.set" and e["detail"]["version"] == 2 for e in audit)


async def test_evaluate_answers_for_the_callers_tenant(world: World) -> None:
    r = await world.call("admin_a", "POST", "/policies/evaluate", json={"input": USER_SKILL})
    assert r.status_code == 200, r.text
    body = r.json()
    # the principal is the caller's tenant, so the skill of "ignored" is another tenant's
    assert body["input"]["principal"]["tenant_id"] == world.tenants["tenant-a"]
    assert body["decision"]["verdict"] == "deny"
    assert body["decision"]["reasons"] == ["the skill belongs to another tenant"]
    draft = {"input": USER_SKILL, "source": "package p\nimport rego.v1\nallow if true\n"}
    r = await world.call("admin_a", "POST", "/policies/evaluate", json=draft)
    assert r.json()["decision"]["verdict"] == "allow"
    r = await world.call("editor_a", "POST", "/policies/evaluate", json={"input": USER_SKILL})
    assert r.status_code == 403


def test_the_audited_input_is_redacted() -> None:
    asked = run_create_input(
        user_id="u1",
        tenant_id="t1",
        role="editor",
        via="user",
        pipeline="studio",
        project_id="p1",
        estimated_cost_usd=1.5,
    )
    asked = asked.model_copy(update={"context": {**asked.context, "note": "mail a@b.example"}})
    detail = audit_detail(asked, PolicyDecision(verdict="allow"))
    assert detail["input"] == redact_value(asked.model_dump(mode="json"))
    assert "a@b.example" not in str(detail["input"])
    assert detail["input"]["context"]["estimated_cost_usd"] == 1.5
