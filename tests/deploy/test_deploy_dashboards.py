"""The shipped Grafana dashboards: generated from deploy/grafana/dashboards.py, provisioned by
compose, and every query names series and labels of the metric catalogue."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from deploy_support import COMPOSE_FILE, DEPLOY_DIR, load_yaml
from promql import PromQLError, catalogue_problems, parse

from nexus.observer.catalogue import BY_NAME

GRAFANA_DIR = DEPLOY_DIR / "grafana"
DASHBOARD_DIR = GRAFANA_DIR / "dashboards"
EXPECTED = {
    "nexus-overview": "Nexus overview",
    "nexus-pipeline": "Nexus pipeline",
    "nexus-workers": "Nexus workers and queues",
    "nexus-providers": "Nexus providers",
}
# Grafana's own variables, replaced by a value for promtool.
GRAFANA_VARS = {"$__rate_interval": "5m", "$__range": "6h", "$__interval": "1m"}


def dashboards() -> dict[str, dict[str, Any]]:
    found = {p.stem: json.loads(p.read_text()) for p in sorted(DASHBOARD_DIR.glob("*.json"))}
    assert found, "no dashboards"
    return found


def panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in board["panels"] if p["type"] != "row"]


def expressions() -> list[tuple[str, str, str]]:
    return [
        (name, p["title"], t["expr"])
        for name, board in dashboards().items()
        for p in panels(board)
        for t in p["targets"]
    ]


def test_the_four_dashboards_exist_with_stable_uids() -> None:
    boards = dashboards()
    assert {n: b["title"] for n, b in boards.items()} == EXPECTED
    for name, board in boards.items():
        assert board["uid"] == name
        assert board["schemaVersion"] >= 39, "Grafana 10.4/11 schema"
        assert board["editable"] is False


def test_committed_json_is_what_the_generator_builds() -> None:
    spec = importlib.util.spec_from_file_location("dashboards", GRAFANA_DIR / "dashboards.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for filename, build in module.DASHBOARDS.items():
        assert (DASHBOARD_DIR / filename).read_text() == module.render(build), (
            f"{filename} is stale: run python deploy/grafana/dashboards.py"
        )


def test_every_panel_has_a_query_a_unit_and_a_unique_id_and_place() -> None:
    for name, board in dashboards().items():
        ids = [p["id"] for p in board["panels"]]
        assert len(ids) == len(set(ids)), name
        cells: set[tuple[int, int]] = set()
        for p in panels(board):
            assert p["targets"], f"{name}: {p['title']} has no query"
            assert p["fieldConfig"]["defaults"]["unit"], f"{name}: {p['title']} has no unit"
            assert p["description"], p["title"]
            g = p["gridPos"]
            assert g["x"] + g["w"] <= 24, p["title"]
            for dx in range(g["w"]):
                for dy in range(g["h"]):
                    cell = (g["x"] + dx, g["y"] + dy)
                    assert cell not in cells, f"{name}: {p['title']} overlaps another panel"
                    cells.add(cell)
            refs = [t["refId"] for t in p["targets"]]
            assert len(refs) == len(set(refs)), p["title"]


def test_every_query_names_catalogue_series_with_their_labels() -> None:
    problems = [
        f"{name} / {title}: {problem}"
        for name, title, expr in expressions()
        for problem in catalogue_problems(expr)
    ]
    assert problems == []


def test_counters_are_rated_and_quantiles_grouped_by_le() -> None:
    for _, title, expr in expressions():
        parsed = parse(expr)
        for sel in parsed.selectors:
            metric = BY_NAME.get(sel.metric)
            counter = metric is not None and metric.kind == "counter"
            if counter or sel.metric.endswith(("_count", "_bucket")):
                assert parsed.functions & {"rate", "increase"}, f"{title}: {sel.metric} unrated"
        if "histogram_quantile" in parsed.functions:
            assert "le" in parsed.grouping, title
            assert all(s.metric.endswith("_bucket") for s in parsed.selectors), title


def test_the_checker_rejects_unknown_metrics_labels_and_groupings() -> None:
    assert catalogue_problems("sum(rate(nexus_jobs_total[5m]))") == []
    assert catalogue_problems("rate(nexus_job_total[5m])") == [
        "nexus_job_total is not in the catalogue"
    ]
    assert catalogue_problems('nexus_queue_depth{skill="x"}') == [
        "nexus_queue_depth has no label 'skill'"
    ]
    assert catalogue_problems("sum by (tenant_id) (nexus_runs)") == [
        "grouping by 'tenant_id', which no metric of 'sum by (tenant_id) (nexus_runs)' has"
    ]
    with pytest.raises(PromQLError):
        parse("sum(rate(nexus_jobs_total[5m])")
    with pytest.raises(PromQLError):
        parse('{__name__="nexus_runs"}')


def test_template_variables_read_labels_the_metric_has() -> None:
    for name, board in dashboards().items():
        for var in board["templating"]["list"]:
            m = re.fullmatch(r"label_values\((\w+), (\w+)\)", var["query"]["query"])
            assert m, f"{name}: {var['name']}"
            metric, label = m.groups()
            assert label in BY_NAME[metric].labels, f"{name}: {var['name']}"
            uses = [e for n, _, e in expressions() if n == name and f"${var['name']}" in e]
            assert uses, f"{name}: variable {var['name']} is used by no panel"
            for expr in uses:
                assert f'{label}=~"${var["name"]}"' in expr, expr


def test_panels_use_the_provisioned_datasource() -> None:
    provisioned = load_yaml(GRAFANA_DIR / "provisioning" / "datasources" / "prometheus.yaml")
    (source,) = provisioned["datasources"]
    assert source["url"] == "http://prometheus:9090"
    for board in dashboards().values():
        for p in panels(board):
            assert p["datasource"]["uid"] == source["uid"], p["title"]
            for t in p["targets"]:
                assert t["datasource"]["uid"] == source["uid"]
        for var in board["templating"]["list"]:
            assert var["datasource"]["uid"] == source["uid"]


def test_dashboard_provider_reads_the_mounted_folder() -> None:
    provider = load_yaml(GRAFANA_DIR / "provisioning" / "dashboards" / "nexus.yaml")
    path = provider["providers"][0]["options"]["path"]
    mounts = load_yaml(COMPOSE_FILE)["services"]["grafana"]["volumes"]
    assert f"./grafana/dashboards:{path}:ro" in mounts
    assert "./grafana/provisioning:/etc/grafana/provisioning:ro" in mounts


def test_overview_covers_the_golden_signals() -> None:
    titles = " ".join(p["title"].lower() for p in panels(dashboards()["nexus-overview"]))
    for topic in ("run throughput", "job throughput", "latency", "queue depth", "status code"):
        assert topic in titles, topic


def test_promtool_accepts_every_dashboard_query(tmp_path: Path) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (Debian package prometheus; scripts/bootstrap.sh)")
    rules = []
    for i, (_, _, expr) in enumerate(expressions()):
        for var, value in GRAFANA_VARS.items():
            expr = expr.replace(var, value)
        rules.append({"record": f"dashboard:query_{i}", "expr": re.sub(r"\$\w+", ".*", expr)})
    path = tmp_path / "queries.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    done = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
