"""Prometheus scrape config agrees with the compose services and the pods' metrics ports. The
dashboards and alert rules are checked against the metric catalogue in test_deploy_dashboards.py
and test_deploy_alert_rules.py.
"""

from __future__ import annotations

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
