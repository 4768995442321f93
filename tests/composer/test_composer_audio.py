"""The audio path without pictures: numpy loudness against ffmpeg's ebur128, the true-peak
limiter, resampling, speech tracks (placement, levelling) and the film mix written as AAC."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from composer_synth import write_tone, write_wav

from nexus.composer import loudness
from nexus.composer.mix import mix_film, render_mix
from nexus.composer.probe import measure_loudness, probe_duration_s, read_audio
from nexus.composer.runner import ffmpeg_exe, parse_ebur128_summary, run_tool
from nexus.composer.specs import SAMPLE_RATE, LoudnessMeasure, MixPlan, SpeechPlacement
from nexus.composer.speech import (
    LINE_CEILING_DBTP,
    LINE_LUFS,
    level_line,
    read_track,
    resample,
    speech_track,
    write_track,
)

F32 = npt.NDArray[np.float32]


def speechlike(seconds: float, rate: int, seed: int = 3) -> F32:
    """Band-limited noise in syllable bursts, with some sharp peaks: crest factor like speech."""
    rng = np.random.default_rng(seed)
    n = round(seconds * rate)
    t = np.arange(n) / rate
    noise = np.convolve(rng.normal(size=n), np.ones(6) / 6, "same")
    bursts = (np.sin(2 * np.pi * 3.3 * t) > -0.1) * (0.6 + 0.4 * np.sin(2 * np.pi * 0.7 * t))
    out = noise * bursts
    return (out / np.abs(out).max() * 0.7).astype(np.float32)


def ffmpeg_loudness(samples: F32, rate: int, tmp_path: Path) -> LoudnessMeasure:
    data = samples if samples.ndim == 2 else samples[:, None]
    raw = tmp_path / "x.f32"
    np.ascontiguousarray(data, dtype="<f4").tofile(raw)
    argv = [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-f", "f32le", "-ar", str(rate),
        "-ac", str(data.shape[1]), "-i", str(raw),
        "-af", "ebur128=peak=true:framelog=quiet", "-f", "null", "-",
    ]  # fmt: skip
    return parse_ebur128_summary(run_tool(argv).stderr)


@pytest.mark.parametrize("rate", [48_000, 24_000, 44_100])
def test_numpy_loudness_matches_ffmpeg_ebur128(rate: int, tmp_path: Path) -> None:
    voice = speechlike(6.0, rate)
    t = np.arange(voice.size) / rate
    stereo = np.stack([voice, 0.3 * voice + 0.1 * np.sin(2 * np.pi * 330 * t)], axis=1)
    for signal in (voice, stereo.astype(np.float32)):
        ours = loudness.integrated_loudness(signal, rate)
        theirs = ffmpeg_loudness(signal, rate, tmp_path)
        assert ours == pytest.approx(theirs.integrated_lufs, abs=0.15)
        tp = loudness.to_db(loudness.true_peak(signal))
        assert tp == pytest.approx(theirs.true_peak_dbtp, abs=0.35)


def test_gating_ignores_silence_and_short_signals_still_measure() -> None:
    voice = speechlike(4.0, SAMPLE_RATE)
    padded = np.concatenate([voice, np.zeros(8 * SAMPLE_RATE, dtype=np.float32)])
    # only the few 400 ms blocks straddling the end of the speech differ
    assert loudness.integrated_loudness(padded, SAMPLE_RATE) == pytest.approx(
        loudness.integrated_loudness(voice, SAMPLE_RATE), abs=0.25
    )
    short = voice[: SAMPLE_RATE // 4]  # shorter than one 400 ms block
    assert -40 < loudness.integrated_loudness(short, SAMPLE_RATE) < 0
    assert loudness.integrated_loudness(np.zeros(SAMPLE_RATE, np.float32), SAMPLE_RATE) == -70.0


def test_limiter_holds_the_true_peak_and_leaves_quiet_parts_alone() -> None:
    voice = speechlike(3.0, SAMPLE_RATE) * np.float32(1.6)  # peaks at +1 dBFS
    limited = loudness.limit_peaks(voice, SAMPLE_RATE, -6.0)
    assert loudness.to_db(loudness.true_peak(limited)) <= -5.9
    quiet = np.abs(voice) < 0.05
    # far from any peak the gain is back to unity (release is 80 ms for 12 dB)
    gain = np.divide(limited, voice, out=np.ones_like(voice), where=np.abs(voice) > 1e-4)
    assert np.max(gain) <= 1.0 + 1e-5
    assert np.mean(gain[~quiet] > 0.999) > 0.05
    stereo = np.stack([voice, voice * 0.5], axis=1)
    both = loudness.limit_peaks(stereo, SAMPLE_RATE, -6.0)
    assert loudness.to_db(loudness.true_peak(both)) <= -5.9
    assert np.allclose(both[:, 1], both[:, 0] * 0.5, atol=1e-6)  # one gain for both channels


def test_resampling_keeps_tone_and_length() -> None:
    rate = 22_050
    tone = np.sin(2 * np.pi * 1000 * np.arange(rate) / rate).astype(np.float32)
    up = resample(tone, rate, SAMPLE_RATE)
    assert up.size == SAMPLE_RATE
    t = np.arange(up.size) / SAMPLE_RATE
    inner = slice(2000, -2000)
    assert np.max(np.abs(up[inner] - np.sin(2 * np.pi * 1000 * t)[inner])) < 0.01
    loop = resample(tone, rate, SAMPLE_RATE, periodic=True)
    assert loop.size == SAMPLE_RATE


def test_a_levelled_line_is_at_line_loudness_under_its_ceiling() -> None:
    for gain in (0.05, 1.0):  # far too quiet, and peaky at full scale
        line = level_line(speechlike(3.0, SAMPLE_RATE, seed=5) * np.float32(gain), SAMPLE_RATE)
        # a mono line counts +3 dB, as it plays on both speakers
        assert loudness.integrated_loudness(line, SAMPLE_RATE) + 3.01 == pytest.approx(
            LINE_LUFS, abs=0.6
        )
        assert loudness.to_db(loudness.true_peak(line)) <= LINE_CEILING_DBTP + 0.05


def test_speech_track_places_lines_sample_exactly(tmp_path: Path) -> None:
    first = write_tone(tmp_path / "a.wav", 0.5, 1000.0, rate=22_050)
    second = write_tone(tmp_path / "b.wav", 0.4, 600.0, rate=22_050)
    lines = [
        SpeechPlacement(path=first, offset_s=0.25),
        SpeechPlacement(path=second, offset_s=1.0, gain_db=-6),
    ]
    track = speech_track(lines, 2 * SAMPLE_RATE)
    assert track.size == 2 * SAMPLE_RATE
    loud = np.flatnonzero(np.abs(track) > 0.02)
    assert abs(loud[0] - 0.25 * SAMPLE_RATE) <= 3
    assert abs(loud[-1] - 1.4 * SAMPLE_RATE) <= 6  # band-limited resampling rings a little
    # both levelled to the same loudness, then the second 6 dB down
    a = np.abs(track[int(0.3 * SAMPLE_RATE) : int(0.7 * SAMPLE_RATE)]).max()
    b = np.abs(track[int(1.05 * SAMPLE_RATE) : int(1.35 * SAMPLE_RATE)]).max()
    assert 20 * np.log10(a / b) == pytest.approx(6.0, abs=0.8)
    path = write_track(tmp_path / "track.wav", track)
    assert np.allclose(read_track(path, 2 * SAMPLE_RATE), track, atol=1e-4)
    assert read_track(path, 100).size == 100


def test_a_line_past_the_end_is_cut(tmp_path: Path) -> None:
    line = write_tone(tmp_path / "a.wav", 2.0, 500.0)
    track = speech_track([SpeechPlacement(path=line, offset_s=0.5)], SAMPLE_RATE)
    assert track.size == SAMPLE_RATE and np.abs(track[-100:]).max() > 0.01


def test_music_loops_and_ducks_under_speech(tmp_path: Path) -> None:
    music = write_tone(tmp_path / "bed.wav", 1.0, 220.0, amp=0.3, rate=44_100)
    plan = MixPlan(
        total_samples=4 * SAMPLE_RATE, speech_intervals=[(2.0, 3.0)], music_gain_db=0.0,
        duck_db=-14.0,
    )  # fmt: skip
    mix = mix_film(np.zeros(plan.total_samples, np.float32), music, plan)
    assert mix.shape == (plan.total_samples, 2)
    level = [float(np.abs(mix[round(s * SAMPLE_RATE) : round((s + 0.2) * SAMPLE_RATE)]).max())
             for s in (0.5, 1.5, 2.4, 3.7)]  # fmt: skip
    assert level[0] == pytest.approx(0.3, abs=0.01) and level[1] == pytest.approx(0.3, abs=0.01)
    assert 20 * np.log10(level[2] / level[0]) == pytest.approx(-14.0, abs=0.3)
    assert level[3] == pytest.approx(0.3, abs=0.01)


def test_render_mix_writes_aac_at_the_target_in_sync(tmp_path: Path) -> None:
    total = 5 * SAMPLE_RATE
    voice = np.zeros(total, np.float32)
    start = round(1.5 * SAMPLE_RATE)
    voice[start : start + 2 * SAMPLE_RATE] = speechlike(2.0, SAMPLE_RATE) * np.float32(0.2)
    music = write_wav(
        tmp_path / "bed.wav", 0.05 * np.sin(2 * np.pi * 110 * np.arange(SAMPLE_RATE) / 48e3), 48_000
    )
    plan = MixPlan(total_samples=total, speech_intervals=[(1.5, 3.5)], music_gain_db=-6)
    film = render_mix(voice, music, plan, tmp_path / "audio.m4a")
    assert film.normalisation == "gain"
    assert probe_duration_s(film.path) == pytest.approx(5.0, abs=0.03)
    delivered = measure_loudness(film.path)
    assert delivered.integrated_lufs == pytest.approx(-16.0, abs=0.3)
    assert delivered.integrated_lufs == pytest.approx(film.loudness.integrated_lufs, abs=0.2)
    assert delivered.true_peak_dbtp <= -1.0
    decoded = read_audio(film.path)
    assert decoded.size == pytest.approx(total, abs=1024)
    music_only = float(np.abs(decoded[: start - SAMPLE_RATE // 2]).max())
    onset = int(np.flatnonzero(np.abs(decoded) > 2 * music_only)[0])
    assert 0 <= onset - start < SAMPLE_RATE * 0.01  # no AAC priming left in front
    assert not (tmp_path / "audio.f32").exists()
