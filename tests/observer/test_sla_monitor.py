"""The SLA monitor over real runs: the gauge, one alert event per status change (also with two
orchestrators evaluating at once), recovery, tenant scoping of the report; never a run write."""

from __future__ import annotations

import asyncio

from prometheus_client import CollectorRegistry

from nexus.core.ids import utcnow
from nexus.gateway.services.observe import read_sla_report
from nexus.observer.alerts import list_alerts, read_states
from nexus.observer.sla_monitor import SlaMonitor
from nexus.orchestrator import queries
from nexus.platform import Platform
from tests.observer.conftest import PlatformFactory, run_demo

FAILURES = {"pipeline": "demo", "objective": "demo-fast.failure_rate"}
DURATION = {"pipeline": "demo", "objective": "demo-fast.duration"}


def monitor(platform: Platform, registry: CollectorRegistry) -> SlaMonitor:
    slas = platform.settings.observer.slas
    return SlaMonitor(
        platform.db, platform.read_run_samples, slas, interval_s=3600, registry=registry
    )


async def run_rows(platform: Platform) -> list[tuple[str, str, int]]:
    async with platform.db.read() as conn:
        rows = await queries.list_runs(conn, limit=100)
    return [(r.run_id, r.status, r.version) for r in rows]


async def test_breach_alerts_once_and_recovery_alerts_once(make_platform: PlatformFactory) -> None:
    platform = await make_platform()
    assert platform.sla_monitor is not None
    await platform.sla_monitor.stop()  # this test drives the evaluations itself
    registry = CollectorRegistry()
    first, second = monitor(platform, registry), monitor(platform, CollectorRegistry())

    for _ in range(2):
        await run_demo(platform)
    assert await first.check_once() == []
    assert registry.get_sample_value("nexus_sla_breached", FAILURES) == 0.0
    assert registry.get_sample_value("nexus_sla_breached", DURATION) == 0.0

    for _ in range(2):
        await run_demo(platform, fatal_node=0)
    before = await run_rows(platform)
    raised = await asyncio.gather(first.check_once(), second.check_once())
    events = [e for batch in raised for e in batch]
    assert [(e.type, e.objective) for e in events] == [
        ("nexus.observer.sla_breached", "demo-fast.failure_rate")
    ]
    assert events[0].payload["value"] == 0.5 and events[0].payload["samples"] == 4
    assert registry.get_sample_value("nexus_sla_breached", FAILURES) == 1.0
    assert await first.check_once() == []  # still breached: no second alert
    assert await run_rows(platform) == before  # the observer never touched a run

    for _ in range(3):
        await run_demo(platform)
    (recovered,) = await second.check_once()
    assert recovered.type == "nexus.observer.sla_recovered"
    assert recovered.payload["value"] == 2 / 7
    await first.check_once()
    assert registry.get_sample_value("nexus_sla_breached", FAILURES) == 0.0
    async with platform.db.read() as conn:
        alerts = await list_alerts(conn)
        states = await read_states(conn)
    assert [a.type for a in alerts] == [
        "nexus.observer.sla_recovered",
        "nexus.observer.sla_breached",
    ]
    assert states == {"demo-fast.duration": "ok", "demo-fast.failure_rate": "ok"}


async def test_report_is_scoped_to_a_tenant(make_platform: PlatformFactory) -> None:
    platform = await make_platform()
    for _ in range(2):
        await run_demo(platform)
    mine = await read_sla_report(platform, tenant_id="t1")
    other = await read_sla_report(platform, tenant_id="t2")
    everyone = await read_sla_report(platform, tenant_id=None, window_s=60)
    assert mine.scope == "tenant" and everyone.scope == "all"
    assert [o.samples for o in mine.objectives] == [2, 2]
    assert [o.samples for o in other.objectives] == [0, 0]
    assert [o.status for o in other.objectives] == ["no_data", "no_data"]
    assert {o.window_s for o in everyone.objectives} == {60}
    assert all(o.value is not None and o.value < 30 for o in mine.objectives[:1])
    assert everyone.evaluated_at <= utcnow()
