"""The observer's endpoints over HTTP: SLA report (tenant scope, operator-only scope=all),
alert events (operators), run explanations (tenant isolated), bad windows."""

from __future__ import annotations

from tests.gateway.conftest import World, wait_for_run


def test_sla_report_of_a_tenant_and_of_every_tenant(world: World) -> None:
    with world.client("viewer_a") as c:
        r = c.get("/api/v1/observe/sla")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["scope"] == "tenant"
        demo = [o for o in body["objectives"] if o["pipeline"] == "demo"]
        assert {o["objective"] for o in demo} == {"demo-runs.duration", "demo-runs.failure_rate"}
        assert all(o["samples"] >= 1 for o in demo)  # the seeded run of tenant A
        r = c.get("/api/v1/observe/sla", params={"window": "1h"})
        assert {o["window_s"] for o in r.json()["objectives"]} == {3600}
        refused = c.get("/api/v1/observe/sla", params={"scope": "all"})
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
        bad = c.get("/api/v1/observe/sla", params={"window": "soon"})
        assert bad.status_code == 422 and bad.json()["code"] == "validation_failed"
    with world.client("admin_b") as c:
        theirs = c.get("/api/v1/observe/sla").json()
        assert all(o["samples"] == 0 for o in theirs["objectives"] if o["pipeline"] == "demo")
        assert c.get("/api/v1/observe/sla", params={"scope": "all"}).status_code == 403
        assert c.get("/api/v1/observe/alerts").status_code == 403
    with world.client("admin_a") as c:  # the operator tenant's admin
        everyone = c.get("/api/v1/observe/sla", params={"scope": "all"}).json()
        assert everyone["scope"] == "all"
        r = c.get("/api/v1/observe/alerts", params={"limit": 5})
        assert r.status_code == 200 and isinstance(r.json()["items"], list)


def test_explain_a_failed_run_and_isolate_tenants(world: World) -> None:
    with world.client("editor_a") as c:
        body = {
            "project_id": world.ids["project_id"],
            "pipeline": "demo",
            "params": {"n": 2, "sleep_s": 0, "rounds": 10, "fatal_node": 0},
        }
        run_id = c.post("/api/v1/runs", json=body).json()["run_id"]
        assert wait_for_run(c, run_id)["status"] == "failed"
        x = c.get(f"/api/v1/runs/{run_id}/explain").json()
        assert x["status"] == "failed" and x["error_code"] == "skill_failed"
        (incident,) = x["incidents"]
        assert incident["node_key"] == "work[0]" and incident["root_cause"] is True
        assert incident["attempts"][0]["outcome"] == "failed"
        assert "join" in incident["blocked"]
        ok = c.get(f"/api/v1/runs/{world.ids['run_id']}/explain").json()
        assert ok["status"] == "succeeded" and ok["incidents"] == [] and ok["slowest"]
    with world.client("admin_b") as c:
        r = c.get(f"/api/v1/runs/{run_id}/explain")
        assert r.status_code == 404 and r.json()["code"] == "run_not_found"
    with world.client() as c:
        assert c.get(f"/api/v1/runs/{run_id}/explain").status_code == 401
