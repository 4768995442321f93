"""The SLA monitor: every ``observer.sla_interval_s`` evaluate the SLAs over every tenant's runs,
set ``nexus_sla_breached{pipeline, objective}`` and record alert events on status changes.

Runs in the orchestrator processes (and embedded mode); it reads runs through the ``RunSource``
its caller provides and never changes run state.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Sequence

from prometheus_client import CollectorRegistry, Gauge

from nexus.contracts.observe import AlertEvent, SlaObjective
from nexus.core import metrics
from nexus.core.db import Database
from nexus.core.ids import utcnow
from nexus.core.logging import get_logger
from nexus.core.settings import SlaSettings
from nexus.observer.alerts import record_transitions
from nexus.observer.catalogue import BY_NAME
from nexus.observer.sla import RunSource, read_objectives

log = get_logger(__name__)
SLA_METRIC = BY_NAME["nexus_sla_breached"]


_GAUGES: weakref.WeakKeyDictionary[CollectorRegistry, Gauge] = weakref.WeakKeyDictionary()


def sla_gauge(registry: CollectorRegistry) -> Gauge:
    """The catalogue's ``nexus_sla_breached``, registered once per registry (a process may
    build several monitors, e.g. tests, and prometheus_client refuses a second registration)."""
    gauge = _GAUGES.get(registry)
    if gauge is None:
        labels = list(SLA_METRIC.labels)
        gauge = Gauge(SLA_METRIC.name, SLA_METRIC.help, labels, registry=registry)
        _GAUGES[registry] = gauge
    return gauge


def set_gauge(gauge: Gauge, objectives: Sequence[SlaObjective]) -> None:
    for o in objectives:
        gauge.labels(o.pipeline, o.objective).set(1.0 if o.status == "breached" else 0.0)


class SlaMonitor:
    def __init__(
        self,
        db: Database,
        source: RunSource,
        slas: Sequence[SlaSettings],
        *,
        interval_s: float,
        registry: CollectorRegistry | None = None,
    ) -> None:
        self.db = db
        self.source = source
        self.slas = list(slas)
        self.interval_s = interval_s
        # The process registry's gauge (served on /metrics), or a test's own registry.
        self.gauge = sla_gauge(registry) if registry is not None else metrics.SLA_BREACHED
        self._task: asyncio.Task[None] | None = None

    async def check_once(self) -> list[AlertEvent]:
        """One evaluation: the gauge for every objective, alert events for the changes."""
        now = utcnow()
        objectives = await read_objectives(self.source, self.slas, now, tenant_id=None)
        set_gauge(self.gauge, objectives)
        return await record_transitions(self.db, objectives, now)

    async def _loop(self) -> None:
        while True:
            try:
                await self.check_once()
            except Exception as exc:  # noqa: BLE001 - a failed evaluation must not stop the loop
                log.warning("observer.sla_check_failed", error=f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(self.interval_s)

    def start(self) -> None:
        if self.slas and self._task is None:
            self._task = asyncio.create_task(self._loop(), name="sla-monitor")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
