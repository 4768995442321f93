"""A real Prometheus (the Debian binary) on deploy/prometheus's config and alert rules, scraping
cluster processes on this host: the compose stack's Prometheus without containers.

The config is deploy/prometheus/prometheus.yml with what compose's network provides replaced:
each job's targets become 127.0.0.1 ports (compose's DNS names and dns_sd are not here), the
intervals are 1 s and the rule files are a copy of deploy/prometheus/rules in which only the
listed alerts' ``for`` is shortened (a CI-sized wait; expressions, labels and annotations are
the shipped ones).
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.integration.conftest import REPO, free_port, wait_port

DEPLOY = REPO / "deploy"
PROMETHEUS = shutil.which("prometheus")
PROMTOOL = shutil.which("promtool")


def render_rules(into: Path, shorten_for: dict[str, str]) -> Path:
    """deploy/prometheus/rules copied to ``into``, ``for`` replaced for the named alerts."""
    into.mkdir(parents=True, exist_ok=True)
    for path in sorted((DEPLOY / "prometheus" / "rules").glob("*.yml")):
        doc = yaml.safe_load(path.read_text())
        for group in doc["groups"]:
            for rule in group["rules"]:
                if rule.get("alert") in shorten_for:
                    rule["for"] = shorten_for[rule["alert"]]
        (into / path.name).write_text(yaml.safe_dump(doc, sort_keys=False))
    return into


def render_config(
    into: Path, targets: dict[str, list[int]], rules: Path, port: int
) -> tuple[Path, set[str]]:
    """The shipped config with local targets; returns its path and the jobs kept (a job
    without a local port, such as RabbitMQ's exporter when its plugin is off, is dropped)."""
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    config["global"] = {"scrape_interval": "1s", "evaluation_interval": "1s"}
    config["rule_files"] = [str(rules / "*.yml")]
    targets = {**targets, "prometheus": [port]}
    jobs = []
    for job in config["scrape_configs"]:
        ports = targets.get(job["job_name"])
        if not ports:
            continue
        job.pop("dns_sd_configs", None)
        job["static_configs"] = [{"targets": [f"127.0.0.1:{p}" for p in ports]}]
        jobs.append(job)
    config["scrape_configs"] = jobs
    path = into / "prometheus.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path, {j["job_name"] for j in jobs}


def promtool_check(config: Path) -> None:
    """``promtool check config`` (it checks the rule files the config names, too)."""
    assert PROMTOOL is not None
    out = subprocess.run(
        [PROMTOOL, "check", "config", str(config)], capture_output=True, timeout=60, check=False
    )
    assert out.returncode == 0, (out.stdout + out.stderr).decode()


@dataclass
class Prometheus:
    """One Prometheus server process over a private TSDB directory."""

    work: Path
    port: int
    popen: subprocess.Popen[bytes] | None = None

    @classmethod
    def at_free_port(cls, work: Path) -> Prometheus:
        return cls(work, free_port())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, config: Path) -> None:
        assert PROMETHEUS is not None
        log = (self.work / "prometheus.log").open("ab")
        self.popen = subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={config}",
                f"--storage.tsdb.path={self.work / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--storage.tsdb.retention.time=1h",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_port(self.port, timeout_s=120)

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)

    def log_tail(self, chars: int = 2000) -> str:
        path = self.work / "prometheus.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""


class PromApi:
    """Prometheus's HTTP API (v1): instant queries, alerts, targets."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def _get(self, path: str, **params: str) -> Any:
        resp = await self.client.get(f"/api/v1/{path}", params=params)
        body = resp.json()
        assert body["status"] == "success", body
        return body["data"]

    async def query(self, expr: str) -> list[dict[str, Any]]:
        data = await self._get("query", query=expr)
        return list(data["result"])

    async def value(self, expr: str) -> float | None:
        """The one sample of ``expr``, or None when the result is empty."""
        result = await self.query(expr)
        if not result:
            return None
        assert len(result) == 1, result
        return float(result[0]["value"][1])

    async def alerts(self, name: str) -> list[dict[str, Any]]:
        data = await self._get("alerts")
        return [a for a in data["alerts"] if a["labels"].get("alertname") == name]

    async def targets_up(self) -> dict[str, int]:
        """Scrape targets that are up, per job."""
        data = await self._get("targets")
        up: dict[str, int] = {}
        for t in data["activeTargets"]:
            if t["health"] == "up":
                up[t["labels"]["job"]] = up.get(t["labels"]["job"], 0) + 1
        return up


async def poll(what: str, probe: Any, timeout_s: float, every_s: float = 0.5) -> Any:
    """Await ``probe()`` until it returns something truthy; a hang becomes a failure."""

    deadline = time.monotonic() + timeout_s
    while True:
        got = await probe()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not seen within {timeout_s} s")
        await asyncio.sleep(every_s)
