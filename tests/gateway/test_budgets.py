"""Budgets and costs over the API: admins set, members read, remaining and utilisation,
bad input refused with a code, and the cost ledger's sums are the caller's tenant only."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from nexus.contracts.router import CallScope, ProviderCall, Usage
from nexus.core.db import Database
from nexus.observer.costs import CostLedger
from tests.gateway.conftest import World


def test_admins_set_budgets_and_members_read_them(world: World) -> None:
    body = {"scope": "run", "scope_id": world.ids["run_id"], "usd": 2.5, "tokens": 1000}
    with world.client("editor_a") as editor:
        refused = editor.put("/api/v1/budgets", json=body)
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    with world.client("admin_a") as admin:
        r = admin.put("/api/v1/budgets", json=body)
        assert r.status_code == 200, r.text
        tenant = admin.put("/api/v1/budgets", json={"scope": "tenant", "usd": 100})
        assert tenant.status_code == 200, tenant.text
    budget = r.json()
    assert budget["usd"] == {
        "limit": 2.5, "spent": 0.0, "held": 0.0, "remaining": 2.5, "utilisation": 0.0
    }  # fmt: skip
    assert budget["tokens"]["limit"] == 1000
    assert budget["compute_s"]["limit"] is None and budget["compute_s"]["remaining"] is None
    with world.client("viewer_a") as viewer:
        one = viewer.get(f"/api/v1/budgets/run/{world.ids['run_id']}")
        own = viewer.get("/api/v1/budgets/tenant/current")
        listed = viewer.get("/api/v1/budgets", params={"scope": "run"})
    assert one.status_code == 200 and one.json() == budget
    assert own.status_code == 200 and own.json()["usd"]["limit"] == 100
    assert [b["scope_id"] for b in listed.json()["items"]] == [world.ids["run_id"]]
    with world.client("admin_b") as b:
        assert b.get("/api/v1/budgets/tenant/current").status_code == 404  # B has none
        foreign = b.get(f"/api/v1/budgets/tenant/{own.json()['scope_id']}")
    assert foreign.status_code == 404


def test_bad_budgets_are_refused_with_a_code(world: World) -> None:
    with world.client("admin_a") as c:
        negative = c.put(
            "/api/v1/budgets",
            json={"scope": "project", "scope_id": world.ids["project_id"], "usd": -1},
        )
        no_id = c.put("/api/v1/budgets", json={"scope": "project", "usd": 1})
        unknown = c.put("/api/v1/budgets", json={"scope": "project", "scope_id": "prj_x"})
        still = c.get(f"/api/v1/budgets/project/{world.ids['project_id']}")
    assert negative.status_code == 422 and negative.json()["code"] == "validation_failed"
    assert no_id.status_code == 422 and no_id.json()["code"] == "validation_failed"
    assert unknown.status_code == 404
    assert still.json()["usd"]["limit"] == 5  # the refused writes changed nothing


def test_costs_are_the_callers_tenant_only(world: World) -> None:
    async def record() -> None:
        db = Database.from_url(f"sqlite+aiosqlite:///{world.data_dir / 'nexus.db'}")
        try:
            async with db.read() as conn:
                row = (
                    await conn.execute(
                        text("SELECT tenant_id FROM runs WHERE run_id = :r"),
                        {"r": world.ids["run_id"]},
                    )
                ).one()
            scope = CallScope(
                tenant_id=row.tenant_id, project_id=world.ids["project_id"],
                run_id=world.ids["run_id"],
            )  # fmt: skip
            ledger = CostLedger(db)
            for model, cost in (("gpt-a", 0.25), ("gpt-b", 0.5)):
                await ledger.record_call(
                    ProviderCall(
                        scope=scope, provider="fake", model=model, capability="chat",
                        usage=Usage(input_tokens=10, output_tokens=5), cost_usd=cost,
                    )
                )  # fmt: skip
        finally:
            await db.dispose()

    asyncio.run(record())
    run_id = world.ids["run_id"]
    with world.client("viewer_a") as a:
        mine = a.get("/api/v1/costs", params={"run_id": run_id, "by": "model"}).json()
    with world.client("admin_b") as b:
        theirs = b.get("/api/v1/costs", params={"run_id": run_id}).json()
        bad = b.get("/api/v1/costs", params={"by": "colour"})
    assert mine["total"]["calls"] == 2 and mine["total"]["cost_usd"] == 0.75
    assert [(g["key"], g["cost_usd"]) for g in mine["groups"]] == [("gpt-b", 0.5), ("gpt-a", 0.25)]
    assert theirs["total"]["calls"] == 0 and theirs["groups"] == []
    assert bad.status_code == 422
