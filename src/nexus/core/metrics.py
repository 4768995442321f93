"""Process-wide Prometheus metrics (the catalogue's counters, histograms and event gauges).

Names and labels are those of ``nexus.observer.catalogue`` (tests check the two agree).
Labels are bounded: pools, skills, providers, models, outcomes, never run or job ids. The
state gauges (runs and jobs by state, queue depth and age, budget utilisation) are not here:
they are read from the database at scrape time (``nexus.orchestrator.metrics_collector``).
``exposition`` renders one process's share: the catalogue names it claims, no others.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

disable_created_metrics()  # no ``*_created`` series: they double the exposition's size
REGISTRY = CollectorRegistry()
FAST = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
SLOW = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0)

RUNS_FINISHED = Counter(
    "nexus_runs", "Runs that reached a terminal state.", ["pipeline", "status"], registry=REGISTRY
)
JOBS_FINISHED = Counter(
    "nexus_jobs", "Job attempts finished, by outcome.", ["skill", "status"], registry=REGISTRY
)
JOB_DURATION = Histogram(
    "nexus_job_duration_seconds",
    "Job attempt execution time per skill.",
    ["skill"],
    buckets=SLOW,
    registry=REGISTRY,
)
LEASE_EXPIRIES = Counter(
    "nexus_lease_expiries",
    "Leases that expired (a worker died or stalled).",
    ["pool"],
    registry=REGISTRY,
)
RECOVERIES = Counter(
    "nexus_recoveries",
    "Jobs recovered after a lease expiry or a restart.",
    ["kind"],
    registry=REGISTRY,
)
CACHE_LOOKUPS = Counter(
    "nexus_cache_lookups", "Job cache lookups: result=hit|miss.", ["skill", "result"],
    registry=REGISTRY,
)  # fmt: skip
PROVIDER_CALLS = Counter(
    "nexus_provider_calls",
    "Provider calls by outcome (ok or an error code).",
    ["provider", "model", "capability", "outcome"],
    registry=REGISTRY,
)
PROVIDER_LATENCY = Histogram(
    "nexus_provider_latency_seconds",
    "Provider call latency.",
    ["provider", "capability"],
    buckets=SLOW,
    registry=REGISTRY,
)
PROVIDER_COST = Counter(
    "nexus_provider_cost_usd", "Money spent at providers (USD).", ["provider", "model"],
    registry=REGISTRY,
)  # fmt: skip
PROVIDER_TOKENS = Counter(
    "nexus_provider_tokens",
    "Tokens sent (input) and received (output).",
    ["provider", "model", "direction"],
    registry=REGISTRY,
)
PROVIDER_FAILOVERS = Counter(
    "nexus_provider_failovers",
    "Calls that failed over to another provider.",
    ["capability", "from_provider", "to_provider"],
    registry=REGISTRY,
)
CIRCUIT_OPEN = Gauge(
    "nexus_provider_circuit_open",
    "1 while the provider's circuit breaker is open.",
    ["provider"],
    registry=REGISTRY,
)
BROKER_PUBLISH = Histogram(
    "nexus_broker_publish_seconds",
    "Broker publish-with-confirm latency.",
    ["pool"],
    buckets=FAST,
    registry=REGISTRY,
)
DB_STEP = Histogram(
    "nexus_db_step_seconds",
    "Database step latency of the orchestrator (claim, commit, advance).",
    ["step"],
    buckets=FAST,
    registry=REGISTRY,
)
SLA_BREACHED = Gauge(
    "nexus_sla_breached",
    "1 while an SLA objective is breached (the observer).",
    ["pipeline", "objective"],
    registry=REGISTRY,
)
POLICY_DECISIONS = Counter(
    "nexus_policy_decisions",
    "Policy decisions by action and verdict (allows are counted, not audited).",
    ["action", "verdict"],
    registry=REGISTRY,
)


def pool_of(queue: str) -> str:
    """``nexus.jobs.cpu`` -> ``cpu`` (the bounded pool label of a queue name)."""
    return queue.rsplit(".", 1)[-1]


class Only:
    """The families of ``sources`` whose name is in ``names`` (a process's catalogue share)."""

    def __init__(self, names: Collection[str], sources: Iterable[Collector]) -> None:
        self.names = frozenset(names)
        self.sources = list(sources)

    def collect(self) -> Iterator[Metric]:
        for source in self.sources:
            for family in source.collect():
                # prometheus_client names counter families without their ``_total``
                key = f"{family.name}_total" if family.type == "counter" else family.name
                if key in self.names:
                    yield family


def exposition(names: Collection[str], *extra: Collector) -> bytes:
    """The Prometheus text of one process: the catalogue ``names`` it claims."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(Only(names, [REGISTRY, *extra]))
    return generate_latest(registry)
