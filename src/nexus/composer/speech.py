"""A shot's speech track: its lines levelled, limited and placed sample-exactly at 48 kHz.

Every line is brought to the same loudness (so narrator and characters sit at one level) and
its true peak is limited, which keeps the film's peak-to-loudness ratio small enough for one
linear gain to reach -16 LUFS later. Done per shot, so a revision redoes one shot's lines.
"""

from __future__ import annotations

import math
import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from nexus.composer import loudness
from nexus.composer.probe import read_audio
from nexus.composer.specs import SAMPLE_RATE, SpeechPlacement
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError

Audio = npt.NDArray[np.float32]

LINE_LUFS = -18.0
"""Loudness of every line as heard on two speakers (mono counts +3 dB, as on stereo)."""
LINE_CEILING_DBTP = -5.0
"""True-peak ceiling of a levelled line: with LINE_LUFS, a peak-to-loudness ratio of 13 dB."""
_STEREO_DB = 10 * math.log10(2)


def read_samples(path: Path, *, max_frames: int | None = None) -> tuple[Audio, int]:
    """(samples, rate) of an audio file: (n,) mono or (n, channels); 16-bit WAV read directly.

    ``max_frames`` reads only the start of a WAV (a long music bed under a short film).
    """
    try:
        with wave.open(str(path), "rb") as wav:
            width, channels, rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
            count = wav.getnframes() if max_frames is None else min(max_frames, wav.getnframes())
            raw = wav.readframes(count) if width == 2 else b""
    except (wave.Error, EOFError):
        width, channels, rate, raw = 0, 0, 0, b""
    if width != 2:  # not 16-bit PCM WAV: let ffmpeg decode it
        return read_audio(path, rate=SAMPLE_RATE), SAMPLE_RATE
    pcm = np.frombuffer(raw, dtype="<i2").astype(np.float32)
    pcm *= np.float32(1 / 32768)
    return (pcm if channels == 1 else pcm.reshape(-1, channels)), rate


def resample(samples: Audio, rate: int, to_rate: int, *, periodic: bool = False) -> Audio:
    """Band-limited resampling by FFT (exact sinc interpolation of the padded signal).

    ``periodic`` treats the signal as a loop (a music bed), otherwise it is zero-padded so the
    end does not wrap into the start.
    """
    if rate == to_rate or samples.shape[0] == 0:
        return samples
    n = samples.shape[0]
    step = rate // math.gcd(rate, to_rate)
    size = n if periodic else -(-(n + max(64, n // 50)) // step) * step
    out_size = size * to_rate // rate if size % step == 0 else round(size * to_rate / rate)
    spectrum = np.fft.rfft(samples.astype(np.float64), size, axis=0)
    out = np.fft.irfft(spectrum, out_size, axis=0) * (out_size / size)
    return out[: round(n * to_rate / rate)].astype(np.float32)


def to_mono(samples: Audio) -> Audio:
    return samples if samples.ndim == 1 else samples.mean(axis=1).astype(np.float32)


def level_line(samples: Audio, rate: int) -> Audio:
    """Scale a mono line to LINE_LUFS and limit its true peak to LINE_CEILING_DBTP."""
    measured = loudness.integrated_loudness(samples, rate) + _STEREO_DB
    if measured <= loudness.SILENCE_LUFS:
        return samples
    scaled = (samples * 10 ** ((LINE_LUFS - measured) / 20)).astype(np.float32)
    ceiling = LINE_CEILING_DBTP - 0.1  # gain changes add a few hundredths of a dB
    for _ in range(3):
        excess = loudness.to_db(loudness.true_peak(scaled)) - LINE_CEILING_DBTP
        if excess <= 0:
            break
        scaled = loudness.limit_peaks(scaled, rate, ceiling)
        ceiling -= max(excess, 0.05)
    return scaled


def speech_track(
    lines: Sequence[SpeechPlacement], samples: int, *, rate: int = SAMPLE_RATE, level: bool = True
) -> Audio:
    """``samples`` of mono speech: each line (levelled, its gain applied) at its offset.

    A line running past the end is cut there (the composer warns about it).
    """
    track = np.zeros(samples, dtype=np.float32)
    for line in lines:
        raw, line_rate = read_samples(line.path)
        voice = resample(to_mono(raw), line_rate, rate)
        if level:
            voice = level_line(voice, rate)
        start = round(line.offset_s * rate)
        if start >= samples:
            continue
        part = voice[: samples - start] * np.float32(10 ** (line.gain_db / 20))
        track[start : start + part.size] += part
    return track


def write_track(path: Path, track: Audio, rate: int = SAMPLE_RATE) -> Path:
    """Mono 16-bit PCM WAV (levelled speech peaks at -5 dBTP, so nothing clips)."""
    pcm = np.clip(np.round(track * 32767.0), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm.tobytes())
    return path


def read_track(path: Path, samples: int) -> Audio:
    """A speech track at SAMPLE_RATE, exactly ``samples`` long (padded or cut)."""
    data, rate = read_samples(path)
    if rate != SAMPLE_RATE:
        raise NexusError(
            ErrorCode.ARTIFACT_CORRUPT, f"{path.name}: speech track at {rate} Hz, not 48 kHz"
        )
    mono = to_mono(data)
    if mono.size >= samples:
        return mono[:samples]
    return np.concatenate([mono, np.zeros(samples - mono.size, dtype=np.float32)])
