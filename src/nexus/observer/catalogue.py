"""The metric catalogue: every Prometheus metric Nexus exposes, with its type, labels and the
processes that expose it. The code that registers metrics and the shipped dashboards and alert
rules are all tested against this one list, so a panel never queries a metric nobody exports.

Labels are bounded: pools, skills, states, pipelines, providers, models, capabilities, routes,
outcomes. Never run ids, job ids, session ids, tenant or user ids (unbounded cardinality).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["counter", "gauge", "histogram"]
Process = Literal["api", "orchestrator", "worker"]


@dataclass(frozen=True)
class MetricDef:
    name: str
    kind: Kind
    labels: tuple[str, ...]
    help: str
    processes: tuple[Process, ...]


CATALOGUE: tuple[MetricDef, ...] = (
    # gateway
    MetricDef(
        "nexus_http_requests_total",
        "counter",
        ("route", "status"),
        "HTTP requests by route template and status.",
        ("api",),
    ),
    MetricDef(
        "nexus_http_request_duration_seconds",
        "histogram",
        ("route",),
        "HTTP request duration by route template.",
        ("api",),
    ),
    # runs and jobs (state gauges are read from the database at scrape time)
    MetricDef(
        "nexus_runs",
        "gauge",
        ("pipeline", "state"),
        "Active runs (pending, running, compensating) by pipeline and state.",
        ("api", "orchestrator"),
    ),
    MetricDef(
        "nexus_runs_total",
        "counter",
        ("pipeline", "status"),
        "Runs that reached a terminal state.",
        ("orchestrator", "worker", "api"),
    ),
    MetricDef(
        "nexus_jobs",
        "gauge",
        ("skill", "state"),
        "Active jobs (pending, ready, running, awaiting_approval) by skill and state.",
        ("api", "orchestrator"),
    ),
    MetricDef(
        "nexus_jobs_total",
        "counter",
        ("skill", "status"),
        "Job attempts finished, by outcome.",
        ("orchestrator", "worker"),
    ),
    MetricDef(
        "nexus_job_duration_seconds",
        "histogram",
        ("skill",),
        "Job attempt execution time per skill.",
        ("orchestrator", "worker"),
    ),
    MetricDef(
        "nexus_queue_depth",
        "gauge",
        ("pool",),
        "Ready jobs waiting for a worker, per pool.",
        ("api", "orchestrator"),
    ),
    MetricDef(
        "nexus_queue_oldest_age_seconds",
        "gauge",
        ("pool",),
        "Age of the oldest ready job, per pool.",
        ("api", "orchestrator"),
    ),
    MetricDef(
        "nexus_lease_expiries_total",
        "counter",
        ("pool",),
        "Leases that expired (a worker died or stalled).",
        ("orchestrator",),
    ),
    MetricDef(
        "nexus_recoveries_total",
        "counter",
        ("kind",),
        "Jobs recovered after a lease expiry or a restart.",
        ("orchestrator",),
    ),
    MetricDef(
        "nexus_cache_lookups_total",
        "counter",
        ("skill", "result"),
        "Job cache lookups: result=hit|miss.",
        ("orchestrator", "worker", "api"),
    ),
    # providers and budgets
    MetricDef(
        "nexus_provider_calls_total",
        "counter",
        ("provider", "model", "capability", "outcome"),
        "Provider calls by outcome (ok or an error code).",
        ("orchestrator", "worker"),
    ),
    MetricDef(
        "nexus_provider_latency_seconds",
        "histogram",
        ("provider", "capability"),
        "Provider call latency.",
        ("orchestrator", "worker"),
    ),
    MetricDef(
        "nexus_provider_cost_usd_total",
        "counter",
        ("provider", "model"),
        "Money spent at providers (USD).",
        ("orchestrator", "worker"),
    ),
    MetricDef(
        "nexus_provider_tokens_total",
        "counter",
        ("provider", "model", "direction"),
        "Tokens sent (input) and received (output).",
        ("orchestrator", "worker"),
    ),
    MetricDef(
        "nexus_provider_failovers_total",
        "counter",
        ("capability", "from_provider", "to_provider"),
        "Calls that failed over to another provider.",
        ("orchestrator", "worker"),
    ),
    MetricDef(
        "nexus_provider_circuit_open",
        "gauge",
        ("provider",),
        "1 while the provider's circuit breaker is open.",
        ("orchestrator", "worker"),
    ),
    MetricDef(
        "nexus_budget_utilisation_ratio",
        "gauge",
        ("scope_kind",),
        "Highest spent+reserved / limit over budgets of a scope kind.",
        ("api", "orchestrator"),
    ),
    MetricDef(
        "nexus_budgets_near_limit",
        "gauge",
        ("scope_kind",),
        "Budgets at 80% or more of their limit.",
        ("api", "orchestrator"),
    ),
    # infrastructure
    MetricDef(
        "nexus_broker_publish_seconds",
        "histogram",
        ("pool",),
        "Broker publish-with-confirm latency.",
        ("orchestrator", "worker", "api"),
    ),
    MetricDef(
        "nexus_db_step_seconds",
        "histogram",
        ("step",),
        "Database step latency of the orchestrator (claim, commit, advance).",
        ("orchestrator", "worker", "api"),
    ),
    MetricDef(
        "nexus_scrape_errors_total",
        "counter",
        (),
        "State gauge reads (runs, jobs, queues, budgets) that failed at scrape time.",
        ("api", "orchestrator"),
    ),
    MetricDef(
        "nexus_sla_breached",
        "gauge",
        ("pipeline", "objective"),
        "1 while an SLA objective is breached (the observer).",
        ("api", "orchestrator"),
    ),
    # governance
    MetricDef(
        "nexus_policy_decisions_total",
        "counter",
        ("action", "verdict"),
        "Policy decisions by action and verdict (allows are counted, not audited).",
        ("api", "orchestrator"),
    ),
)

BY_NAME = {m.name: m for m in CATALOGUE}


def series_names() -> set[str]:
    """Every series name a query may use (histograms add _bucket, _sum and _count)."""
    names: set[str] = set()
    for m in CATALOGUE:
        names.add(m.name)
        if m.kind == "histogram":
            names.update({f"{m.name}_bucket", f"{m.name}_sum", f"{m.name}_count"})
    return names


def exposed_by(process: Process) -> list[MetricDef]:
    return [m for m in CATALOGUE if process in m.processes]
