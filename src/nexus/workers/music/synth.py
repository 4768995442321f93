"""Music bed synthesis: mood -> key, tempo and progression; seed -> transposition and pattern.

Pure numpy, deterministic: the same (duration, mood, seed) gives the same samples.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import numpy.typing as npt

from nexus.workers.audio.wavio import FloatArray

Mood = Literal["calm", "warm", "bright", "sad", "tense", "mysterious"]
RATE = 48_000
PEAK_DBFS = -6.0


@dataclass(frozen=True)
class MoodSpec:
    tonic: int  # MIDI note of the key's root (bass octave)
    minor: bool
    bpm: float
    progression: tuple[int, ...]  # scale degrees (0-based) of each bar's chord
    brightness: int  # harmonics in the pad


MOODS: dict[Mood, MoodSpec] = {
    "calm": MoodSpec(48, False, 70, (0, 5, 3, 4), 5),
    "warm": MoodSpec(46, False, 76, (0, 3, 5, 4), 6),
    "bright": MoodSpec(50, False, 96, (0, 4, 5, 3), 8),
    "sad": MoodSpec(45, True, 64, (0, 5, 2, 6), 4),
    "tense": MoodSpec(43, True, 84, (0, 3, 0, 4), 7),
    "mysterious": MoodSpec(44, True, 66, (0, 1, 5, 4), 5),
}
_MAJOR = (0, 2, 4, 5, 7, 9, 11)
_MINOR = (0, 2, 3, 5, 7, 8, 10)


def chord_notes(spec: MoodSpec, degree: int, transpose: int) -> list[int]:
    """Triad plus octave on ``degree`` of the key, as MIDI notes."""
    scale = _MINOR if spec.minor else _MAJOR
    notes = []
    for step in (0, 2, 4, 7):
        idx = degree + step
        notes.append(spec.tonic + transpose + 12 * (idx // 7) + scale[idx % 7])
    if spec.minor and degree == 4:  # harmonic-minor dominant: raise the third
        notes[1] += 1
    return notes


def hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


@lru_cache(maxsize=256)
def tone(freq: float, n: int, harmonics: int, detune: float = 0.0) -> FloatArray:
    """A soft additive tone (1/k^1.5 harmonics), slightly detuned for width (read-only, cached:
    arpeggios and pads repeat the same notes)."""
    t = np.arange(n, dtype=np.float64) / RATE
    out = np.zeros(n)
    for k in range(1, harmonics + 1):
        out += np.sin(2 * np.pi * freq * (1 + detune) * k * t) / k**1.5
    result = out.astype(np.float32)
    result.flags.writeable = False
    return result


def envelope(n: int, attack: float, release: float) -> FloatArray:
    env = np.ones(n, dtype=np.float32)
    a, r = min(n // 2, int(attack * RATE)), min(n // 2, int(release * RATE))
    if a:
        env[:a] = np.linspace(0, 1, a, dtype=np.float32)
    if r:
        env[-r:] *= np.linspace(1, 0, r, dtype=np.float32)
    return env


def _add(track: npt.NDArray[np.float32], start: int, sound: FloatArray, pan: float) -> None:
    end = min(track.shape[0], start + len(sound))
    if end <= start:
        return
    part = sound[: end - start]
    track[start:end, 0] += part * (1 - pan) ** 0.5
    track[start:end, 1] += part * (1 + pan) ** 0.5


def _bar(
    track: npt.NDArray[np.float32],
    spec: MoodSpec,
    notes: list[int],
    start: int,
    bar_n: int,
    pattern: list[int],
) -> None:
    overlap = int(0.8 * RATE)
    pad_n = bar_n + overlap
    env = envelope(pad_n, 0.9, 1.2)
    for i, note in enumerate(notes[:3]):
        for detune, pan in ((-0.003, -0.5), (0.003, 0.5)):
            _add(
                track,
                start,
                tone(hz(note + 12), pad_n, spec.brightness, detune) * env * 0.06,
                pan * (i - 1) * 0.6,
            )
    _add(track, start, tone(hz(notes[0]), pad_n, 2) * envelope(pad_n, 0.05, 1.5) * 0.16, 0.0)
    step = bar_n // 8
    pluck_n = int(0.9 * RATE)
    decay = np.exp(-np.arange(pluck_n) / (0.25 * RATE)).astype(np.float32)
    for k in range(8):
        note = notes[pattern[k % len(pattern)]] + 24
        pluck = tone(hz(note), pluck_n, 3) * decay * envelope(pluck_n, 0.005, 0.05) * 0.07
        _add(track, start + k * step, pluck, 0.35 if k % 2 else -0.35)


def synthesize_bed(duration_s: float, mood: Mood, seed: int) -> FloatArray:
    """Stereo (n, 2) float32 at RATE: exactly round(duration_s * RATE) frames, peak PEAK_DBFS."""
    spec = MOODS[mood]
    rng = random.Random(f"{mood}:{seed}")
    transpose = rng.randint(-3, 3)
    bar_n = int(RATE * 4 * 60 / (spec.bpm * rng.uniform(0.95, 1.05)))
    pattern = rng.choice(
        [[0, 1, 2, 3, 2, 1], [0, 2, 1, 3], [0, 1, 2, 1, 3, 2, 1, 2], [2, 1, 0, 1, 3, 1]]
    )
    total = max(1, round(duration_s * RATE))
    track = np.zeros((total + bar_n * 2, 2), dtype=np.float32)
    for bar, start in enumerate(range(0, total, bar_n)):
        degree = spec.progression[bar % len(spec.progression)]
        _bar(track, spec, chord_notes(spec, degree, transpose), start, bar_n, pattern)
    out = track[:total]
    fade_in, fade_out = min(2.0, duration_s / 4), min(3.0, duration_s / 3)
    out *= envelope(total, fade_in, fade_out)[:, None]
    peak = float(np.abs(out).max())
    if peak > 0:
        out *= 10 ** (PEAK_DBFS / 20) / peak
    return out.astype(np.float32)
