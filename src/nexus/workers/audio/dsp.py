"""Voice shaping and timing cleanup: pure ffmpeg command builders, one runner, numpy trimming."""

from __future__ import annotations

import subprocess
from functools import cache

import imageio_ffmpeg
import numpy as np

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.workers.audio.wavio import FloatArray

OUTPUT_RATE = 24_000
_GATE_DB = -42.0
_LEAD_S = 0.02
_TAIL_S = 0.06
_FADE_S = 0.005


@cache
def ffmpeg_exe() -> str:
    """The static ffmpeg bundled with imageio-ffmpeg (libx264, aac, libass, rubberband)."""
    return str(imageio_ffmpeg.get_ffmpeg_exe())


def build_shape_filter(in_rate: int, pitch: float, formant: float) -> str:
    """Filter chain giving pitch ratio ``pitch`` and formant ratio ``formant`` at OUTPUT_RATE.

    ``asetrate`` moves pitch, formants and tempo together by ``formant`` (the caller has
    already slowed synthesis by the same factor); rubberband then moves only the pitch the
    rest of the way, keeping the formants where asetrate put them.
    """
    steps: list[str] = []
    if abs(formant - 1.0) > 1e-6:
        steps.append(f"asetrate={round(in_rate * formant)}")
    steps.append(f"aresample={OUTPUT_RATE}")
    residual = pitch / formant
    if abs(residual - 1.0) > 1e-6:
        steps.append(f"rubberband=pitch={residual:.5f}:formant=preserved:pitchq=quality")
    return ",".join(steps)


def build_shape_command(in_rate: int, audio_filter: str) -> list[str]:
    """ffmpeg reading mono float32 from stdin and writing mono float32 to stdout."""
    raw = ["-f", "f32le", "-ac", "1"]
    return [
        ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error",
        *raw, "-ar", str(in_rate), "-i", "pipe:0",
        "-af", audio_filter, *raw, "-ar", str(OUTPUT_RATE), "pipe:1",
    ]  # fmt: skip


def shape_voice(samples: FloatArray, in_rate: int, pitch: float, formant: float) -> FloatArray:
    """Resample to OUTPUT_RATE and apply the voice's pitch/formant recipe."""
    command = build_shape_command(in_rate, build_shape_filter(in_rate, pitch, formant))
    proc = subprocess.run(
        command, input=samples.astype("<f4").tobytes(), capture_output=True, check=False
    )
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace")[-400:]
        raise NexusError(ErrorCode.MEDIA_TOOL_FAILED, f"voice shaping failed: {detail}")
    return np.frombuffer(proc.stdout, dtype="<f4").astype(np.float32)


def trim_silence(samples: FloatArray, rate: int) -> FloatArray:
    """Cut leading/trailing silence (gate relative to the loudest 10 ms), keep short margins.

    Margins keep soft onsets and release tails; the result's length is the speech duration
    subtitles are timed against.
    """
    win = max(1, rate // 100)
    frames = len(samples) // win
    if frames == 0:
        return samples
    rms = np.sqrt(np.mean(samples[: frames * win].reshape(frames, win) ** 2, axis=1))
    gate = max(float(rms.max()) * 10 ** (_GATE_DB / 20.0), 1e-4)
    voiced = np.nonzero(rms > gate)[0]
    if voiced.size == 0:
        return samples[:0]
    start = max(0, int(voiced[0]) * win - int(_LEAD_S * rate))
    end = min(len(samples), (int(voiced[-1]) + 1) * win + int(_TAIL_S * rate))
    return fade_edges(samples[start:end].copy(), rate)


def fade_edges(samples: FloatArray, rate: int) -> FloatArray:
    n = min(len(samples) // 2, int(_FADE_S * rate))
    if n > 0:
        ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
        samples[:n] *= ramp
        samples[-n:] *= ramp[::-1]
    return samples


def normalise_peak(samples: FloatArray, peak_dbfs: float = -3.0) -> FloatArray:
    """Scale so the peak sits at ``peak_dbfs``; the composer does loudness, this keeps headroom."""
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    if peak < 1e-6:
        return samples
    return (samples * (10 ** (peak_dbfs / 20.0) / peak)).astype(np.float32)


def silence(seconds: float, rate: int) -> FloatArray:
    return np.zeros(round(seconds * rate), dtype=np.float32)
