"""End to end: both sample stories and a mixed English/Chinese story of our own through
``nexus produce``, checked with ffprobe/ffmpeg, then a one-shot revision (``nexus revise``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from nexus.composer.probe import (
    measure_loudness,
    probe_duration_s,
    probe_streams,
    read_audio,
    read_frame,
)
from nexus.planner.subtitles import MAX_CPS, MAX_CPS_CJK, cue_chars, display_units, min_cue_s
from tests.frame_measures import luma, streakiness

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = {
    "en": ROOT / "examples/en/the-lighthouse-keeper.md",
    "zh": ROOT / "examples/zh/lighthouse-zh.md",
    "mixed": Path(__file__).parent / "stories/harbour-mixed.md",
}
LANGS = list(SAMPLES)
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


@pytest.mark.parametrize("lang", LANGS)
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


def has_han(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


@pytest.mark.parametrize("lang", LANGS)
def test_one_cue_per_spoken_segment_starting_with_its_speech(
    studio: dict[str, Any], lang: str
) -> None:
    """A cue starts with its line and ends with it, or later only as reading speed needs."""
    timeline = load(studio["outs"][lang], "timeline.json")
    speech = {(a["shot_id"], a["line_index"]): a for a in timeline["audio"] if a["kind"] != "music"}
    cues = timeline["subtitles"]
    assert len(cues) == len(speech)
    for cue in cues:
        seg = speech[(cue["shot_id"], cue["line_index"])]
        assert seg["start_s"] - 0.01 <= cue["start_s"] < cue["end_s"]
        shown = max(seg["duration_s"], min_cue_s(cue["text"]))
        assert cue["end_s"] <= seg["start_s"] + shown + 0.01
        lines = cue["text"].split("\n")
        assert len(lines) <= 2 and all(display_units(line) <= 42 for line in lines)
        if lang == "zh":
            assert all(len(line) <= 16 for line in lines)
    srt = (studio["outs"][lang] / "final.srt").read_text(encoding="utf-8")
    assert srt.count(" --> ") == len(cues)


@pytest.mark.parametrize("lang", LANGS)
def test_no_cue_is_read_faster_than_the_limit(studio: dict[str, Any], lang: str) -> None:
    """Over the produced timeline and the SRT next to it: English cues <= 20 cps."""
    timeline = load(studio["outs"][lang], "timeline.json")
    english = 0
    for cue in timeline["subtitles"]:
        cps = cue_chars(cue["text"]) / (cue["end_s"] - cue["start_s"])
        assert cps <= (MAX_CPS_CJK if has_han(cue["text"]) else MAX_CPS) + 0.05, cue
        english += not has_han(cue["text"])
    assert english > 0 or lang == "zh"


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


def test_mixed_story_keeps_each_voice_family_across_languages(studio: dict[str, Any]) -> None:
    """Each line is voiced in its own language by its speaker's (or the narrator's) family."""
    out = studio["outs"]["mixed"]
    pack = load(out, "entities.json")
    families = {c["entity_id"]: c["voices"] for c in pack["characters"]}
    used: set[tuple[str, str]] = set()
    languages: dict[str, set[str]] = {}
    for shot in load(out, "shots.json"):
        for line in shot["lines"]:
            family = families[line["speaker_id"]] if line["speaker_id"] else pack["narrator_voices"]
            assert line["voice"] == family[line["language"]]
            assert line["voice"].startswith(line["language"] + "-")
            used.add((line["language"], "dialogue" if line["speaker_id"] else "narration"))
            languages.setdefault(line["speaker_id"] or "narrator", set()).add(line["language"])
    assert used == {
        ("en", "dialogue"),
        ("zh", "dialogue"),
        ("en", "narration"),
        ("zh", "narration"),
    }
    bilingual = [who for who, langs in languages.items() if who != "narrator" and len(langs) == 2]
    assert bilingual  # Tom speaks English and Chinese, in one timbre family
    for who in bilingual:
        en, zh = families[who]["en"], families[who]["zh"]
        assert en.split("-")[1] == zh.split("-")[1]  # same gender, same family


def test_mixed_story_voices_both_languages(studio: dict[str, Any]) -> None:
    """The film's audio is loud where each English and each Chinese line plays."""
    out = studio["outs"]["mixed"]
    timeline, shots = load(out, "timeline.json"), load(out, "shots.json")
    lines = {(s["shot_id"], i): ln for s in shots for i, ln in enumerate(s["lines"])}
    audio = read_audio(out / "final.mp4")
    speech = np.zeros(len(audio), dtype=bool)
    rms: dict[str, list[float]] = {"en": [], "zh": []}
    for track in timeline["audio"]:
        if track["kind"] == "music":
            continue
        lo = round(track["start_s"] * 48_000)
        hi = round((track["start_s"] + track["duration_s"]) * 48_000)
        speech[lo:hi] = True
        level = float((audio[lo:hi] ** 2).mean() ** 0.5)
        rms[lines[(track["shot_id"], track["line_index"])]["language"]].append(level)
    assert len(rms["en"]) >= 5 and len(rms["zh"]) >= 3
    between = float((audio[~speech] ** 2).mean() ** 0.5)  # pauses: the ducked music bed
    for lang, levels in rms.items():
        assert min(levels) > 2 * between, (lang, levels, between)


def test_rainy_night_scene_shows_rain_and_night(studio: dict[str, Any]) -> None:
    """Frames of the produced video: the rainy-night scene is dark and streaked with rain,
    the next morning is bright and dry."""
    out = studio["outs"]["mixed"]
    shots, timeline = load(out, "shots.json"), load(out, "timeline.json")
    clips = {c["shot_id"]: c for c in timeline["clips"]}
    night = [s for s in shots if (s["time_of_day"], s["weather"]) == ("night", "rain")]
    morning = [s for s in shots if s["time_of_day"] == "morning"]
    assert night and morning
    fps, size = timeline["fps"], (timeline["width"], timeline["height"])

    def frame_of(shot: dict[str, Any]) -> Image.Image:
        clip = clips[shot["shot_id"]]
        index = round((clip["start_s"] + clip["duration_s"] * 0.6) * fps)
        pixels = read_frame(out / "final.mp4", frame_index=index, width=size[0], height=size[1])
        return Image.fromarray(pixels)

    for shot in night:
        frame = frame_of(shot)
        assert luma(frame).mean() < 75 and streakiness(frame) > 0.2, shot["shot_id"]
    for shot in morning:
        frame = frame_of(shot)
        assert luma(frame).mean() > 100 and streakiness(frame) < 0.1, shot["shot_id"]


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
