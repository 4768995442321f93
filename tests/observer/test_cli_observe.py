"""`nexus runs explain` and `nexus observe sla|alerts` as a person runs them (embedded SQLite)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from nexus.cli.main import app

SLAS = [{"name": "demo-strict", "pipeline": "demo", "max_failure_rate": 0.1, "min_samples": 1}]


@pytest.fixture(autouse=True)
def embedded_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [k for k in os.environ if k.startswith("NEXUS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("NEXUS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NEXUS_ENV", "test")
    monkeypatch.setenv("NEXUS_ORCHESTRATOR__PROCESS_WORKERS", "0")
    monkeypatch.setenv("NEXUS_OBSERVER__SLAS", json.dumps(SLAS))
    monkeypatch.setenv("COLUMNS", "160")


def nexus(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def failed_run() -> str:
    done = nexus("run", "demo", "-p", "n=2", "-p", "fatal_node=1", "-p", "sleep_s=0",
                 "-p", "rounds=10", "-q")  # fmt: skip
    assert done.exit_code == 1, done.output
    found = re.search(r"run (run_[0-9a-f]+)", done.stdout)
    assert found, done.stdout
    return found.group(1)


def test_explain_prints_the_incident_on_one_screen() -> None:
    run_id = failed_run()
    done = nexus("runs", "explain", run_id)
    assert done.exit_code == 0, done.output
    out = done.stdout
    assert "work[1] (demo.work) failed - root cause" in out
    assert "skill_failed: work[1] was told to fail" in out
    assert "blocked downstream: join, digest" in out
    assert "run error[skill_failed]" in out
    assert len(out.splitlines()) <= 40, out
    as_json = json.loads(nexus("runs", "explain", run_id, "--json").stdout)
    assert as_json["incidents"][0]["error_code"] == "skill_failed"
    missing = nexus("runs", "explain", "run_nope")
    assert missing.exit_code != 0 and "error[run_not_found]" in missing.stderr


def test_observe_sla_reports_records_and_lists_alerts() -> None:
    failed_run()
    done = nexus("observe", "sla")
    assert done.exit_code == 1, done.output  # an objective is breached
    assert re.search(
        r"demo-strict\.failure_rate\s+│\s+100\.0%\s+│\s+<= 10\.0%\s+│\s+breached", done.stdout
    )
    assert nexus("observe", "alerts", "--json").stdout.strip() in {"[]", ""}
    recorded = nexus("observe", "sla", "--record")
    assert "nexus.observer.sla_breached demo-strict.failure_rate" in recorded.stdout
    again = nexus("observe", "sla", "--record")
    assert "nexus.observer.sla" not in again.stdout  # no change, no second alert
    alerts = json.loads(nexus("observe", "alerts", "--json").stdout)
    assert [(a["type"], a["objective"]) for a in alerts] == [
        ("nexus.observer.sla_breached", "demo-strict.failure_rate")
    ]
    report = json.loads(nexus("observe", "sla", "--json", "--window", "1h").stdout)
    assert report["objectives"][0]["window_s"] == 3600 and report["scope"] == "all"
    bad = nexus("observe", "sla", "--window", "soon")
    assert bad.exit_code != 0 and "error[validation_failed]" in bad.stderr
