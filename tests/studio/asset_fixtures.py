"""Shared by the asset tests: the story, the pictures and sound a user would add, and a
platform with the TEST DOUBLE library in ``registry.services["assets"]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from nexus.orchestrator import queries
from nexus.platform import Platform
from nexus.workers.audio.wavio import write_wav
from tests.studio.asset_double import TokenLibrary

STORY = """# The Keeper

Tom walked to the lighthouse at dusk. Tom carried a lantern.

"The lamp is cold," Tom said.

# The Harbour

Mara waited at the harbour. Mara watched the boats.

"Come home," Mara called.

Tom came back to the lighthouse and lit the lamp.
"""
RED, YELLOW, BLUE = (205, 30, 35), (235, 200, 20), (30, 70, 210)


def portrait(path: Path, color: tuple[int, int, int]) -> Path:
    """A 'photo': a coloured ground with a lighter face oval, like a headshot."""
    img = Image.new("RGB", (480, 600), color)
    ImageDraw.Draw(img).ellipse((150, 120, 330, 340), fill=tuple(min(255, c + 40) for c in color))
    img.save(path)
    return path


def background(path: Path, color: tuple[int, int, int]) -> Path:
    img = Image.new("RGB", (960, 540), color)
    ImageDraw.Draw(img).rectangle((0, 380, 960, 540), fill=tuple(c // 2 for c in color))
    img.save(path)
    return path


def tune(path: Path, seconds: float = 3.0) -> Path:
    t = np.arange(int(48_000 * seconds), dtype=np.float32) / 48_000
    write_wav(path, (0.4 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 48_000)
    return path


def user_library(folder: Path, project_id: str = "default") -> TokenLibrary:
    """Tom's portrait, the lighthouse and a calm track, as a user adds them."""
    folder.mkdir(parents=True, exist_ok=True)
    lib = TokenLibrary()
    lib.add("local", project_id, portrait(folder / "tom-red.png", RED), "portrait", ["portrait"],
            "Tom")  # fmt: skip
    lib.add("local", project_id, background(folder / "lighthouse.png", BLUE), "background",
            ["lighthouse", "coast"], "the lighthouse")  # fmt: skip
    lib.add("local", project_id, tune(folder / "calm-sea.wav"), "music", ["calm", "sea"], None)
    return lib


async def finish(platform: Platform, run_id: str) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """(run, outputs by node key, jobs by node key) once the run is over."""
    run = await platform.wait_for_run(run_id, timeout_s=240)
    async with platform.db.read() as conn:
        jobs = await queries.list_jobs(conn, run_id)
        outs = {j.node_key: await queries.read_job_output(conn, j) or {} for j in jobs}
    return run, outs, {j.node_key: j for j in jobs}


def executed(jobs: dict[str, Any], skill: str) -> int:
    return sum(1 for j in jobs.values() if j.skill == skill and not j.cache_hit)


async def artifact(platform: Platform, sha256: str) -> Path:
    path = await platform.store.local_path(sha256)
    assert path is not None
    return path
