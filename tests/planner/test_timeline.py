"""build_timeline: clip layout, cues inside speech and never overlapping, music over all."""

from __future__ import annotations

import pytest

from nexus.contracts import studio
from nexus.core.errors import NexusError
from nexus.planner import build_timeline, plan_shots
from nexus.planner.lines import estimate_speech_s
from nexus.planner.subtitles import (
    MAX_CPS,
    MAX_CPS_CJK,
    cue_chars,
    display_units,
    fits_cue,
    min_cue_s,
)


def cps_limit(text: str) -> float:
    return MAX_CPS_CJK if any("\u4e00" <= c <= "\u9fff" for c in text) else MAX_CPS


def _durations(shots: list[studio.ShotPlan], scale: float = 1.0) -> dict[str, list[float]]:
    return {s.shot_id: [estimate_speech_s(ln.text) * scale for ln in s.lines] for s in shots}


def _timeline(
    sample: tuple[studio.Story, studio.EntityPack], scale: float = 1.0
) -> tuple[list[studio.ShotPlan], studio.TimelinePlan]:
    story, pack = sample
    shots = plan_shots(story, pack)
    return shots, build_timeline(shots, _durations(shots, scale), width=1280, height=720)


@pytest.mark.parametrize("scale", [0.6, 1.0, 1.7])
def test_cues_span_their_speech_and_never_overlap(
    sample: tuple[studio.Story, studio.EntityPack], scale: float
) -> None:
    shots, timeline = _timeline(sample, scale)
    lines = sum(len(s.lines) for s in shots)
    assert len(timeline.subtitles) == lines
    speech = [a for a in timeline.audio if a.kind != "music"]
    assert len(speech) == lines
    by_key = {(a.shot_id, a.line_index): a for a in speech}
    for cue in timeline.subtitles:
        track = by_key[(cue.shot_id, cue.line_index)]
        assert cue.start_s == track.start_s
        # the cue spans the speech, extended only as far as the reading-speed limit needs
        shown = max(track.duration_s, min_cue_s(cue.text))
        assert cue.end_s == pytest.approx(track.start_s + shown, abs=0.0015)
        assert cue_chars(cue.text) / (cue.end_s - cue.start_s) <= cps_limit(cue.text) + 0.02
        assert all(display_units(ln) <= 42 for ln in cue.text.split("\n"))
        assert cue.text.count("\n") <= 1
        assert fits_cue(cue.text.replace("\n", " ") if "\n" in cue.text else cue.text)
    for a, b in zip(timeline.subtitles, timeline.subtitles[1:], strict=False):
        assert a.end_s <= b.start_s


def test_clips_are_back_to_back_and_hold_their_speech(
    sample: tuple[studio.Story, studio.EntityPack],
) -> None:
    shots, timeline = _timeline(sample, 1.5)
    assert [c.shot_id for c in timeline.clips] == [s.shot_id for s in shots]
    cursor = 0.0
    for clip, shot in zip(timeline.clips, shots, strict=True):
        assert clip.start_s == pytest.approx(cursor, abs=0.002)
        assert clip.duration_s >= shot.duration_target_s - 1e-9
        assert round(clip.duration_s * 25, 6) == pytest.approx(
            round(clip.duration_s * 25), abs=1e-3
        )
        cursor += clip.duration_s
        for cue in (c for c in timeline.subtitles if c.shot_id == shot.shot_id):
            assert clip.start_s <= cue.start_s and cue.end_s <= clip.start_s + clip.duration_s
    assert timeline.duration_s == pytest.approx(cursor, abs=0.002)
    music = [a for a in timeline.audio if a.kind == "music"]
    assert len(music) == 1 and music[0].duration_s == timeline.duration_s


def test_track_kinds_follow_line_kinds(sample: tuple[studio.Story, studio.EntityPack]) -> None:
    shots, timeline = _timeline(sample)
    kinds = {(s.shot_id, i): ln.kind for s in shots for i, ln in enumerate(s.lines)}
    for track in timeline.audio:
        if track.kind != "music":
            assert track.kind == kinds[(track.shot_id, track.line_index)]


def test_mismatched_durations_are_refused(sample: tuple[studio.Story, studio.EntityPack]) -> None:
    story, pack = sample
    shots = plan_shots(story, pack)
    durations = _durations(shots)
    durations[shots[0].shot_id] = [*durations[shots[0].shot_id], 1.0]
    with pytest.raises(NexusError):
        build_timeline(shots, durations, width=640, height=360)
    del durations[shots[0].shot_id]
    with pytest.raises(NexusError):
        build_timeline(shots, durations, width=640, height=360)


def test_fast_speech_stretches_its_cue_and_pushes_the_next_line() -> None:
    """A 60-character cue spoken in 1.5 s (40 cps) stays up 3 s; the next line waits."""
    fast = "The ferry is late, Tom said, and it should have docked by now."
    lines = [
        studio.SpeechLine(text=fast, voice="en-narrator"),
        studio.SpeechLine(text="Yes.", voice="en-narrator"),
    ]
    shot = studio.ShotPlan(
        shot_id="s0", index=0, scene_index=0, text=fast, lines=lines, duration_target_s=2.0
    )
    timeline = build_timeline([shot], {"s0": [1.5, 0.5]}, width=640, height=360)
    first, second = timeline.subtitles
    assert cue_chars(first.text) == len(fast) - 1  # the wrap's line break is not read
    assert first.end_s - first.start_s == pytest.approx((len(fast) - 1) / MAX_CPS, abs=0.002)
    speech = [a for a in timeline.audio if a.kind != "music"]
    assert speech[0].duration_s == 1.5  # the voice is not stretched, only the cue
    assert speech[1].start_s == pytest.approx(first.end_s + 0.25, abs=0.002)
    assert second.end_s - second.start_s == pytest.approx(0.5)  # slow enough: not extended
    assert timeline.clips[0].duration_s >= second.end_s + 0.5 - 0.04
