"""The four Nexus dashboards as code: platform overview, pipeline, workers and queues, providers.

Run ``python deploy/grafana/dashboards.py`` to rewrite deploy/grafana/dashboards/*.json; every
query may use only series and labels of ``nexus.observer.catalogue`` (tests/deploy checks it).
The PromQL shapes are ``exprs.py``; panels that two dashboards show are built once here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from exprs import (  # noqa: E402
    agg,
    increase,
    legend,
    or_zero,
    quantile,
    rate,
    series,
    share,
    sum_by,
)
from panels import Layout, dashboard, stat, table, timeseries, variable  # noqa: E402

OUT = Path(__file__).parent / "dashboards"
RED = [(None, "green"), (1, "red")]
AGE = [(None, "green"), (120, "orange"), (300, "red")]
NEAR = [(None, "green"), (1, "orange")]


def by(op: str, labels: str, metric: str, matchers: str = "") -> tuple[str, str]:
    """``op by (labels) (metric{matchers})`` with one legend entry per label."""
    return agg(op, labels, series(metric, matchers)), legend(*labels.split(", "))


def rate_by(labels: str, metric: str, matchers: str = "", window: str = "") -> tuple[str, str]:
    expr = rate(metric, matchers, window) if window else rate(metric, matchers)
    return sum_by(labels, expr), legend(*labels.split(", "))


def increase_by(labels: str, metric: str, matchers: str, window: str) -> tuple[str, str]:
    return sum_by(labels, increase(metric, matchers, window)), legend(*labels.split(", "))


def p95_by(labels: str, metric: str, matchers: str = "") -> tuple[str, str]:
    return quantile(0.95, metric, labels, matchers), legend(*labels.split(", "))


# --- panels more than one dashboard shows -------------------------------------------------


def queue_depth(matchers: str = "") -> dict[str, Any]:
    return timeseries("Queue depth by pool", "Ready jobs waiting for a worker.", "none",
                      [by("max", "pool", "nexus_queue_depth", matchers)])  # fmt: skip


def job_throughput(title: str, matchers: str = "") -> dict[str, Any]:
    return timeseries(title, "Job attempts finished per second.", "ops",
                      [rate_by("skill, status", "nexus_jobs_total", matchers)])  # fmt: skip


def job_latency(title: str, description: str, matchers: str = "") -> dict[str, Any]:
    return timeseries(title, description, "s",
                      [p95_by("skill", "nexus_job_duration_seconds", matchers)])  # fmt: skip


def spend_rate(title: str, description: str, matchers: str = "") -> dict[str, Any]:
    expr, name = rate_by("provider, model", "nexus_provider_cost_usd_total", matchers)
    return timeseries(title, description, "currencyUSD", [(f"{expr} * 3600", name)])


def budgets_near_limit(name: str) -> dict[str, Any]:
    return stat("Budgets near limit", "Budgets at 80% or more of their limit.", "none",
                [(or_zero(sum_by("", "nexus_budgets_near_limit")), name)], NEAR)  # fmt: skip


def total(title: str, description: str, metric: str, name: str) -> dict[str, Any]:
    """A stat of ``sum(metric) or vector(0)`` that turns red from 1."""
    return stat(title, description, "none", [(or_zero(sum_by("", metric)), name)], RED)


# --- the dashboards -----------------------------------------------------------------------


def overview() -> dict[str, Any]:
    lay = Layout()
    lay.row("Now")
    lay.add(stat("Workers up", "Worker processes Prometheus scrapes successfully.", "none",
                 [(sum_by("", series("up", 'job="nexus-worker"')), "workers")],
                 [(None, "red"), (1, "green")]), 4, 4)  # fmt: skip
    lay.add(stat("Ready jobs waiting", "Ready jobs across every pool.", "none",
                 [(sum_by("", "nexus_queue_depth"), "ready")]), 4, 4)  # fmt: skip
    lay.add(stat("Oldest ready job", "Age of the oldest ready job in any pool.", "s",
                 [(agg("max", "", "nexus_queue_oldest_age_seconds"), "age")], AGE), 4, 4)  # fmt: skip
    lay.add(total("SLA objectives breached", "Objectives the observer reports breached.",
                  "nexus_sla_breached", "breached"), 4, 4)  # fmt: skip
    lay.add(total("Provider circuits open", "Providers whose circuit breaker is open.",
                  "nexus_provider_circuit_open", "open"), 4, 4)  # fmt: skip
    lay.add(budgets_near_limit("near"), 4, 4)
    lay.row("Traffic and errors")
    lay.add(timeseries("Run throughput by pipeline and status",
                       "Runs reaching each terminal status per second.", "ops",
                       [rate_by("pipeline, status", "nexus_runs_total")]), 12, 8)  # fmt: skip
    lay.add(job_throughput("Job throughput by skill and status"), 12, 8)
    lay.add(timeseries("Job failure ratio", "Share of job attempts that did not succeed.",
                       "percentunit", [(share("nexus_jobs_total", 'status!="succeeded"'), "failed")]),
            8, 8)  # fmt: skip
    lay.add(timeseries("HTTP errors by status code", "4xx and 5xx answers per second.", "reqps",
                       [rate_by("status", "nexus_http_requests_total", 'status=~"[45].."')]), 8, 8)  # fmt: skip
    lay.add(timeseries("HTTP request rate by route", "Requests per second by route template.",
                       "reqps", [rate_by("route", "nexus_http_requests_total")]), 8, 8)  # fmt: skip
    lay.row("Latency and saturation")
    lay.add(timeseries("HTTP latency (p50 / p95)", "Request duration quantiles over every route.", "s",
                       [(quantile(q, "nexus_http_request_duration_seconds"), f"p{round(q * 100)}")
                        for q in (0.5, 0.95)]), 8, 8)  # fmt: skip
    lay.add(job_latency("Job latency by skill (p95)", "Attempt execution time per skill."), 8, 8)
    lay.add(queue_depth(), 8, 8)
    return dashboard("nexus-overview", "Nexus overview",
                     "Golden signals of the platform: traffic, errors, latency, saturation.", lay, [])  # fmt: skip


def pipeline() -> dict[str, Any]:
    lay = Layout()
    sel = 'pipeline=~"$pipeline"'
    ssel = 'skill=~"$skill"'
    lay.row("Runs")
    lay.add(timeseries("Active runs by state",
                       "Runs of the pipeline not finished yet, in each state (from the database).",
                       "none", [by("sum", "pipeline, state", "nexus_runs", sel)], stack=True), 12, 8)  # fmt: skip
    lay.add(timeseries("Run completions by status", "Runs reaching a terminal status per minute.",
                       "none", [increase_by("pipeline, status", "nexus_runs_total", sel, "5m")]),
            12, 8)  # fmt: skip
    lay.add(stat("Runs finished in range", "Terminal runs over the dashboard's time range.", "none",
                 [(sum_by("", increase("nexus_runs_total", sel)), "runs")]), 6, 5)  # fmt: skip
    lay.add(stat("Run failure ratio in range", "Failed runs over terminal runs in the time range.",
                 "percentunit",
                 [(share("nexus_runs_total", 'status="failed"', matchers=sel, window="$__range"), "failed")],
                 [(None, "green"), (0.05, "orange"), (0.2, "red")]), 6, 5)  # fmt: skip
    lay.add(table("SLA objectives", "1 = breached (the observer, `nexus observe sla`).", "none",
                  [(agg("max", "pipeline, objective", series("nexus_sla_breached", sel)), "")]), 12, 5)  # fmt: skip
    lay.row("Stages (skills)")
    lay.add(job_latency("Stage duration p95 by skill", "Attempt execution time per stage.", ssel), 12, 8)
    lay.add(job_throughput("Stage throughput by skill and status", ssel), 12, 8)
    lay.add(timeseries("Active jobs by state", "Jobs of each skill not finished yet, in each state.",
                       "none", [by("sum", "skill, state", "nexus_jobs", ssel)], stack=True), 12, 8)  # fmt: skip
    lay.add(timeseries("Cache hit ratio by skill",
                       "Share of cache lookups that hit (regeneration reuses outputs).", "percentunit",
                       [(share("nexus_cache_lookups_total", 'result="hit"', "skill", ssel), legend("skill"))]),
            12, 8)  # fmt: skip
    lay.row("Costs")
    lay.add(spend_rate("Spend rate by model (USD/h)", "Provider spend per hour."), 12, 8)
    lay.add(table("Spend in range by model", "USD spent over the dashboard's time range.", "currencyUSD",
                  [(sum_by("provider, model", increase("nexus_provider_cost_usd_total")), "")]), 12, 8)  # fmt: skip
    variables = [
        variable("pipeline", "Pipeline", "label_values(nexus_runs_total, pipeline)"),
        variable("skill", "Skill", "label_values(nexus_jobs_total, skill)"),
    ]
    return dashboard("nexus-pipeline", "Nexus pipeline",
                     "A pipeline's runs, its stages (skills), cache hits and costs.", lay, variables)  # fmt: skip


def workers() -> dict[str, Any]:
    lay = Layout()
    psel = 'pool=~"$pool"'
    gpu = 'pool="gpu"'
    lay.row("Queues")
    lay.add(queue_depth(psel), 12, 8)
    lay.add(timeseries("Oldest ready job by pool",
                       "Age of the oldest ready job; alert NexusQueueOldestJobTooOld.", "s",
                       [by("max", "pool", "nexus_queue_oldest_age_seconds", psel)]), 12, 8)  # fmt: skip
    lay.add(timeseries("Dispatch throughput by pool", "Jobs published to each pool's queue per second.",
                       "ops", [rate_by("pool", "nexus_broker_publish_seconds_count", psel)]), 12, 8)  # fmt: skip
    lay.add(timeseries("Broker publish p95 by pool", "Publish-with-confirm latency.", "s",
                       [p95_by("pool", "nexus_broker_publish_seconds", psel)]), 12, 8)  # fmt: skip
    lay.row("Workers, leases and recovery")
    lay.add(timeseries("Processes up", "Scraped Nexus processes (a killed worker drops to 0).", "none",
                       [by("sum", "job", "up", 'job=~"nexus-.*"')]), 8, 8)  # fmt: skip
    lay.add(timeseries("Lease expiries by pool",
                       "Leases that expired in 5 minutes: a worker died or stalled.", "none",
                       [increase_by("pool", "nexus_lease_expiries_total", psel, "5m")]), 8, 8)  # fmt: skip
    lay.add(timeseries("Recoveries by kind",
                       "Jobs recovered after a lease expiry or a restart, in 5 minutes.", "none",
                       [increase_by("kind", "nexus_recoveries_total", "", "5m")]), 8, 8)  # fmt: skip
    lay.add(timeseries("Orchestrator database steps p95", "Claim, commit and advance latency.", "s",
                       [p95_by("step", "nexus_db_step_seconds")]), 12, 8)  # fmt: skip
    lay.add(timeseries("Running jobs by skill", "Jobs currently leased by a worker.", "none",
                       [by("sum", "skill", "nexus_jobs", 'state="running"')], stack=True), 12, 8)  # fmt: skip
    lay.row("GPU pool")
    lay.add(stat("GPU queue depth", "Ready jobs waiting for the GPU pool.", "none",
                 [(or_zero(agg("max", "", series("nexus_queue_depth", gpu))), "gpu")]), 6, 5)  # fmt: skip
    lay.add(stat("GPU oldest ready job", "Age of the oldest GPU job.", "s",
                 [(or_zero(agg("max", "", series("nexus_queue_oldest_age_seconds", gpu))), "gpu")],
                 AGE), 6, 5)  # fmt: skip
    lay.add(stat("GPU dispatches in range", "Jobs published to the GPU pool in the time range.", "none",
                 [(or_zero(sum_by("", increase("nexus_broker_publish_seconds_count", gpu))), "gpu")]),
            6, 5)  # fmt: skip
    lay.add(total("GPU lease expiries in range", "Expired GPU leases in the time range.",
                  increase("nexus_lease_expiries_total", gpu), "gpu"), 6, 5)  # fmt: skip
    variables = [variable("pool", "Pool", "label_values(nexus_queue_depth, pool)")]
    return dashboard("nexus-workers", "Nexus workers and queues",
                     "Queue depth and age, dispatch throughput, leases and recovery per pool.", lay,
                     variables)  # fmt: skip


def providers() -> dict[str, Any]:
    lay = Layout()
    sel = 'provider=~"$provider"'
    lay.row("Calls and errors")
    lay.add(timeseries("Calls by provider and outcome", "Provider calls per second.", "reqps",
                       [rate_by("provider, outcome", "nexus_provider_calls_total", sel)]), 12, 8)  # fmt: skip
    lay.add(timeseries("Error ratio by provider", "Share of calls whose outcome is not ok.", "percentunit",
                       [(share("nexus_provider_calls_total", 'outcome!="ok"', "provider", sel),
                         legend("provider"))]), 12, 8)  # fmt: skip
    lay.add(timeseries("Latency p95 by provider and capability", "Provider call latency.", "s",
                       [p95_by("provider, capability", "nexus_provider_latency_seconds", sel)]), 12, 8)  # fmt: skip
    failovers, _ = increase_by("capability, from_provider, to_provider",
                               "nexus_provider_failovers_total", "", "1m")  # fmt: skip
    lay.add(timeseries("Failovers", "Calls that failed over to another provider, per minute.", "none",
                       [(failovers, "{{capability}} {{from_provider}} -> {{to_provider}}")]), 12, 8)  # fmt: skip
    lay.add(timeseries("Circuit open", "1 while the provider's circuit breaker is open.", "none",
                       [by("max", "provider", "nexus_provider_circuit_open", sel)]), 24, 6)  # fmt: skip
    lay.row("Spend and tokens")
    lay.add(spend_rate("Spend rate by provider and model (USD/h)", "Money spent per hour.", sel), 12, 8)
    lay.add(timeseries("Tokens per second by direction", "Input and output tokens.", "none",
                       [rate_by("provider, direction", "nexus_provider_tokens_total", sel)]), 12, 8)  # fmt: skip
    lay.add(stat("Spend in range", "USD over the dashboard's time range.", "currencyUSD",
                 [(or_zero(sum_by("", increase("nexus_provider_cost_usd_total", sel))), "USD")]), 8, 5)  # fmt: skip
    lay.add(timeseries("Budget utilisation by scope kind", "Highest spent+reserved / limit.", "percentunit",
                       [by("max", "scope_kind", "nexus_budget_utilisation_ratio")]), 8, 5)  # fmt: skip
    lay.add(budgets_near_limit("budgets"), 8, 5)
    variables = [variable("provider", "Provider", "label_values(nexus_provider_calls_total, provider)")]
    return dashboard("nexus-providers", "Nexus providers",
                     "Provider error rate, latency, failovers, circuit breakers and spend.", lay,
                     variables)  # fmt: skip


DASHBOARDS = {
    "nexus-overview.json": overview,
    "nexus-pipeline.json": pipeline,
    "nexus-workers.json": workers,
    "nexus-providers.json": providers,
}


def render(build: Any) -> str:
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    for name, build in DASHBOARDS.items():
        (OUT / name).write_text(render(build))
        print(f"wrote {OUT / name}")
