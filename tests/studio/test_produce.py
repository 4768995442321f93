"""End to end: both sample stories through ``nexus produce``, checked with ffprobe/ffmpeg,
then a one-shot revision through ``nexus revise``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nexus.composer.probe import measure_loudness, probe_duration_s, probe_streams

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = {
    "en": ROOT / "examples/en/the-lighthouse-keeper.md",
    "zh": ROOT / "examples/zh/lighthouse-zh.md",
}
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def nexus(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "nexus.cli.main", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=800,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


def load(out: Path, name: str) -> Any:
    return json.loads((out / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("studio")
    env = {**os.environ, "NEXUS_DATA_DIR": str(base / "data"), "NEXUS_ENV": "test"}
    outs = {}
    for lang, story in SAMPLES.items():
        outs[lang] = base / lang
        nexus(env, "produce", str(story), "-o", str(outs[lang]), "--resolution", "640x360", "-q")
    return {"env": env, "outs": outs}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_video_matches_its_timeline(studio: dict[str, Any], lang: str) -> None:
    out = studio["outs"][lang]
    timeline = load(out, "timeline.json")
    streams = probe_streams(out / "final.mp4")
    assert sorted(s.codec_type for s in streams) == ["audio", "video"]
    assert {s.codec_name for s in streams} == {"h264", "aac"}
    assert abs(probe_duration_s(out / "final.mp4") - timeline["duration_s"]) <= 0.1
    loud = measure_loudness(out / "final.mp4")
    assert abs(loud.integrated_lufs + 16) <= 1.0
    assert loud.true_peak_dbtp <= -1.0
    assert (out / "poster.jpg").stat().st_size > 1000
    assert (out / "final.vtt").read_text(encoding="utf-8").startswith("WEBVTT")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_one_cue_per_spoken_segment_inside_its_speech(studio: dict[str, Any], lang: str) -> None:
    timeline = load(studio["outs"][lang], "timeline.json")
    speech = {(a["shot_id"], a["line_index"]): a for a in timeline["audio"] if a["kind"] != "music"}
    cues = timeline["subtitles"]
    assert len(cues) == len(speech)
    limit = 16 if lang == "zh" else 42
    for cue in cues:
        seg = speech[(cue["shot_id"], cue["line_index"])]
        assert seg["start_s"] - 0.01 <= cue["start_s"] < cue["end_s"]
        assert cue["end_s"] <= seg["start_s"] + seg["duration_s"] + 0.01
        lines = cue["text"].split("\n")
        assert len(lines) <= 2 and all(len(line) <= limit for line in lines)
    srt = (studio["outs"][lang] / "final.srt").read_text(encoding="utf-8")
    assert srt.count(" --> ") == len(cues)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_line_of_a_character_uses_its_voice(studio: dict[str, Any], lang: str) -> None:
    out = studio["outs"][lang]
    pack = load(out, "entities.json")
    voices = {c["entity_id"]: c["voice"] for c in pack["characters"]}
    assert len(pack["characters"]) >= 3 and len(pack["places"]) >= 2
    assert len(set(voices.values())) == len(voices)  # distinct per character
    spoken = 0
    for shot in load(out, "shots.json"):
        for line in shot["lines"]:
            if line["speaker_id"]:
                spoken += 1
                assert line["voice"] == voices[line["speaker_id"]]
            else:
                assert line["voice"] == pack["narrator_voice"]
    assert spoken > 0


def test_revision_reruns_only_that_shot_and_the_composition(studio: dict[str, Any]) -> None:
    out, env = studio["outs"]["en"], studio["env"]
    before = load(out, "summary.json")
    shots_before = load(out, "shots.json")
    nexus(
        env,
        "revise",
        str(out),
        "--shot",
        "2",
        "--text",
        "He climbed the iron stairs slowly, one hand on the cold rail.",
        "-q",
    )
    after = load(out, "summary.json")
    assert after["parent_run_id"] == before["run_id"]
    executed = after["stages"]
    target = shots_before[1]
    expected_tts = 1  # the new text is one short line
    assert executed["audio.tts"]["executed"] == expected_tts
    assert executed["video.storyboard"]["executed"] == 1
    assert executed["studio.speech"]["executed"] == 1
    assert executed["studio.clip"]["executed"] == 1
    nxt = shots_before[2] if len(shots_before) > 2 else None
    dissolves = nxt is not None and nxt["transition_in"] == "dissolve"
    assert executed["studio.segment"]["executed"] == (2 if dissolves else 1)
    assert executed["studio.mix"]["executed"] == 1  # the film's audio: one mix, one AAC encode
    assert executed["studio.final"]["executed"] == 1
    assert executed["music.bed"]["executed"] == 0 and executed["studio.plan"]["executed"] == 0
    shots_after = load(out, "shots.json")
    assert shots_after[1]["text"] != target["text"]
    assert [s["text"] for i, s in enumerate(shots_after) if i != 1] == [
        s["text"] for i, s in enumerate(shots_before) if i != 1
    ]
