"""Parallel AAC: chunk planning, ADTS splitting, and a chunked encode that decodes like one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nexus.composer import commands
from nexus.composer.aac import FRAME, PRE_ROLL, encode_aac, plan_chunks, split_adts
from nexus.composer.probe import measure_loudness, probe_duration_s, read_audio
from nexus.composer.runner import ffmpeg_exe, run_tool


def test_chunks_cover_every_frame_once_with_overlap() -> None:
    samples = 1_000_000  # 977 frames, the last one partial
    plan = plan_chunks(samples, 2)
    assert len(plan) == 2
    first, second = plan
    assert first.start == 0 and first.keep_from == 0  # keeps the priming frame
    assert second.end == samples and second.keep_to is None
    boundary = first.keep_to - 1  # film frames kept from the first chunk: 0 .. boundary - 1
    assert second.start == (boundary - PRE_ROLL) * FRAME
    assert second.keep_from == PRE_ROLL + 1
    assert first.end > boundary * FRAME  # post-roll
    assert plan_chunks(10 * FRAME, 4) == plan_chunks(10 * FRAME, 1)  # too short to split


def test_split_adts_reads_frame_lengths_and_refuses_garbage(tmp_path: Path) -> None:
    raw = tmp_path / "x.f32"
    tone = np.sin(2 * np.pi * 440 * np.arange(48_000) / 48_000) * 0.2
    np.repeat(tone[:, None], 2, axis=1).astype("<f4").tofile(raw)
    adts = tmp_path / "x.aac"
    run_tool(commands.build_audio_encode_command(raw, adts, ffmpeg=ffmpeg_exe(), container="adts"))
    data = adts.read_bytes()
    frames = split_adts(data)
    assert b"".join(frames) == data
    assert len(frames) == -(-48_000 // FRAME) + 1  # every frame plus the priming frame
    with pytest.raises(Exception, match="ADTS"):
        split_adts(b"\x00" * 20)
    with pytest.raises(Exception, match="truncated"):
        split_adts(data[:-3])


def test_chunked_encode_decodes_like_one_encode(tmp_path: Path) -> None:
    rate = 48_000
    rng = np.random.default_rng(4)
    t = np.arange(40 * rate) / rate
    bursts = np.convolve(rng.normal(size=t.size), np.ones(8) / 8, "same") * (
        np.sin(2 * np.pi * 2.5 * t) > 0.3
    )
    left = 0.1 * np.sin(2 * np.pi * 220 * t) + 0.3 * bursts
    audio = np.stack([left, 0.8 * left], axis=1).astype(np.float32)
    raw = tmp_path / "mix.f32"
    audio.astype("<f4").tofile(raw)
    single = tmp_path / "single.m4a"
    run_tool(commands.build_audio_encode_command(raw, single, gain_db=-2, ffmpeg=ffmpeg_exe()))
    chunked = encode_aac(audio, tmp_path / "chunked.m4a", gain_db=-2, workers=2)
    assert probe_duration_s(chunked) == pytest.approx(40.0, abs=0.03)
    a, b = read_audio(single), read_audio(chunked)
    assert a.size == b.size == 40 * rate  # priming hidden, padding trimmed, in sync
    assert np.abs(a - b).max() < 0.01  # the same samples, but for a few re-encoded frames
    joint = slice(20 * rate - 8 * FRAME, 20 * rate + 8 * FRAME)  # around the join
    residual = max(float(np.sum((b[joint] - a[joint]) ** 2)), 1e-12)
    assert 10 * np.log10(float(np.sum(a[joint] ** 2)) / residual) > 40  # far below coding noise
    assert measure_loudness(chunked).integrated_lufs == pytest.approx(
        measure_loudness(single).integrated_lufs, abs=0.05
    )
    assert not list(tmp_path.glob("chunked.part*")) and not list(tmp_path.glob("*.joined.aac"))
