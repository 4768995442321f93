"""Prometheus scrape config, Grafana provisioning and the dashboard agree with each other, with the
compose services, with the pods' metrics ports, and with the metric names Nexus emits.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from deploy_support import (
    COMPOSE_FILE,
    DEPLOY_DIR,
    find_objects,
    load_yaml,
    pod_spec,
    render_overlay,
)

GRAFANA_DIR = DEPLOY_DIR / "grafana"
# The metric families the application emits (issue 5; names owned by the gateway/orchestrator).
NEXUS_METRICS = {
    "nexus_jobs_total",
    "nexus_job_duration_seconds_bucket",
    "nexus_runs_total",
    "nexus_queue_depth",
    "nexus_http_requests_total",
    "nexus_http_request_duration_seconds_bucket",
}
METRICS_PORT = 9100
API_PORT = 8000


def scrape_jobs() -> dict[str, Any]:
    config = load_yaml(DEPLOY_DIR / "prometheus" / "prometheus.yml")
    return {job["job_name"]: job for job in config["scrape_configs"]}


def job_targets(job: dict[str, Any]) -> set[tuple[str, int]]:
    targets: set[tuple[str, int]] = set()
    for static in job.get("static_configs", []):
        for target in static["targets"]:
            host, _, port = target.rpartition(":")
            targets.add((host, int(port)))
    for dns in job.get("dns_sd_configs", []):
        assert dns["type"] == "A"
        targets.update((name, int(dns["port"])) for name in dns["names"])
    return targets


def test_prometheus_scrapes_every_nexus_process_on_its_port() -> None:
    jobs = scrape_jobs()
    assert job_targets(jobs["nexus-api"]) == {("api", API_PORT)}
    assert jobs["nexus-api"]["metrics_path"] == "/metrics"
    assert job_targets(jobs["nexus-orchestrator"]) == {("orchestrator", METRICS_PORT)}
    assert job_targets(jobs["nexus-worker"]) == {
        ("worker-cpu", METRICS_PORT),
        ("worker-gpu", METRICS_PORT),
    }


def test_scrape_targets_are_compose_services() -> None:
    services = load_yaml(COMPOSE_FILE)["services"]
    for job in scrape_jobs().values():
        for host, _ in job_targets(job):
            assert host in services or host == "127.0.0.1", host
    env = load_yaml(COMPOSE_FILE)["x-nexus-env"]
    assert int(env["NEXUS_METRICS_PORT"]) == METRICS_PORT


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_pod_scrape_annotations_match_container_ports(overlay: str) -> None:
    objects = render_overlay(overlay)
    config = find_objects(objects, "ConfigMap")["nexus-config"]["data"]
    assert int(config["NEXUS_METRICS_PORT"]) == METRICS_PORT
    for name, deployment in find_objects(objects, "Deployment").items():
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        port = int(annotations["prometheus.io/port"])
        assert port == (API_PORT if name == "api" else METRICS_PORT), name
        ports = {p["containerPort"] for p in pod_spec(deployment)["containers"][0]["ports"]}
        assert port in ports, name


def dashboard() -> dict[str, Any]:
    return json.loads((GRAFANA_DIR / "dashboards" / "nexus-overview.json").read_text())


def panel_expressions() -> list[str]:
    return [t["expr"] for p in dashboard()["panels"] for t in p["targets"]]


def test_dashboard_uses_the_provisioned_datasource() -> None:
    provisioned = load_yaml(GRAFANA_DIR / "provisioning" / "datasources" / "prometheus.yaml")
    (source,) = provisioned["datasources"]
    assert source["url"] == "http://prometheus:9090"
    for panel in dashboard()["panels"]:
        assert panel["datasource"]["uid"] == source["uid"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == source["uid"]


def test_dashboard_provider_reads_the_mounted_folder() -> None:
    provider = load_yaml(GRAFANA_DIR / "provisioning" / "dashboards" / "nexus.yaml")
    path = provider["providers"][0]["options"]["path"]
    mounts = load_yaml(COMPOSE_FILE)["services"]["grafana"]["volumes"]
    assert f"./grafana/dashboards:{path}:ro" in mounts
    assert "./grafana/provisioning:/etc/grafana/provisioning:ro" in mounts


def test_dashboard_panels_cover_the_nexus_metrics() -> None:
    expressions = panel_expressions()
    used = {m for expr in expressions for m in re.findall(r"\bnexus_[a-z_]+\b", expr)}
    assert used == NEXUS_METRICS
    ids = [p["id"] for p in dashboard()["panels"]]
    assert len(ids) == len(set(ids)) >= 6
    titles = " ".join(p["title"].lower() for p in dashboard()["panels"])
    for topic in ("run throughput", "job throughput", "latency", "queue depth", "status code"):
        assert topic in titles, topic


def test_dashboard_expressions_are_well_formed() -> None:
    for expr in panel_expressions():
        depth = 0
        for char in expr:
            depth += {"(": 1, ")": -1}.get(char, 0)
            assert depth >= 0, expr
        assert depth == 0, expr
        if "histogram_quantile" in expr:
            assert "_bucket" in expr and re.search(r"by \([^)]*\ble\b", expr), expr
        for counter in re.findall(r"\bnexus_\w+_total\b", expr):
            assert re.search(rf"rate\({counter}\b", expr), f"{counter} must be rated: {expr}"
