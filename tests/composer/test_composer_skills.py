"""The composer skills run through their registered handlers with real artifacts."""

from __future__ import annotations

from pathlib import Path

import pytest
from composer_synth import write_still, write_tone

from nexus.composer import skills
from nexus.composer.compose import layout_clips
from nexus.composer.probe import (
    count_video_frames,
    measure_loudness,
    probe_duration_s,
    probe_streams,
)
from nexus.contracts.studio import Subtitle, TimelineClip, TimelinePlan
from nexus.core.registry import Registry, SkillContext
from nexus.core.storage import file_sha256


def context(tmp_path: Path, name: str, files: list[Path]) -> SkillContext:
    paths = {file_sha256(p)[0]: p for p in files}
    return SkillContext(
        run_id="r", job_id=name, node_key=name, attempt=1,
        workdir_path=tmp_path / name, artifact_paths=paths,
    )  # fmt: skip


def test_segment_and_speech_then_mix_then_final(tmp_path: Path) -> None:
    registry = Registry()
    skills.register(registry)
    segment_skill = registry.skill("composer.segment")
    speech_skill = registry.skill("composer.speech")
    mix_skill = registry.skill("composer.mix")
    final_skill = registry.skill("composer.final")
    timeline = TimelinePlan(
        width=320, height=180, fps=25, duration_s=3.0,
        clips=[
            TimelineClip(shot_id="a", start_s=0.0, duration_s=1.5),
            TimelineClip(shot_id="b", start_s=1.5, duration_s=1.5, transition_in="fade"),
        ],
        subtitles=[Subtitle(start_s=0.2, end_s=1.2, text="Hello there")],
    )  # fmt: skip
    line = write_tone(tmp_path / "line.wav", 0.8, 900.0)
    music = write_tone(tmp_path / "music.wav", 2.0, 220.0)
    shas: list[str] = []
    tracks: list[str] = []
    kept: list[Path] = []
    intervals: list[tuple[float, float]] = []
    for layout in layout_clips(timeline):
        still = write_still(tmp_path / f"{layout.shot_id}.png")
        inp = segment_skill.input_model.model_validate(
            {
                "shot_id": layout.shot_id,
                "visual_sha256": file_sha256(still)[0],
                "camera": "zoom_in",
                "frames": layout.frames,
                "width": 320, "height": 180, "fps": 25,
                "cues": [c.model_dump() for c in layout.cues],
                "transition_in": layout.transition_in,
                "fade_out": layout.fade_out,
            }
        )  # fmt: skip
        ctx = context(tmp_path, f"seg-{layout.shot_id}", [still])
        out = segment_skill.handler(inp, ctx)
        assert isinstance(out, skills.SegmentOut)
        assert out.frames == 38 if layout.shot_id == "a" else 37
        assert ctx.kept[0].sha256 == out.segment_sha256
        shas.append(out.segment_sha256)
        kept.append(ctx.kept[0].path)
        speech_in = speech_skill.input_model.model_validate(
            {
                "shot_id": layout.shot_id, "frames": layout.frames, "fps": 25,
                "lines": [{"audio_sha256": file_sha256(line)[0], "offset_s": 0.2}],
            }
        )  # fmt: skip
        ctx = context(tmp_path, f"speech-{layout.shot_id}", [line])
        spoken = speech_skill.handler(speech_in, ctx)
        assert isinstance(spoken, skills.SpeechOut)
        assert spoken.samples == layout.frames * 48_000 // 25
        tracks.append(spoken.speech_sha256)
        kept.append(ctx.kept[0].path)
        start = layout.start_frame / 25
        intervals += [(start + a, start + b) for a, b in spoken.speech_intervals]
    assert intervals[0][1] - intervals[0][0] == 0.8
    mix_in = mix_skill.input_model.model_validate(
        {
            "fps": 25,
            "clip_frames": [c.frames for c in layout_clips(timeline)],
            "speech_sha256s": tracks,
            "speech_intervals": intervals,
            "music_sha256": file_sha256(music)[0],
        }
    )
    ctx = context(tmp_path, "mix", [*kept, music])
    mixed = mix_skill.handler(mix_in, ctx)
    assert isinstance(mixed, skills.MixOut)
    assert [k.name for k in ctx.kept] == ["audio.m4a"]
    assert probe_duration_s(ctx.kept[0].path) == pytest.approx(3.0, abs=0.03)
    assert -16.5 <= mixed.integrated_lufs <= -15.5
    audio_path = ctx.kept[0].path
    final_in = final_skill.input_model.model_validate(
        {"timeline": timeline.model_dump(), "segment_sha256s": shas, "audio": mixed.model_dump()}
    )
    ctx = context(tmp_path, "final", [*kept, audio_path])
    out = final_skill.handler(final_in, ctx)
    assert isinstance(out, skills.FinalOut)
    names = sorted(k.name for k in ctx.kept)
    assert names == ["final.mp4", "final.srt", "final.vtt", "poster.jpg"]
    final = next(k.path for k in ctx.kept if k.name == "final.mp4")
    assert count_video_frames(final) == 75
    assert [s.codec_type for s in probe_streams(final)] == ["video", "audio"]
    assert -17.0 <= measure_loudness(final).integrated_lufs <= -15.0
