"""PCM WAV reading and writing with numpy (mono or stereo, 16-bit), shared by the audio workers."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError

FloatArray = npt.NDArray[np.float32]


def write_wav(path: Path, samples: FloatArray, sample_rate: int) -> None:
    """Write float samples in [-1, 1] (shape (n,) or (n, channels)) as 16-bit PCM."""
    data = samples if samples.ndim == 2 else samples[:, None]
    pcm = np.clip(np.round(data * 32767.0), -32767, 32767).astype("<i2")
    # Open the file first: wave.open(path) failing to create it (a cancelled job's folder
    # already removed) leaves a half-built writer whose __del__ prints a stray traceback.
    with path.open("wb") as raw, wave.open(raw, "wb") as fh:
        fh.setnchannels(data.shape[1])
        fh.setsampwidth(2)
        fh.setframerate(sample_rate)
        fh.writeframes(pcm.tobytes())


def read_wav(path: Path) -> tuple[FloatArray, int]:
    """Read 16-bit PCM as float32 mono (channels averaged) and its sample rate."""
    try:
        with wave.open(str(path), "rb") as fh:
            if fh.getsampwidth() != 2:
                raise NexusError(ErrorCode.ARTIFACT_CORRUPT, f"{path.name}: not 16-bit PCM")
            channels = fh.getnchannels()
            rate = fh.getframerate()
            raw = fh.readframes(fh.getnframes())
    except (wave.Error, EOFError) as exc:
        raise NexusError(ErrorCode.ARTIFACT_CORRUPT, f"{path.name}: {exc}") from exc
    pcm = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        pcm = pcm.reshape(-1, channels).mean(axis=1).astype(np.float32)
    return pcm, rate


def wav_duration_s(path: Path) -> float:
    """Exact duration from the WAV header (frames / rate)."""
    with wave.open(str(path), "rb") as fh:
        return fh.getnframes() / float(fh.getframerate())
