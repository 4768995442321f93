"""Issue 10's "Done when", through the CLI and settings alone: Nexus pointed at an
OpenAI-compatible endpoint (primary and backup) and a ComfyUI server (the protocol fakes of
tests/fakes on loopback) shows the estimate first, produces a story with LLM-planned shots,
generated backdrops and provider speech, fails over when the primary dies mid-run, and
never spends past the budget; the summary's costs are the cost ledger's."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from nexus.composer.probe import probe_duration_s, probe_streams
from nexus.core.db import Database
from nexus.orchestrator import queries
from tests.fakes.base import Reply, Request
from tests.fakes.comfyui_server import ComfyUIServer
from tests.fakes.lipsync_server import LipsyncServer
from tests.llm_oracle import OracleOpenAIServer, openai_provider

ROOT = Path(__file__).resolve().parents[2]
STORY = """# The Keeper

Mara climbed the lighthouse stairs. The lamp was cold and the glass was grey with salt.

"Is anyone there?" Mara called.

"Only me," said Tom. He held a brass key.

# The Storm

The storm came over the harbour that night. Tom ran to the quay with the key in his fist.

"Light it," Mara said. "Light it now."
"""
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


class DyingServer(OracleOpenAIServer):
    """The primary: answers ``serve`` chat completions, then dies (503 on everything)."""

    def __init__(self, serve: int) -> None:
        super().__init__()
        self.serve = serve
        self.dead = False

    def route(self, request: Request) -> Reply:
        if self.dead:
            return Reply.of({"error": {"message": "down", "type": "server_error"}}, 503)
        reply = super().route(request)
        if request.path == "/v1/chat/completions":
            self.serve -= 1
            self.dead = self.serve <= 0
        return reply


@dataclass
class World:
    env: dict[str, str]
    base: Path
    primary: DyingServer
    backup: OracleOpenAIServer
    comfy: ComfyUIServer
    lips: LipsyncServer


def lipsync_provider(url: str) -> dict[str, Any]:
    return {
        "name": "lips",
        "kind": "lipsync_http",
        "base_url": url,
        "poll_interval_s": 0.05,
        "models": [
            {"name": "wav2lip", "capabilities": ["lipsync"], "prices": {"per_video_s": 0.002}}
        ],
    }


def comfyui_provider(url: str) -> dict[str, Any]:
    return {
        "name": "comfy",
        "kind": "comfyui",
        "base_url": url,
        "poll_interval_s": 0.05,
        "models": [
            {
                "name": "sdxl",
                "capabilities": ["image"],
                "workflow": str(ROOT / "examples/comfyui/txt2img.json"),
                "prices": {"per_image": 0.01},
            }
        ],
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    base = tmp_path_factory.mktemp("providers")
    with (
        DyingServer(serve=1) as primary,
        OracleOpenAIServer() as backup,
        ComfyUIServer(run_s=0.1) as comfy,
        LipsyncServer(run_s=0.1) as lips,
    ):
        settings = {
            "providers": [
                openai_provider("primary", primary.url),
                openai_provider("backup", backup.url),
                comfyui_provider(comfy.url),
                lipsync_provider(lips.url),
            ],
            "router": {"preferences": {"json": ["primary", "backup"], "image": ["comfy"],
                                       "speech": ["primary", "backup"]}},
        }  # fmt: skip
        (base / "nexus.yaml").write_text(yaml.safe_dump(settings))
        (base / "story.md").write_text(STORY)
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEXUS_")}
        env.update(
            NEXUS_DATA_DIR=str(base / "data"),
            NEXUS_ENV="test",
            NEXUS_SETTINGS_FILE=str(base / "nexus.yaml"),
        )
        yield World(env, base, primary, backup, comfy, lips)  # type: ignore[arg-type]


def nexus(world: World, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "nexus.cli.main", *args],
        env={**world.env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=500,
    )
    if ok:
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def outputs(world: World, run_id: str) -> dict[str, dict[str, Any]]:
    """Each job's committed output, read the way the API reads it."""

    async def read() -> dict[str, dict[str, Any]]:
        db = Database.from_url(f"sqlite+aiosqlite:///{world.base / 'data' / 'nexus.db'}")
        try:
            async with db.read() as conn:
                jobs = await queries.list_jobs(conn, run_id)
                return {j.node_key: await queries.read_job_output(conn, j) or {} for j in jobs}
        finally:
            await db.dispose()

    return asyncio.run(read())


