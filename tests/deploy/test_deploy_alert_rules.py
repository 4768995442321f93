"""The shipped Prometheus alert rules: promtool accepts them and their unit tests pass, every
expression names catalogue series, every alert has a `for:`, a severity and a runbook that
exists, and compose's Prometheus loads the rule file."""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

import pytest
from deploy_support import COMPOSE_FILE, DEPLOY_DIR, REPO_ROOT, load_yaml
from promql import catalogue_problems

RULES_DIR = DEPLOY_DIR / "prometheus" / "rules"
RULE_TESTS_DIR = DEPLOY_DIR / "prometheus" / "tests"
RULES_FILE = RULES_DIR / "nexus.yml"
SEVERITIES = {"info", "warning", "critical"}
# Issue 14 item 4: the conditions an operator is paged for.
REQUIRED = {
    "NexusQueueOldestJobTooOld": "nexus_queue_oldest_age_seconds",
    "NexusJobFailureRateHigh": "nexus_jobs_total",
    "NexusLeaseExpiries": "nexus_lease_expiries_total",
    "NexusBudgetNearLimit": "nexus_budgets_near_limit",
    "NexusProviderCircuitOpen": "nexus_provider_circuit_open",
    "NexusSlaBreached": "nexus_sla_breached",
}
RUNBOOK_SECTIONS = ("## What it means", "## Confirm", "## Fix")


def alerts() -> list[dict[str, Any]]:
    groups = load_yaml(RULES_FILE)["groups"]
    return [rule for group in groups for rule in group["rules"]]


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.skip("promtool is not installed (Debian package prometheus; scripts/bootstrap.sh)")
    return found


def test_promtool_checks_the_rules() -> None:
    done = subprocess.run(
        [promtool(), "check", "rules", str(RULES_FILE)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(alerts())} rules found" in done.stdout


def test_promtool_unit_tests_pass() -> None:
    """Lease expiry after a worker dies, queue age without a gpu worker, SLA breached."""
    done = subprocess.run(
        [promtool(), "test", "rules", "nexus_test.yml"],
        capture_output=True,
        text=True,
        cwd=RULE_TESTS_DIR,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_the_required_alerts_watch_their_metric() -> None:
    by_name = {rule["alert"]: rule for rule in alerts()}
    for name, metric in REQUIRED.items():
        assert name in by_name, name
        assert re.search(rf"\b{metric}\b", by_name[name]["expr"]), name


def test_every_alert_has_for_severity_and_a_runbook() -> None:
    names = [rule["alert"] for rule in alerts()]
    assert len(names) == len(set(names))
    for rule in alerts():
        name = rule["alert"]
        assert re.fullmatch(r"\d+[smh]", rule["for"]), name
        assert rule["labels"]["severity"] in SEVERITIES, name
        notes = rule["annotations"]
        assert notes["summary"] and notes["description"], name
        assert notes["runbook_url"] == f"docs/runbooks/{name}.md", name
        runbook = (REPO_ROOT / notes["runbook_url"]).read_text()
        assert runbook.startswith(f"# {name}"), name
        for section in RUNBOOK_SECTIONS:
            assert section in runbook, f"{name}: {section}"


def test_every_expression_names_catalogue_series_with_their_labels() -> None:
    problems = [f"{r['alert']}: {p}" for r in alerts() for p in catalogue_problems(r["expr"])]
    assert problems == []


def test_compose_prometheus_loads_the_rule_files() -> None:
    config = load_yaml(DEPLOY_DIR / "prometheus" / "prometheus.yml")
    assert config["rule_files"] == ["/etc/prometheus/rules/*.yml"]
    mounts = load_yaml(COMPOSE_FILE)["services"]["prometheus"]["volumes"]
    assert "./prometheus/rules:/etc/prometheus/rules:ro" in mounts


def test_runbooks_are_only_for_shipped_alerts() -> None:
    shipped = {rule["alert"] for rule in alerts()}
    books = {p.stem for p in (REPO_ROOT / "docs" / "runbooks").glob("Nexus*.md")}
    assert books == shipped
