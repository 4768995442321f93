"""Each process's Prometheus exposition: exactly the catalogue metrics it claims.

The API renders it on ``GET /metrics``; ``nexus orchestrator`` and ``nexus worker`` serve it
on ``Settings.metrics_port`` (``/metrics`` on a small HTTP server thread of
prometheus_client; the state gauges it asks the process's event loop to read).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.registry import Collector

from nexus.core import metrics
from nexus.observer.catalogue import Process, exposed_by

RECOVERY_KINDS = ("lease_expired", "republished", "relayed")
MODEL_POOLS = ("cpu", "gpu")


def names_for(process: Process) -> frozenset[str]:
    return frozenset(m.name for m in exposed_by(process))


def render(process: Process, *collectors: Collector) -> bytes:
    return metrics.exposition(names_for(process), *collectors)


def registry_for(process: Process, *collectors: Collector) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(metrics.Only(names_for(process), [metrics.REGISTRY, *collectors]))
    return registry


def zero_counters(process: Process, pools: Iterable[str] = MODEL_POOLS) -> None:
    """Start the counters an alert reads with ``increase()`` at 0 in the process that counts
    them. A labelled series is otherwise born at its first count (1), and ``increase()`` over a
    series that starts at 1 is 0: the first lease expiry of a process would never fire
    NexusLeaseExpiries (ADR 0259)."""
    if process == "orchestrator":
        for pool in pools:
            metrics.LEASE_EXPIRIES.labels(pool)
        for kind in RECOVERY_KINDS:
            metrics.RECOVERIES.labels(kind)


def serve(
    process: Process,
    port: int,
    *collectors: Collector,
    host: str = "0.0.0.0",
    pools: Iterable[str] = MODEL_POOLS,
) -> Callable[[], None]:
    """Serve ``/metrics`` on ``port`` in a daemon thread; returns the function that stops it.
    The process's alerting counters are exposed from 0 (``zero_counters``)."""
    zero_counters(process, pools)
    result: Any = start_http_server(port, addr=host, registry=registry_for(process, *collectors))
    server = result[0] if isinstance(result, tuple) else None

    def stop() -> None:
        if server is not None:
            server.shutdown()
            server.server_close()

    return stop
