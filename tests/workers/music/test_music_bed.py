"""Music bed: exact duration, headroom, fades, determinism, moods."""

from __future__ import annotations

import wave
from collections.abc import Callable

import numpy as np
import pytest

from nexus.core.registry import Registry, SkillContext
from nexus.workers.music import skills
from nexus.workers.music.handlers import MusicBedInput, compose_music_bed
from nexus.workers.music.synth import MOODS, RATE, synthesize_bed


@pytest.mark.parametrize("duration_s", [7.3, 20.0, 0.5])
def test_duration_is_exact_and_peak_below_full_scale(duration_s: float) -> None:
    bed = synthesize_bed(duration_s, "calm", 3)
    assert bed.shape == (round(duration_s * RATE), 2)
    peak_db = 20 * np.log10(np.abs(bed).max())
    assert -7.0 < peak_db < -5.0
    assert np.abs(bed[0]).max() < 1e-3 and np.abs(bed[-1]).max() < 1e-3  # fades reach silence
    edge = int(0.01 * RATE)
    middle_rms = np.sqrt(np.mean(bed[len(bed) // 3 : 2 * len(bed) // 3] ** 2))
    for part in (bed[:edge], bed[-edge:]):
        assert np.sqrt(np.mean(part**2)) < 0.25 * middle_rms


def test_same_seed_same_music_other_seed_or_mood_differs() -> None:
    a = synthesize_bed(6.0, "warm", 1)
    assert np.array_equal(a, synthesize_bed(6.0, "warm", 1))
    assert not np.array_equal(a, synthesize_bed(6.0, "warm", 2))
    sad = synthesize_bed(6.0, "sad", 1)
    assert np.abs(a - sad).mean() > 0.005


def test_every_mood_makes_music() -> None:
    for mood in MOODS:
        bed = synthesize_bed(2.0, mood, 0)
        middle = bed[RATE // 2 : 3 * RATE // 2]
        assert np.sqrt(np.mean(middle**2)) > 0.03, mood
        assert np.abs(middle[:, 0] - middle[:, 1]).mean() > 1e-4  # stereo, not dual mono


def test_handler_writes_exact_wav(make_ctx: Callable[[], SkillContext]) -> None:
    ctx = make_ctx()
    out = compose_music_bed(MusicBedInput(duration_s=12.34, mood="mysterious", seed=5), ctx)
    (kept,) = ctx.kept
    with wave.open(str(kept.path)) as fh:
        assert (fh.getframerate(), fh.getnchannels()) == (RATE, 2)
        assert fh.getnframes() == round(12.34 * RATE)
    assert out.duration_s == pytest.approx(12.34, abs=1 / RATE)
    assert out.audio_sha256 == kept.sha256


def test_skill_is_registered() -> None:
    registry = Registry()
    skills.register(registry)
    assert registry.skill("music.bed").executor == "thread"
