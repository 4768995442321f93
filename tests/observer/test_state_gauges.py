"""The state gauges on SQLite and PostgreSQL: active runs and jobs as the orchestrator's
queries see them, queue depth and age of the ready jobs, budget utilisation per scope kind,
all from the one statement; finished work leaves the gauges (its counters keep it)."""

from __future__ import annotations

from collections import Counter

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from nexus.budgets import service
from nexus.budgets.units import Limits
from nexus.contracts.router import CallScope, Spend
from nexus.core.ids import utcnow
from nexus.core.metrics import REGISTRY
from nexus.observer import exposition
from nexus.orchestrator import queries
from nexus.platform import Platform
from tests.observer.conftest import PlatformFactory
from tests.observer.obs_helpers import check_exposition, samples

TENANT, PROJECT = "t1", "p1"


async def read(platform: Platform) -> dict[str, object]:
    await platform.gauges.refresh()
    return check_exposition("orchestrator", exposition.render("orchestrator", platform.gauges))


def labelled(family: object) -> dict[tuple[str, ...], float]:
    return {tuple(v for _, v in key): n for key, n in samples(family).items()}


async def test_gauges_follow_live_runs_jobs_and_budgets(make_platform: PlatformFactory) -> None:
    platform = await make_platform(workers=False)  # nothing consumes: the jobs stay queued
    platform.gauges.ttl_s = 0.0
    started = utcnow()
    run_id, _ = await platform.create_run(
        "demo", {"n": 3, "sleep_s": 0, "rounds": 10}, tenant_id=TENANT, project_id=PROJECT
    )
    other, _ = await platform.create_run("chain", {"n": 2}, tenant_id=TENANT, project_id=PROJECT)
    await service.set_budget(
        platform.db, platform.guard, TENANT, "project", PROJECT, Limits.of(usd=10)
    )
    await service.set_budget(
        platform.db, platform.guard, TENANT, "tenant", TENANT, Limits.of(usd=100, tokens=1000)
    )
    await platform.guard.reserve(CallScope(tenant_id=TENANT, project_id=PROJECT), Spend(usd=9))

    families = await read(platform)
    async with platform.db.read() as conn:
        runs = [await queries.read_run(conn, r) for r in (run_id, other)]
        jobs = [j for r in (run_id, other) for j in await queries.list_jobs(conn, r)]
    assert labelled(families["nexus_runs"]) == dict(Counter((r.pipeline, r.status) for r in runs))
    assert all(r.status == "running" for r in runs)
    assert labelled(families["nexus_jobs"]) == dict(Counter((j.skill, j.status) for j in jobs))
    ready = Counter(j.pool for j in jobs if j.status == "ready")
    assert ready and labelled(families["nexus_queue_depth"]) == {(p,): n for p, n in ready.items()}
    waited = (utcnow() - started).total_seconds()
    for age in labelled(families["nexus_queue_oldest_age_seconds"]).values():
        assert 0.0 <= age <= waited
    ratios = labelled(families["nexus_budget_utilisation_ratio"])
    assert ratios[("project",)] == pytest.approx(0.9)
    assert ratios[("tenant",)] == pytest.approx(0.09)  # 9 of 100 USD; no tokens used
    assert labelled(families["nexus_budgets_near_limit"]) == {("project",): 1, ("tenant",): 0}

    for r in (run_id, other):
        await platform.cancel_run(r)
    families = await read(platform)
    async with platform.db.read() as conn:
        assert {(await queries.read_run(conn, r)).status for r in (run_id, other)} == {"cancelled"}
    assert not samples(families["nexus_runs"])  # finished runs are nexus_runs_total's
    assert not samples(families["nexus_jobs"])
    assert not samples(families["nexus_queue_depth"])
    assert labelled(families["nexus_budgets_near_limit"]) == {("project",): 1, ("tenant",): 0}


async def test_a_failed_read_exposes_no_state_and_counts(make_platform: PlatformFactory) -> None:
    platform = await make_platform(workers=False)
    platform.gauges.ttl_s = 0.0
    await read(platform)
    errors = metrics_value("nexus_scrape_errors_total")
    async with platform.db.transaction() as conn:
        await conn.execute(text("DROP TABLE budget_holds"))
        await conn.execute(text("DROP TABLE budgets"))  # the statement cannot run any more
    await platform.gauges.refresh()
    body = exposition.render("orchestrator", platform.gauges).decode()
    gauges = {f.name for f in text_string_to_metric_families(body) if f.type == "gauge"}
    assert not gauges & {"nexus_runs", "nexus_jobs", "nexus_queue_depth"}
    assert "nexus_sla_breached" in gauges  # the rest of the share still answers
    assert metrics_value("nexus_scrape_errors_total") == errors + 1


def metrics_value(name: str) -> float:
    value = REGISTRY.get_sample_value(name)
    return value or 0.0