def test_the_estimate_comes_first_and_runs_nothing(world: World) -> None:
    out = nexus(world, "produce", str(world.base / "story.md"), "--estimate").stdout
    for engine in ("primary/fake-chat", "comfy/sdxl", "primary/fake-tts", "lips/wav2lip"):
        assert engine in out
    assert "total" in out
    assert world.primary.submissions("/v1/chat/completions") == 0
    assert world.comfy.submissions("/prompt") == 0
    assert (
        not (world.base / "data" / "nexus.db").exists()
        or "run_" not in nexus(world, "runs", "list").stdout
    )


def test_produce_with_models_fails_over_and_reports_ledger_costs(world: World) -> None:
    out = world.base / "film"
    args = ["produce", str(world.base / "story.md"), "-o", str(out), "--resolution", "640x360"]
    nexus(world, *args, "-q")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "succeeded"
    assert {s.codec_type for s in probe_streams(out / "final.mp4")} == {"audio", "video"}
    timeline = json.loads((out / "timeline.json").read_text())
    assert abs(probe_duration_s(out / "final.mp4") - timeline["duration_s"]) <= 0.1
    # LLM-planned: every chunk by the model, the later ones by the backup once the primary died
    planner = summary["planner"]
    assert planner and all(r["engine"] == "llm" for r in planner)
    served = [r["served_by"][0] for r in planner]
    assert served[0] == "primary/fake-chat" and "backup/fake-chat" in served
    assert any("primary/fake-chat" in r["failed_over_from"] for r in planner)
    assert world.primary.dead and world.backup.submissions("/v1/chat/completions") >= 1
    events = nexus(world, "runs", "events", summary["run_id"]).stdout
    assert "nexus.dispatch.failed_over" in events  # the failover, in the run's event log
    # generated backdrops from ComfyUI, one prompt per shot; speech by the backup
    jobs = outputs(world, summary["run_id"])
    shots = json.loads((out / "shots.json").read_text())
    frames = [jobs[f"{s['shot_id']}.frame"] for s in shots]
    assert all(f["engine"] == "provider" and f["served_by"] == "comfy/sdxl" for f in frames)
    assert world.comfy.submissions("/prompt") == len(shots)
    tts = [o for key, o in jobs.items() if ".tts." in key]
    assert tts and all(t["engine"] == "provider" for t in tts)
    assert {t["served_by"] for t in tts} == {"backup/fake-tts"}
    # the speaker's lips by the lip-sync service, each clip conformed to its shot
    speaking = [f for f in frames if f["mouth"]]
    assert speaking and world.lips.submissions("/v1/lipsync") == len(speaking)
    clips = [jobs[f"{s['shot_id']}.clip"] for s in shots]
    assert sum(c["visual_kind"] == "video" for c in clips) == len(speaking)
    costs = summary["costs"]
    assert costs["by_provider"]["comfy"] == pytest.approx(0.01 * len(shots))
    assert costs["by_provider"]["backup"] > 0 and costs["by_provider"]["lips"] > 0
    assert costs["failed_calls"] >= 1  # the primary's failures are in the ledger too
    ledger = json.loads(nexus(world, "costs", "--run", summary["run_id"], "--json").stdout)
    assert summary["cost_usd"] == pytest.approx(ledger["total"]["cost_usd"], abs=1e-6)
    stage_costs = sum(s["cost_usd"] for s in summary["stages"].values())
    assert stage_costs == pytest.approx(summary["cost_usd"], abs=1e-5)


def test_never_spends_past_the_budget(world: World) -> None:
    limit = 0.03
    nexus(world, "budgets", "set", "--project", "default", "--usd", str(limit))
    before = json.loads(nexus(world, "costs", "--project", "default", "--json").stdout)
    out = world.base / "budgeted"
    args = ["produce", str(world.base / "story.md"), "-o", str(out), "--resolution", "640x360"]
    printed = nexus(world, *args).stdout
    assert "degraded:" in printed  # the estimate did not fit: the policy changed the run
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "succeeded"
    after = json.loads(nexus(world, "costs", "--project", "default", "--json").stdout)
    spent = after["total"]["cost_usd"] - before["total"]["cost_usd"]
    assert 0 <= spent <= limit + 1e-9
    refused = nexus(world, *args, "--budget", "0.0001", "--degrade", "refuse", ok=False)
    assert refused.returncode == 2 and "error[budget_insufficient]" in refused.stderr
