"""`nexus budgets set|show|list` and `nexus costs` as a person runs them (embedded SQLite):
JSON output, error codes on bad input, nothing written when refused."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from typer.testing import CliRunner

from nexus.cli.main import app
from nexus.contracts.router import CallScope, ProviderCall, Usage
from nexus.core.db import Database
from nexus.core.migrate import migrate
from nexus.observer.costs import CostLedger


@pytest.fixture(autouse=True)
def embedded_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in [k for k in os.environ if k.startswith("NEXUS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("NEXUS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NEXUS_ENV", "test")
    monkeypatch.setenv("COLUMNS", "200")


def nexus(_: Path, *args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def as_json(done: Result) -> Any:
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


def test_set_show_list_and_refusals(tmp_path: Path) -> None:
    made = as_json(nexus(tmp_path, "budgets", "set", "--project", "default", "--usd", "2.5",
                         "--tokens", "1000", "--json"))  # fmt: skip
    assert made[0]["usd"] == {
        "limit": 2.5, "spent": 0.0, "held": 0.0, "remaining": 2.5, "utilisation": 0.0
    }  # fmt: skip
    nexus(tmp_path, "budgets", "set", "--usd", "10")  # the tenant "local"
    shown = as_json(nexus(tmp_path, "budgets", "show", "--project", "default", "--json"))
    assert shown == made
    listed = as_json(nexus(tmp_path, "budgets", "list", "--json"))
    assert [(b["scope"], b["scope_id"]) for b in listed] == [
        ("project", "default"),
        ("tenant", "local"),
    ]
    bad = nexus(tmp_path, "budgets", "set", "--project", "default", "--usd", "-1")
    assert bad.exit_code == 2 and "error[validation_failed]" in bad.stderr
    both = nexus(tmp_path, "budgets", "set", "--project", "p", "--run", "r", "--usd", "1")
    assert both.exit_code == 2 and "error[validation_failed]" in both.stderr
    missing = nexus(tmp_path, "budgets", "show", "--run", "run_nope")
    assert missing.exit_code == 2 and "error[not_found]" in missing.stderr
    after = as_json(nexus(tmp_path, "budgets", "show", "--project", "default", "--json"))
    assert after == made  # the refused writes changed nothing


def test_costs_grouped(tmp_path: Path) -> None:
    asyncio.run(record(tmp_path))
    _check_costs(tmp_path)


async def record(tmp_path: Path) -> None:
    db = Database.from_url(f"sqlite+aiosqlite:///{tmp_path / 'nexus.db'}")
    try:
        await migrate(db.engine)
        ledger = CostLedger(db)
        for provider, cost in (("openai", 0.5), ("openai", 0.25), ("comfy", 0.1)):
            scope = CallScope(tenant_id="local", project_id="default", run_id="run_1")
            await ledger.record_call(
                ProviderCall(scope=scope, provider=provider, model="m", capability="chat",
                             usage=Usage(input_tokens=3), cost_usd=cost)
            )  # fmt: skip
    finally:
        await db.dispose()


def _check_costs(tmp_path: Path) -> None:
    report = as_json(nexus(tmp_path, "costs", "--run", "run_1", "--by", "provider", "--json"))
    assert report["total"]["calls"] == 3
    assert [(g["key"], g["calls"]) for g in report["groups"]] == [("openai", 2), ("comfy", 1)]
    table = nexus(tmp_path, "costs", "--by", "provider")
    assert table.exit_code == 0 and "openai" in table.stdout and "0.850000" in table.stdout
    bad = nexus(tmp_path, "costs", "--by", "colour")
    assert bad.exit_code == 2 and "error[validation_failed]" in bad.stderr
