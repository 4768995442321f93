"""The film's audio: shot speech tracks end to end, the ducked music bed, loudness, AAC.

One numpy mix written once as raw float, one ffmpeg ``ebur128`` measurement of it (true peak
included), one linear gain to -16 LUFS applied by the AAC encoder that writes the .m4a the
finish step muxes by stream copy. When the peaks forbid a plain gain (unlevelled speech with
sharp clicks, a loud bed), a look-ahead true-peak limiter takes them down and the limited mix
is measured again.
"""

from __future__ import annotations

import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nexus.composer import commands, loudness
from nexus.composer.aac import encode_aac
from nexus.composer.ducking import duck_gains
from nexus.composer.runner import ffmpeg_exe, parse_ebur128_summary, run_tool
from nexus.composer.specs import SAMPLE_RATE, EncodeSettings, LoudnessMeasure, MixPlan
from nexus.composer.speech import Audio, read_samples, resample
from nexus.core.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class FilmAudio:
    """The encoded film audio and what is known about its loudness."""

    path: Path
    """The AAC (.m4a) at the target loudness."""
    measured: LoudnessMeasure
    """The mix before normalisation."""
    loudness: LoudnessMeasure
    """What was encoded: measured after the limiter, else ``measured`` moved by the gain."""
    normalisation: str
    """``gain`` (one linear gain) or ``limiter`` (gain, then true-peak limiting)."""
    gain_db: float = 0.0


def _rate_of(path: Path) -> int | None:
    try:
        with wave.open(str(path), "rb") as wav:
            return wav.getframerate()
    except (wave.Error, EOFError):
        return None


def music_bed(path: Path, plan: MixPlan) -> Audio:
    """The bed looped to length, stereo at SAMPLE_RATE, at its gain and ducked under speech."""
    enough = plan.total_samples if _rate_of(path) == SAMPLE_RATE else None
    data, rate = read_samples(path, max_frames=enough)
    stereo = data if data.ndim == 2 else np.repeat(data[:, None], 2, axis=1)
    stereo = resample(stereo[:, :2], rate, SAMPLE_RATE, periodic=True)
    if stereo.shape[0] == 0:
        return np.zeros((plan.total_samples, 2), dtype=np.float32)
    if stereo.shape[0] < plan.total_samples:
        stereo = np.tile(stereo, (-(-plan.total_samples // stereo.shape[0]), 1))
    bed = np.ascontiguousarray(stereo[: plan.total_samples], dtype=np.float32)  # no copy: fresh
    gains = duck_gains(plan.total_samples, SAMPLE_RATE, plan.speech_intervals, duck_db=plan.duck_db)
    gains *= np.float32(10 ** (plan.music_gain_db / 20))
    bed *= gains[:, None]
    return bed


def mix_film(speech: Audio, music: Path | None, plan: MixPlan) -> Audio:
    """Mono speech (already placed, ``plan.total_samples`` long) over the ducked bed, stereo."""
    voice = speech[: plan.total_samples, None]
    if music is None:
        return np.repeat(voice, 2, axis=1).astype(np.float32)
    mix = music_bed(music, plan)
    mix += voice
    return mix


def write_raw(audio: Audio, raw: Path) -> Path:
    """Interleaved little-endian float32, what the measure and encode commands read."""
    np.ascontiguousarray(audio, dtype="<f4").tofile(raw)
    return raw


def measure(raw: Path) -> LoudnessMeasure:
    """EBU R128 of a raw stereo float file by ffmpeg's ebur128 (true peak at 4x oversampling)."""
    argv = commands.build_pcm_measure_command(raw, channels=2, ffmpeg=ffmpeg_exe())
    return parse_ebur128_summary(run_tool(argv).stderr)


def _shifted(measured: LoudnessMeasure, gain_db: float) -> LoudnessMeasure:
    return measured.model_copy(
        update={
            "integrated_lufs": round(measured.integrated_lufs + gain_db, 1),
            "threshold_lufs": round(measured.threshold_lufs + gain_db, 1),
            "true_peak_dbtp": round(measured.true_peak_dbtp + gain_db, 1),
        }
    )


def limit_mix(audio: Audio, raw: Path, gain_db: float) -> tuple[Audio, LoudnessMeasure, float]:
    """Gain to the target, then the true-peak limiter, re-measured: the limiter lowers the
    loudness a little, which a second small gain makes up. (limited mix, its loudness, gain)."""
    level = audio * np.float32(10 ** (gain_db / 20))
    attempts = 0
    while True:
        limited = loudness.limit_peaks(level, SAMPLE_RATE, commands.LOUDNESS_TARGET_TP - 0.1)
        after = measure(write_raw(limited, raw))
        shortfall = commands.LOUDNESS_TARGET_I - after.integrated_lufs
        attempts += 1
        if abs(shortfall) <= 0.3 or attempts == 3:
            return limited, after, gain_db
        level = level * np.float32(10 ** (shortfall / 20))
        gain_db += shortfall


def render_mix(
    speech: Audio,
    music: Path | None,
    plan: MixPlan,
    out: Path,
    *,
    encode: EncodeSettings | None = None,
) -> FilmAudio:
    """Mix, measure, normalise and encode the film's audio to ``out`` (.m4a, AAC).

    ffmpeg measures the mix from a raw float file (nothing is piped through Python); the usual
    linear gain is applied by the encoders (``aac.encode_aac``, two chunks in parallel).
    """
    encode = encode or EncodeSettings()
    mix = mix_film(speech, music, plan)
    raw = write_raw(mix, out.with_suffix(".f32"))
    measured = measure(raw)
    gain = commands.linear_gain_db(measured)
    if gain is not None:
        written, how, apply_db = _shifted(measured, gain), "gain", gain
    else:
        target_db = commands.LOUDNESS_TARGET_I - measured.integrated_lufs
        mix, written, gain = limit_mix(mix, raw, target_db)
        how, apply_db = "limiter", 0.0
    raw.unlink()
    encode_aac(mix, out, gain_db=apply_db, encode=encode)
    log.info(
        "composer.mixed",
        seconds=round(plan.total_samples / SAMPLE_RATE, 3),
        normalisation=how,
        gain_db=round(gain, 2),
        integrated_lufs=written.integrated_lufs,
        true_peak_dbtp=written.true_peak_dbtp,
    )
    return FilmAudio(out, measured, written, how, gain)


def concat_tracks(tracks: Sequence[Audio], samples: int) -> Audio:
    """Shot speech tracks end to end, padded or cut to ``samples``."""
    joined = np.concatenate(list(tracks)) if tracks else np.zeros(0, dtype=np.float32)
    if joined.size >= samples:
        return joined[:samples]
    return np.concatenate([joined, np.zeros(samples - joined.size, dtype=np.float32)])
