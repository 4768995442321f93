"""Issue 11's done-when, offline: an editor uploads a Python skill that transforms subtitles,
puts it in a studio run (``--subtitle-transform``), and the run completes with the skill
sandboxed: the SRT/VTT and the burned-in subtitles change; a run without it does not."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nexus.composer.probe import read_frame
from nexus.sandbox.engine import WasmEngine
from tests.sandbox.conftest import CACHE

ROOT = Path(__file__).resolve().parents[2]
STORY = 'The old keeper climbed the tower at dusk. "Light the lamp," said Mara.\n'
pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def nexus(env: dict[str, str], *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "nexus.cli.main", *args],
        env=env, capture_output=True, text=True, timeout=500,
    )  # fmt: skip
    if ok:
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, wasm_engine: WasmEngine) -> dict[str, Any]:
    del wasm_engine  # compiled into CACHE before the CLI processes start
    base = tmp_path_factory.mktemp("subs")
    story = base / "story.md"
    story.write_text(STORY, encoding="utf-8")
    env = {
        **os.environ,
        "NEXUS_DATA_DIR": str(base / "data"),
        "NEXUS_ENV": "test",
        "NEXUS_SANDBOX__CACHE_DIR": str(CACHE),
    }
    nexus(env, "user-skills", "upload", str(ROOT / "examples/skills/uppercase-subtitles"))
    common = [str(story), "--resolution", "640x360", "-q"]
    nexus(env, "produce", *common, "-o", str(base / "plain"))
    nexus(env, "produce", *common, "-o", str(base / "upper"),
          "--subtitle-transform", "uppercase-subtitles@1.0.0")  # fmt: skip
    return {"env": env, "base": base, "story": story}


def test_the_srt_and_vtt_carry_the_transformed_cues(runs: dict[str, Any]) -> None:
    plain = (runs["base"] / "plain/final.srt").read_text(encoding="utf-8")
    upper = (runs["base"] / "upper/final.srt").read_text(encoding="utf-8")
    assert "keeper" in plain and "keeper" not in upper
    assert upper == plain.upper()  # same timings, every cue in capitals
    vtt = (runs["base"] / "upper/final.vtt").read_text(encoding="utf-8")
    assert "THE OLD KEEPER" in vtt


def test_the_burned_in_subtitles_change(runs: dict[str, Any]) -> None:
    timeline = json.loads((runs["base"] / "upper/timeline.json").read_text(encoding="utf-8"))
    cue = timeline["subtitles"][0]
    frame = int((cue["start_s"] + cue["end_s"]) / 2 * timeline["fps"])
    size = {"width": timeline["width"], "height": timeline["height"]}
    a = read_frame(runs["base"] / "plain/final.mp4", frame_index=frame, **size).astype(int)
    b = read_frame(runs["base"] / "upper/final.mp4", frame_index=frame, **size).astype(int)
    band = slice(int(size["height"] * 0.7), size["height"])  # where subtitles are burned
    top = slice(0, int(size["height"] * 0.5))
    assert np.abs(a[band] - b[band]).mean() > 1.0  # other letters burned in
    assert np.abs(a[top] - b[top]).mean() < 1.0  # the picture itself is the same


def test_an_unknown_skill_fails_before_the_run(runs: dict[str, Any]) -> None:
    proc = nexus(
        runs["env"], "produce", str(runs["story"]), "-o", str(runs["base"] / "none"), "-q",
        "--subtitle-transform", "no-such-skill@1", ok=False,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "skill_not_found" in proc.stdout + proc.stderr
