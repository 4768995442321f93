"""The four Nexus dashboards as code: platform overview, pipeline, workers and queues, providers.

Run ``python deploy/grafana/dashboards.py`` to rewrite deploy/grafana/dashboards/*.json; every
query may use only series and labels of ``nexus.observer.catalogue`` (tests/deploy checks it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from panels import Layout, dashboard, stat, table, timeseries, variable  # noqa: E402

RI = "$__rate_interval"
OUT = Path(__file__).parent / "dashboards"
RED = [(None, "green"), (1, "red")]


def overview() -> dict[str, Any]:
    lay = Layout()
    lay.row("Now")
    lay.add(stat("Workers up", "Worker processes Prometheus scrapes successfully.", "none",
                 [('sum(up{job="nexus-worker"})', "workers")], [(None, "red"), (1, "green")]), 4, 4)
    lay.add(stat("Ready jobs waiting", "Ready jobs across every pool.", "none",
                 [("sum(nexus_queue_depth)", "ready")]), 4, 4)
    lay.add(stat("Oldest ready job", "Age of the oldest ready job in any pool.", "s",
                 [("max(nexus_queue_oldest_age_seconds)", "age")],
                 [(None, "green"), (120, "orange"), (300, "red")]), 4, 4)
    lay.add(stat("SLA objectives breached", "Objectives the observer reports breached.", "none",
                 [("sum(nexus_sla_breached) or vector(0)", "breached")], RED), 4, 4)
    lay.add(stat("Provider circuits open", "Providers whose circuit breaker is open.", "none",
                 [("sum(nexus_provider_circuit_open) or vector(0)", "open")], RED), 4, 4)
    lay.add(stat("Budgets near limit", "Budgets at 80% or more of their limit.", "none",
                 [("sum(nexus_budgets_near_limit) or vector(0)", "near")],
                 [(None, "green"), (1, "orange")]), 4, 4)
    lay.row("Traffic and errors")
    lay.add(timeseries("Run throughput by pipeline and status", "Runs reaching each terminal status per second.", "ops",
                       [(f"sum by (pipeline, status) (rate(nexus_runs_total[{RI}]))", "{{pipeline}} {{status}}")]), 12, 8)
    lay.add(timeseries("Job throughput by skill and status", "Job attempts finished per second.", "ops",
                       [(f"sum by (skill, status) (rate(nexus_jobs_total[{RI}]))", "{{skill}} {{status}}")]), 12, 8)
    lay.add(timeseries("Job failure ratio", "Share of job attempts that did not succeed.", "percentunit",
                       [(f'sum(rate(nexus_jobs_total{{status!="succeeded"}}[{RI}])) / sum(rate(nexus_jobs_total[{RI}]))', "failed")]), 8, 8)
    lay.add(timeseries("HTTP errors by status code", "4xx and 5xx answers per second.", "reqps",
                       [(f'sum by (status) (rate(nexus_http_requests_total{{status=~"[45].."}}[{RI}]))', "{{status}}")]), 8, 8)
    lay.add(timeseries("HTTP request rate by route", "Requests per second by route template.", "reqps",
                       [(f"sum by (route) (rate(nexus_http_requests_total[{RI}]))", "{{route}}")]), 8, 8)
    lay.row("Latency and saturation")
    lay.add(timeseries("HTTP latency (p50 / p95)", "Request duration quantiles over every route.", "s",
                       [(f"histogram_quantile(0.5, sum by (le) (rate(nexus_http_request_duration_seconds_bucket[{RI}])))", "p50"),
                        (f"histogram_quantile(0.95, sum by (le) (rate(nexus_http_request_duration_seconds_bucket[{RI}])))", "p95")]), 8, 8)
    lay.add(timeseries("Job latency by skill (p95)", "Attempt execution time per skill.", "s",
                       [(f"histogram_quantile(0.95, sum by (le, skill) (rate(nexus_job_duration_seconds_bucket[{RI}])))", "{{skill}}")]), 8, 8)
    lay.add(timeseries("Queue depth by pool", "Ready jobs waiting for a worker.", "none",
                       [("max by (pool) (nexus_queue_depth)", "{{pool}}")]), 8, 8)
    return dashboard("nexus-overview", "Nexus overview",
                     "Golden signals of the platform: traffic, errors, latency, saturation.", lay, [])


def pipeline() -> dict[str, Any]:
    lay = Layout()
    sel = 'pipeline=~"$pipeline"'
    ssel = 'skill=~"$skill"'
    lay.row("Runs")
    lay.add(timeseries("Runs by state", "Runs of the pipeline in each state (from the database).", "none",
                       [(f"sum by (pipeline, state) (nexus_runs{{{sel}}})", "{{pipeline}} {{state}}")], stack=True), 12, 8)
    lay.add(timeseries("Run completions by status", "Runs reaching a terminal status per minute.", "none",
                       [(f"sum by (pipeline, status) (increase(nexus_runs_total{{{sel}}}[5m]))", "{{pipeline}} {{status}}")]), 12, 8)
    lay.add(stat("Runs finished in range", "Terminal runs over the dashboard's time range.", "none",
                 [(f"sum(increase(nexus_runs_total{{{sel}}}[$__range]))", "runs")]), 6, 5)
    lay.add(stat("Run failure ratio in range", "Failed runs over terminal runs in the time range.", "percentunit",
                 [(f'sum(increase(nexus_runs_total{{{sel},status="failed"}}[$__range])) / sum(increase(nexus_runs_total{{{sel}}}[$__range]))', "failed")],
                 [(None, "green"), (0.05, "orange"), (0.2, "red")]), 6, 5)
    lay.add(table("SLA objectives", "1 = breached (the observer, `nexus observe sla`).", "none",
                  [(f"max by (pipeline, objective) (nexus_sla_breached{{{sel}}})", "")]), 12, 5)
    lay.row("Stages (skills)")
    lay.add(timeseries("Stage duration p95 by skill", "Attempt execution time per stage.", "s",
                       [(f"histogram_quantile(0.95, sum by (le, skill) (rate(nexus_job_duration_seconds_bucket{{{ssel}}}[{RI}])))", "{{skill}}")]), 12, 8)
    lay.add(timeseries("Stage throughput by skill and status", "Job attempts finished per second.", "ops",
                       [(f"sum by (skill, status) (rate(nexus_jobs_total{{{ssel}}}[{RI}]))", "{{skill}} {{status}}")]), 12, 8)
    lay.add(timeseries("Jobs by state", "Jobs of each skill in each state.", "none",
                       [(f"sum by (skill, state) (nexus_jobs{{{ssel}}})", "{{skill}} {{state}}")], stack=True), 12, 8)
    lay.add(timeseries("Cache hit ratio by skill", "Share of cache lookups that hit (regeneration reuses outputs).", "percentunit",
                       [(f'sum by (skill) (rate(nexus_cache_lookups_total{{{ssel},result="hit"}}[{RI}])) / sum by (skill) (rate(nexus_cache_lookups_total{{{ssel}}}[{RI}]))', "{{skill}}")]), 12, 8)
    lay.row("Costs")
    lay.add(timeseries("Spend rate by model (USD/h)", "Provider spend per hour.", "currencyUSD",
                       [(f"sum by (provider, model) (rate(nexus_provider_cost_usd_total[{RI}])) * 3600", "{{provider}} {{model}}")]), 12, 8)
    lay.add(table("Spend in range by model", "USD spent over the dashboard's time range.", "currencyUSD",
                  [("sum by (provider, model) (increase(nexus_provider_cost_usd_total[$__range]))", "")]), 12, 8)
    variables = [
        variable("pipeline", "Pipeline", "label_values(nexus_runs_total, pipeline)"),
        variable("skill", "Skill", "label_values(nexus_jobs_total, skill)"),
    ]
    return dashboard("nexus-pipeline", "Nexus pipeline",
                     "A pipeline's runs, its stages (skills), cache hits and costs.", lay, variables)


def workers() -> dict[str, Any]:
    lay = Layout()
    psel = 'pool=~"$pool"'
    lay.row("Queues")
    lay.add(timeseries("Queue depth by pool", "Ready jobs waiting for a worker.", "none",
                       [(f"max by (pool) (nexus_queue_depth{{{psel}}})", "{{pool}}")]), 12, 8)
    lay.add(timeseries("Oldest ready job by pool", "Age of the oldest ready job; alert NexusQueueOldestJobTooOld.", "s",
                       [(f"max by (pool) (nexus_queue_oldest_age_seconds{{{psel}}})", "{{pool}}")]), 12, 8)
    lay.add(timeseries("Dispatch throughput by pool", "Jobs published to each pool's queue per second.", "ops",
                       [(f"sum by (pool) (rate(nexus_broker_publish_seconds_count{{{psel}}}[{RI}]))", "{{pool}}")]), 12, 8)
    lay.add(timeseries("Broker publish p95 by pool", "Publish-with-confirm latency.", "s",
                       [(f"histogram_quantile(0.95, sum by (le, pool) (rate(nexus_broker_publish_seconds_bucket{{{psel}}}[{RI}])))", "{{pool}}")]), 12, 8)
    lay.row("Workers, leases and recovery")
    lay.add(timeseries("Processes up", "Scraped Nexus processes (a killed worker drops to 0).", "none",
                       [('sum by (job) (up{job=~"nexus-.*"})', "{{job}}")]), 8, 8)
    lay.add(timeseries("Lease expiries by pool", "Leases that expired in 5 minutes: a worker died or stalled.", "none",
                       [(f"sum by (pool) (increase(nexus_lease_expiries_total{{{psel}}}[5m]))", "{{pool}}")]), 8, 8)
    lay.add(timeseries("Recoveries by kind", "Jobs recovered after a lease expiry or a restart, in 5 minutes.", "none",
                       [("sum by (kind) (increase(nexus_recoveries_total[5m]))", "{{kind}}")]), 8, 8)
    lay.add(timeseries("Orchestrator database steps p95", "Claim, commit and advance latency.", "s",
                       [(f"histogram_quantile(0.95, sum by (le, step) (rate(nexus_db_step_seconds_bucket[{RI}])))", "{{step}}")]), 12, 8)
    lay.add(timeseries("Running jobs by skill", "Jobs currently leased by a worker.", "none",
                       [('sum by (skill) (nexus_jobs{state="running"})', "{{skill}}")], stack=True), 12, 8)
    lay.row("GPU pool")
    lay.add(stat("GPU queue depth", "Ready jobs waiting for the GPU pool.", "none",
                 [('max(nexus_queue_depth{pool="gpu"}) or vector(0)', "gpu")]), 6, 5)
    lay.add(stat("GPU oldest ready job", "Age of the oldest GPU job.", "s",
                 [('max(nexus_queue_oldest_age_seconds{pool="gpu"}) or vector(0)', "gpu")],
                 [(None, "green"), (120, "orange"), (300, "red")]), 6, 5)
    lay.add(stat("GPU dispatches in range", "Jobs published to the GPU pool in the time range.", "none",
                 [('sum(increase(nexus_broker_publish_seconds_count{pool="gpu"}[$__range])) or vector(0)', "gpu")]), 6, 5)
    lay.add(stat("GPU lease expiries in range", "Expired GPU leases in the time range.", "none",
                 [('sum(increase(nexus_lease_expiries_total{pool="gpu"}[$__range])) or vector(0)', "gpu")], RED), 6, 5)
    variables = [variable("pool", "Pool", "label_values(nexus_queue_depth, pool)")]
    return dashboard("nexus-workers", "Nexus workers and queues",
                     "Queue depth and age, dispatch throughput, leases and recovery per pool.", lay, variables)


def providers() -> dict[str, Any]:
    lay = Layout()
    sel = 'provider=~"$provider"'
    lay.row("Calls and errors")
    lay.add(timeseries("Calls by provider and outcome", "Provider calls per second.", "reqps",
                       [(f"sum by (provider, outcome) (rate(nexus_provider_calls_total{{{sel}}}[{RI}]))", "{{provider}} {{outcome}}")]), 12, 8)
    lay.add(timeseries("Error ratio by provider", "Share of calls whose outcome is not ok.", "percentunit",
                       [(f'sum by (provider) (rate(nexus_provider_calls_total{{{sel},outcome!="ok"}}[{RI}])) / sum by (provider) (rate(nexus_provider_calls_total{{{sel}}}[{RI}]))', "{{provider}}")]), 12, 8)
    lay.add(timeseries("Latency p95 by provider and capability", "Provider call latency.", "s",
                       [(f"histogram_quantile(0.95, sum by (le, provider, capability) (rate(nexus_provider_latency_seconds_bucket{{{sel}}}[{RI}])))", "{{provider}} {{capability}}")]), 12, 8)
    lay.add(timeseries("Failovers", "Calls that failed over to another provider, per minute.", "none",
                       [("sum by (capability, from_provider, to_provider) (increase(nexus_provider_failovers_total[1m]))", "{{capability}} {{from_provider}} -> {{to_provider}}")]), 12, 8)
    lay.add(timeseries("Circuit open", "1 while the provider's circuit breaker is open.", "none",
                       [(f"max by (provider) (nexus_provider_circuit_open{{{sel}}})", "{{provider}}")]), 24, 6)
    lay.row("Spend and tokens")
    lay.add(timeseries("Spend rate by provider and model (USD/h)", "Money spent per hour.", "currencyUSD",
                       [(f"sum by (provider, model) (rate(nexus_provider_cost_usd_total{{{sel}}}[{RI}])) * 3600", "{{provider}} {{model}}")]), 12, 8)
    lay.add(timeseries("Tokens per second by direction", "Input and output tokens.", "none",
                       [(f"sum by (provider, direction) (rate(nexus_provider_tokens_total{{{sel}}}[{RI}]))", "{{provider}} {{direction}}")]), 12, 8)
    lay.add(stat("Spend in range", "USD over the dashboard's time range.", "currencyUSD",
                 [(f"sum(increase(nexus_provider_cost_usd_total{{{sel}}}[$__range])) or vector(0)", "USD")]), 8, 5)
    lay.add(timeseries("Budget utilisation by scope kind", "Highest spent+reserved / limit.", "percentunit",
                       [("max by (scope_kind) (nexus_budget_utilisation_ratio)", "{{scope_kind}}")]), 8, 5)
    lay.add(stat("Budgets near limit", "Budgets at 80% or more of their limit.", "none",
                 [("sum(nexus_budgets_near_limit) or vector(0)", "budgets")], [(None, "green"), (1, "orange")]), 8, 5)
    variables = [variable("provider", "Provider", "label_values(nexus_provider_calls_total, provider)")]
    return dashboard("nexus-providers", "Nexus providers",
                     "Provider error rate, latency, failovers, circuit breakers and spend.", lay, variables)


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
